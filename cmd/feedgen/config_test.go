package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

var titleTag = regexp.MustCompile(`<title>([^<]*)</title>`)

// builtTitle builds src with the extra flags and returns the title of the
// site's index.html.
func builtTitle(t *testing.T, src string, extra ...string) string {
	t.Helper()
	out := t.TempDir()
	args := append([]string{"build", "-src", src, "-out", out, "-state", "", "-base-url", "https://feeds.example.com/"}, extra...)
	if code, _, errs := runCmd(args...); code != 0 {
		t.Fatalf("%q: exit %d\n%s", args, code, errs)
	}
	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	m := titleTag.FindSubmatch(page)
	if m == nil {
		t.Fatalf("%q: index.html has no title", args)
	}
	return string(m[1])
}

// TestSourceConfigIsDefault: without -config, the source directory's own
// feedgen.yaml is the configuration; -config FILE replaces it, -config ""
// reads none; the file is never taken for an article; a mistake in it is a
// usage error naming it.
func TestSourceConfigIsDefault(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	art := "---\ntitle: t\ndate: 2024-01-01 10:00:00 +0800\ncategories: a\n---\n<p>x</p>\n\n<http://e.example/1>\n"
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte(art), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "feedgen.yaml"), []byte("title: Own title\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.yaml")
	if err := os.WriteFile(other, []byte("title: Other title\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		extra []string
		want  string
	}{
		{nil, "Own title"},
		{[]string{"-config", other}, "Other title"},
		{[]string{"-config", ""}, "feeds.example.com"}, // the base URL's host, the default title
	} {
		if got := builtTitle(t, src, tt.extra...); got != tt.want {
			t.Errorf("%q: site titled %q, want %q", tt.extra, got, tt.want)
		}
	}
	// One article, no invalid file: feedgen.yaml is not read as an article.
	code, _, errs := runCmd("build", "-src", src, "-out", t.TempDir(), "-state", "", "-base-url", "https://feeds.example.com/", "-log-format", "json")
	if code != 0 || !strings.Contains(errs, `"articles":1,"invalid":0`) {
		t.Errorf("build with feedgen.yaml in the source: exit %d\n%s", code, errs)
	}
	// A mistake in the default file is reported as one in -config is.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "feedgen.yaml"), []byte("titel: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"build", "serve"} {
		code, _, errs := runCmd(cmd, "-src", bad, "-state", "", "-out", t.TempDir())
		if want := filepath.Join(bad, "feedgen.yaml"); code != 2 || !strings.Contains(errs, want) || !strings.Contains(errs, `unknown key "titel"`) {
			t.Errorf("%s with a bad feedgen.yaml in -src: exit %d, want 2 and a message naming %s:\n%s", cmd, code, want, errs)
		}
	}
}

// logWriter is a daemon's stderr that a test can wait on: each write
// wakes the waiter, which reads what has been logged so far.
type logWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	wrote chan struct{}
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	select {
	case w.wrote <- struct{}{}:
	default: // a wake-up is pending already
	}
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// startServe runs "feedgen serve" with args (plus -addr 127.0.0.1:0 and
// JSON logs) until the test ends, and returns the base URL it listens on.
func startServe(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &logWriter{wrote: make(chan struct{}, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append(append([]string{"serve"}, args...), "-addr", "127.0.0.1:0", "-log-format", "json"), io.Discard, logs)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("serve exited %d after a graceful stop\n%s", code, logs)
		}
	})
	timeout := time.After(time.Minute)
	for {
		for line := range strings.Lines(logs.String()) {
			var entry struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "serving" {
				return "http://" + entry.Addr + "/"
			}
		}
		select {
		case <-logs.wrote:
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d before serving\n%s", code, logs)
		case <-timeout:
			t.Fatalf("serve did not start within a minute\n%s", logs)
		}
	}
}

// TestServeAndBuildAgree: "feedgen serve" and "feedgen build" of one
// directory, with no -config, give the site the same title: the one its own
// feedgen.yaml sets (TestSeedsConfig checks the build of the sample
// articles; a one-article source keeps the daemon's start and stop short).
func TestServeAndBuildAgree(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	art := "---\ntitle: t\ndate: 2024-01-01 10:00:00 +0800\ncategories: a\n---\n<p>x</p>\n\n<http://e.example/1>\n"
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte(art), 0o644); err != nil {
		t.Fatal(err)
	}
	const title = "示例财经快讯"
	if err := os.WriteFile(filepath.Join(src, "feedgen.yaml"), []byte("title: "+title+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := builtTitle(t, src)
	base := startServe(t, "-src", src, "-state", "")
	res, err := http.Get(base)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", base, res.StatusCode, err)
	}
	m := titleTag.FindSubmatch(page)
	if m == nil {
		t.Fatalf("GET %s: no title\n%.400s", base, page)
	}
	if served := string(m[1]); served != built || built != title {
		t.Errorf("served site titled %q, built site %q; want both %q (the source's feedgen.yaml)", served, built, title)
	}
}
