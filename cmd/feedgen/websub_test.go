package main

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestWebSubFlags(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"build", "-src", "../../seeds", "-out", out, "-state", "", "-ping"}, 2, "-ping needs at least one -hub"},
		{[]string{"build", "-src", "../../seeds", "-out", out, "-state", "", "-hub", "ftp://x/"}, 2, `hub "ftp://x/"`},
		{[]string{"serve", "-src", "../../seeds", "-state", "", "-websub-allow-private"}, 2, "-websub-allow-private needs -websub"},
		{[]string{"serve", "-src", "../../seeds", "-state", "", "-hub", "/relative"}, 2, "hub"},
	} {
		code, _, stderr := runCmd(c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.msg)
		}
	}
}

// TestBuildPing: build -ping tells each hub of the feeds it wrote, after
// writing them; a build that wrote nothing pings nothing.
func TestBuildPing(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var topics []string
	outDir := t.TempDir()
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		topics = append(topics, r.PostForm["hub.topic"]...)
		mu.Unlock()
		// The files are written before the ping.
		if _, err := os.Stat(filepath.Join(outDir, "rss.xml")); err != nil {
			w.WriteHeader(400)
			return
		}
		w.WriteHeader(202)
	}))
	defer hub.Close()
	args := []string{"build", "-src", "../../seeds", "-out", outDir, "-state", t.TempDir(), "-base-url", "https://f.example/", "-hub", hub.URL, "-ping"}
	if code, _, stderr := runCmd(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	mu.Lock()
	n := len(topics)
	has := strings.Contains(strings.Join(topics, " "), "https://f.example/rss.xml")
	topics = nil
	mu.Unlock()
	if n < 9 || !has {
		t.Fatalf("first build pinged %d topics (global RSS among them: %v)", n, has)
	}
	if code, _, stderr := runCmd(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(topics) != 0 {
		t.Fatalf("a build that wrote nothing pinged %q", topics)
	}
	// A hub that refuses: the build says so.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }))
	defer bad.Close()
	code, _, stderr := runCmd("build", "-src", "../../seeds", "-out", t.TempDir(), "-state", "", "-hub", bad.URL, "-ping")
	if code != 1 || !strings.Contains(stderr, "not acknowledged") {
		t.Fatalf("refusing hub: exit %d, %q", code, stderr)
	}
}

// TestWebSubBaseWarning: the built-in hub with a base URL made from -addr
// warns that subscribers are told local topics; with -base-url, or without
// -websub, nothing is said.
func TestWebSubBaseWarning(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		builtIn, derived, warn bool
	}{{true, true, true}, {true, false, false}, {false, true, false}} {
		var buf bytes.Buffer
		w := websubFlags{builtIn: c.builtIn}
		w.warnBase(slog.New(slog.NewTextHandler(&buf, nil)), "http://localhost:8080/", c.derived)
		got := strings.Contains(buf.String(), "-websub without -base-url") && strings.Contains(buf.String(), "http://localhost:8080/websub")
		if got != c.warn {
			t.Errorf("%+v: warned %v (%q)", c, got, buf.String())
		}
	}
}
