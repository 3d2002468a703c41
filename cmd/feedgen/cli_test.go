package main

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelp proves that asking for help is not an error: usage on stdout,
// nothing on stderr, exit 0; and that duration flags read as durations.
func TestHelpOnStdout(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"build", "-h"}, {"serve", "-h"}, {"build", "--help"}, {"serve", "-help"}} {
		code, out, errs := runCmd(args...)
		if code != 0 || out == "" || errs != "" {
			t.Errorf("%q: exit %d, stdout %d bytes, stderr %q; want 0, usage on stdout", args, code, len(out), errs)
		}
	}
	_, out, _ := runCmd("serve", "-h")
	for _, want := range []string{"-debounce duration", "-max-delay duration", "-poll duration", "-metrics-addr address"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve -h lacks %q", want)
		}
	}
	if strings.Contains(out, " long\n") {
		t.Error("serve -h still names a duration flag's value \"long\"")
	}
	if _, out, _ := runCmd("build", "-h"); !strings.Contains(out, "-precompress") {
		t.Error("build -h lacks -precompress")
	}
}

// TestUsageErrors proves the messages a newcomer gets for common mistakes:
// in the user's words, naming the flag or key, with the right exit status.
func TestUsageErrors(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir := t.TempDir()
	badCfg := filepath.Join(dir, "feedgen.yaml")
	if err := os.WriteFile(badCfg, []byte("titel: 财经\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "nonexistent")
	badHub := filepath.Join(dir, "hubs.yaml")
	if err := os.WriteFile(badHub, []byte("hubs: [ftp://hub.example.com/]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"build", "-config", badCfg, "-out", out}, 2, []string{`unknown key "titel"`, "valid keys: archive, base_url, categories"}},
		{[]string{"serve", "-config", badCfg}, 2, []string{`unknown key "titel"`}},
		{[]string{"build", "-limit", "-1", "-out", out}, 2, []string{"-limit -1: want 0"}},
		{[]string{"serve", "-limit", "-1"}, 2, []string{"-limit -1: want 0"}},
		{[]string{"build", "-src", missing, "-out", out, "-state", ""}, 1, []string{"feedgen build: -src " + missing + ": no such directory"}},
		{[]string{"serve", "-src", missing, "-state", ""}, 1, []string{"feedgen serve: -src " + missing + ": no such directory"}},
		{[]string{"build", "-src", badCfg, "-out", out, "-state", ""}, 1, []string{"-src " + badCfg + ": not a directory"}},
		{[]string{"serve", "-addr", "nonsense", "-state", ""}, 2, []string{`feedgen serve: -addr "nonsense": want host:port`}},
		{[]string{"serve", "-metrics-addr", "9090x", "-state", ""}, 2, []string{`feedgen serve: -metrics-addr "9090x": want host:port`}},
		{[]string{"serve", "-poll", "-1s", "-state", ""}, 2, []string{"feedgen serve: -poll -1s: want 0 or a positive duration"}},
		{[]string{"build", "-max-article-size", "-5", "-out", out, "-state", ""}, 2, []string{"feedgen build: -max-article-size -5: want a positive"}},
		{[]string{"build", "-base-url", "feeds.example.com", "-out", out, "-state", ""}, 2, []string{`feedgen build: -base-url "feeds.example.com": want an absolute http or https URL`}},
		{[]string{"serve", "-hub", "hub.example.com", "-state", ""}, 2, []string{`feedgen serve: -hub "hub.example.com": want an absolute http or https URL`}},
		{[]string{"build", "-config", badHub, "-out", out, "-state", ""}, 2, []string{"feedgen build: " + badHub + `: hub "ftp://hub.example.com/": want`}},
	}
	for _, tt := range tests {
		code, _, errs := runCmd(tt.args...)
		if code != tt.code {
			t.Errorf("%q: exit %d, want %d\n%s", tt.args, code, tt.code, errs)
		}
		for _, w := range tt.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%q: stderr lacks %q:\n%s", tt.args, w, errs)
			}
		}
		for _, goWords := range []string{"feedgen.fileConfig", "not found in type", "watch " + missing} {
			if strings.Contains(errs, goWords) {
				t.Errorf("%q: stderr shows %q:\n%s", tt.args, goWords, errs)
			}
		}
	}
}

// TestWildcardWarning proves the warning for a daemon that listens on
// every interface but would advertise localhost URLs.
func TestWildcardWarning(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		addr string
		warn bool
	}{{"0.0.0.0:8080", true}, {":8080", true}, {"[::]:8080", true}, {"127.0.0.1:8080", false}, {"192.0.2.1:80", false}} {
		var buf bytes.Buffer
		warnWildcard(slog.New(slog.NewTextHandler(&buf, nil)), tt.addr, baseFromAddr(tt.addr))
		got := strings.Contains(buf.String(), "-base-url") && strings.Contains(buf.String(), "localhost")
		if got != tt.warn {
			t.Errorf("%s: warned %v, want %v (%s)", tt.addr, got, tt.warn, buf.String())
		}
	}
}

// TestVersion proves feedgen version reports the module version, the VCS
// revision and time lines, and the Go version, from the build information.
func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := runCmd("version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"feedgen ", "\nrevision ", "\ncommitted ", "\nbuilt with go"} {
		if !strings.Contains(out, want) {
			t.Errorf("version output lacks %q:\n%s", want, out)
		}
	}
}
