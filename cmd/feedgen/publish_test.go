package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/bucket"
)

// TestPublishFlags: the mistakes one can make with -publish, each named in
// the user's words with the right exit status, before anything is built.
func TestPublishFlags(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION"} {
		t.Setenv(v, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	out := filepath.Join(t.TempDir(), "out")
	for _, c := range []struct {
		env  string
		args []string
		code int
		want string
	}{
		{"", []string{"build", "-out", out, "-publish", "https://feeds.example/"}, 2, "want s3://BUCKET"},
		{"", []string{"serve", "-publish", "s3://Feeds"}, 2, "lower-case"},
		{"", []string{"build", "-out", out, "-publish-verify"}, 2, "-publish-verify needs -publish"},
		{"", []string{"serve", "-publish-hook", "true"}, 2, "-publish-hook needs -publish"},
		{"", []string{"build", "-out", out, "-publish", "s3://feeds", "-publish-max-deletes", "-2"}, 2, "-publish-max-deletes -2"},
		{"AWS_ENDPOINT_URL_S3=s3.example", []string{"build", "-out", out, "-publish", "s3://feeds"}, 2, "AWS_ENDPOINT_URL_S3"},
		{"", []string{"build", "-src", "../../seeds", "-out", out, "-publish", "s3://feeds"}, 1, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
	} {
		if k, v, ok := strings.Cut(c.env, "="); ok {
			t.Setenv(k, v)
		}
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%s %q: exit %d, stderr %q; want %d and %q", c.env, c.args, code, stderr, c.code, c.want)
		}
		if k, _, ok := strings.Cut(c.env, "="); ok {
			t.Setenv(k, "")
		}
	}
	for _, cmd := range []string{"build", "serve"} {
		_, usage, _ := runCmd(cmd, "-h")
		for _, f := range []string{"-publish bucket", "-publish-max-deletes", "-publish-verify", "-publish-hook command"} {
			if !strings.Contains(usage, f) {
				t.Errorf("%s -h lacks %s", cmd, f)
			}
		}
	}
}

// TestPublishRefusalNamesTheFlag: a publish refused for its deletions says
// which flag allows it.
func TestPublishRefusalNamesTheFlag(t *testing.T) {
	err := publishError(fmt.Errorf("publishing: %w", &bucket.TooManyDeletesError{Target: bucket.Target{Bucket: "feeds"}, Deletes: 300, Max: 256}))
	if got := err.Error(); !strings.Contains(got, "would delete 300 objects, more than the 256 allowed") || !strings.Contains(got, "-publish-max-deletes") {
		t.Errorf("%q", got)
	}
}
