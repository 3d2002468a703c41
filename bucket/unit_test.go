package bucket

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"feedgen/source"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		in     string
		want   Target
		errHas string
	}{
		{in: "s3://feeds", want: Target{Bucket: "feeds"}},
		{in: "s3://feeds/", want: Target{Bucket: "feeds"}},
		{in: "s3://my.feeds-1/site", want: Target{Bucket: "my.feeds-1", Prefix: "site/"}},
		{in: "s3://feeds/a/b/", want: Target{Bucket: "feeds", Prefix: "a/b/"}},
		{in: "feeds", errHas: "s3://BUCKET"},
		{in: "https://feeds/x", errHas: "s3://BUCKET"},
		{in: "s3://", errHas: "3 to 63"},
		{in: "s3://Feeds", errHas: "lower-case"},
		{in: "s3://-feeds", errHas: "lower-case"},
		{in: "s3://feeds/a//b", errHas: "empty segment"},
		{in: "s3://feeds/a/../b", errHas: "dot segment"},
	} {
		got, err := ParseTarget(c.in)
		if c.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), c.errHas) {
				t.Errorf("ParseTarget(%q) = %v, %v; want an error saying %q", c.in, got, err, c.errHas)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseTarget(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if back, err := ParseTarget(got.String()); err != nil || back != got {
			t.Errorf("%q: String %q does not read back: %+v, %v", c.in, got.String(), back, err)
		}
	}
}

func TestRelPath(t *testing.T) {
	for p, ok := range map[string]bool{
		"/rss.xml": true, "/tag/河北日报/atom.xml": true, "/archive/2026/11/feed.json.gz": true,
		"rss.xml": false, "/a//b": false, "/a/../b": false, "/./a": false, "/a\\b": false, "/a\x00b": false,
		"/a/": false, "/\xff": false,
	} {
		if _, err := relPath(p); (err == nil) != ok {
			t.Errorf("relPath(%q): err %v, want ok=%v", p, err, ok)
		}
	}
}

// TestOwnedAndPhases: the names a run may delete without a record, and the
// order files are uploaded in.
func TestOwnedAndPhases(t *testing.T) {
	for _, c := range []struct {
		rel   string
		owned bool
		phase phase
	}{
		{"rss.xml", true, phaseFeeds},
		{"feed.json.br", true, phaseFirst},
		{"index.html", true, phaseTop},
		{"index.html.gz", true, phaseFirst},
		{"feeds.opml", true, phaseTop},
		{"category/news/atom.xml", true, phaseFeeds},
		{"category/news/index.html", true, phasePages},
		{"tag/河北/index.html", true, phasePages},
		{"archive/2026/11/rss.xml", true, phaseFirst},
		{"tag/x/archive/2026/01/feed.json", true, phaseFirst},
		{"category/index.html", true, phasePages},
		{"tag/index.html.br", true, phaseFirst},
		{"images/logo.png", false, phaseFirst},
		{"about/index.html", false, phasePages},
		{"robots.txt", false, phaseFirst},
		{"category/news/notes.txt", false, phaseFirst},
	} {
		if got := owned(c.rel); got != c.owned {
			t.Errorf("owned(%q) = %v, want %v", c.rel, got, c.owned)
		}
		if got := phaseOf("/" + c.rel); got != c.phase && !strings.HasSuffix(c.rel, ".gz") && !strings.HasSuffix(c.rel, ".br") {
			t.Errorf("phaseOf(%q) = %v, want %v", c.rel, got, c.phase)
		}
	}
}

func TestRecordRoundTrip(t *testing.T) {
	e := entry{tag: `"abc"`, md5: "0123abcd", size: 42, cc: "public, max-age=300"}
	got, err := parseRecord(e.record(), source.Stamp{Size: 42})
	if err != nil || got != e {
		t.Fatalf("parseRecord(record()) = %+v, %v; want %+v", got, err, e)
	}
	for _, bad := range []string{"", "a\nb", "\nb\nc", "a\nb\nc\nd"} {
		if _, err := parseRecord(bad, source.Stamp{}); err == nil {
			t.Errorf("parseRecord(%q): no error", bad)
		}
	}
}

// TestConfigFromEnv: the AWS variables, and one message naming them when
// no credentials are found.
func TestConfigFromEnv(t *testing.T) {
	clear := func() {
		for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION",
			"AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY", "AWS_SECRET_KEY"} {
			t.Setenv(v, "")
		}
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	}
	clear()
	c, err := ConfigFromEnv()
	if err != nil || c.Endpoint != nil || c.Region != "" {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	if _, err := New(Options{Target: Target{Bucket: "feeds"}, Config: c}); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") || !strings.Contains(err.Error(), "AWS_PROFILE") {
		t.Errorf("no credentials: %v; want a message naming the variables", err)
	}

	t.Setenv("AWS_ENDPOINT_URL", "http://other.example:1")
	t.Setenv("AWS_ENDPOINT_URL_S3", "https://s3.example:9000")
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if c, err = ConfigFromEnv(); err != nil || c.Endpoint.String() != "https://s3.example:9000" || c.Region != "us-east-1" {
		t.Fatalf("endpoint: %+v, %v", c, err)
	}
	p, err := New(Options{Target: Target{Bucket: "feeds"}, Config: c})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID() != "s3://feeds/ at https://s3.example:9000" {
		t.Errorf("ID %q", p.ID())
	}

	// A profile of the shared credentials file.
	clear()
	creds := filepath.Join(t.TempDir(), "credentials")
	writeFile(t, creds, "[default]\naws_access_key_id = a\naws_secret_access_key = b\n[pub]\naws_access_key_id = c\naws_secret_access_key = d\n")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_PROFILE", "pub")
	t.Setenv("AWS_REGION", "eu-west-3")
	if c, err = ConfigFromEnv(); err != nil || c.Region != "eu-west-3" {
		t.Fatalf("profile: %+v, %v", c, err)
	}
	v, err := c.Creds.GetWithContext(nil)
	if err != nil || v.AccessKeyID != "c" || v.SecretAccessKey != "d" {
		t.Errorf("profile pub: %+v, %v", v, err)
	}

	for _, bad := range []string{"s3.example", "ftp://s3.example", "https://s3.example/path", "http://"} {
		t.Setenv("AWS_ENDPOINT_URL_S3", bad)
		if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "AWS_ENDPOINT_URL_S3") {
			t.Errorf("AWS_ENDPOINT_URL_S3=%q: %v; want an error naming it", bad, err)
		}
	}
}

func TestHookURLs(t *testing.T) {
	got := HookURLs("https://feeds.example/", []string{"/rss.xml", "/tag/河北/index.html", "/index.html", "/archive/2026/11/atom.xml.gz"})
	want := []string{
		"https://feeds.example/rss.xml",
		"https://feeds.example/tag/%E6%B2%B3%E5%8C%97/index.html", "https://feeds.example/tag/%E6%B2%B3%E5%8C%97/",
		"https://feeds.example/index.html", "https://feeds.example/",
		"https://feeds.example/archive/2026/11/atom.xml.gz",
	}
	if !slices.Equal(got, want) {
		t.Errorf("HookURLs:\n got %q\nwant %q", got, want)
	}
}

func TestRunHook(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the test command is a POSIX shell pipeline")
	}
	dir := t.TempDir()
	var out bytes.Buffer
	if err := RunHook(context.Background(), "cat > "+filepath.Join(dir, "urls")+"; echo purged", []string{"https://a/x", "https://a/y"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "urls")); got != "https://a/x\nhttps://a/y\n" {
		t.Errorf("stdin of the hook: %q", got)
	}
	if out.String() != "purged\n" {
		t.Errorf("output of the hook: %q", out.String())
	}
	if err := RunHook(context.Background(), "exit 3", nil, &out); err == nil || !strings.Contains(err.Error(), "exit 3") {
		t.Errorf("failing hook: %v", err)
	}
}
