package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestVersionAndUsage(t *testing.T) {
	t.Parallel()
	if code, out, _ := runCmd("version"); code != 0 || !strings.HasPrefix(out, "feedgen ") {
		t.Errorf("version: %d %q", code, out)
	}
	for _, args := range [][]string{nil, {"frobnicate"}, {"build", "-nope"}, {"build", "extra"}, {"build", "-log-format", "xml"}, {"build", "-base-url", "ftp://x/"}} {
		if code, _, _ := runCmd(args...); code != 2 {
			t.Errorf("%q: exit %d, want 2 (usage)", args, code)
		}
	}
}

// TestBuildExitStatus checks what CI relies on: 0 when every article is
// published, 1 when any is invalid (and the others are still written), 0
// again with -allow-invalid, and every problem printed as "path: reason".
func TestBuildExitStatus(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the default state directory
	src, out := t.TempDir(), t.TempDir()
	good := "---\ntitle: good\ndate: 2024-01-01 10:00:00 +0800\ncategories: a\n---\n<p>x</p>\n\n<http://e.example/1>\n"
	if err := os.WriteFile(filepath.Join(src, "good.txt"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"build", "-src", src, "-out", out, "-base-url", "https://feeds.example.com/"}
	if code, _, errs := runCmd(base...); code != 0 {
		t.Fatalf("clean build: exit %d\n%s", code, errs)
	}
	bad := filepath.Join(src, "bad.txt")
	if err := os.WriteFile(bad, []byte("---\ntitle: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCmd(base...)
	if code != 1 {
		t.Errorf("build with a bad article: exit %d, want 1", code)
	}
	if !strings.Contains(errs, bad+": front matter is not closed") {
		t.Errorf("stderr does not name the file and the reason:\n%s", errs)
	}
	if _, err := os.Stat(filepath.Join(out, "category", "a", "rss.xml")); err != nil {
		t.Errorf("the good article's feed was not written: %v", err)
	}
	if code, _, _ := runCmd(append(base, "-allow-invalid")...); code != 0 {
		t.Errorf("-allow-invalid: exit %d, want 0", code)
	}
	if code, _, _ := runCmd("build", "-src", filepath.Join(src, "missing"), "-out", out); code != 1 {
		t.Errorf("missing source: exit %d, want 1", code)
	}
}

// TestHelp: -h is a question, not a mistake: usage on stdout, exit 0, and
// every flag is named, -state included.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, cmd := range []string{"build", "serve"} {
		code, out, errs := runCmd(cmd, "-h")
		if code != 0 || !strings.Contains(out, "-state") || !strings.Contains(out, "-src") || errs != "" {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q", cmd, code, out, errs)
		}
	}
}

// TestStateFlag: by default the state goes under the user's cache
// directory, named after the source; -state DIR puts it in DIR; -state ""
// keeps none. The output is the same every time.
func TestStateFlag(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache) // macOS: ~/Library/Caches
	src := t.TempDir()
	art := "---\ntitle: t\ndate: 2024-01-01 10:00:00 +0800\ntags: x\n---\n<p>x</p>\n\n<http://e.example/1>\n"
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte(art), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var outs []string
	for i, extra := range [][]string{nil, {"-state", filepath.Join(dir, "st")}, {"-state", ""}} {
		out := filepath.Join(dir, "out", string(rune('a'+i)))
		outs = append(outs, out)
		args := append([]string{"build", "-src", src, "-out", out, "-base-url", "https://f.example/"}, extra...)
		if code, _, errs := runCmd(args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, errs)
		}
	}
	def, err := filepath.Glob(filepath.Join(cache, "*", "feedgen", "*", "index.db"))
	if err != nil || len(def) == 0 {
		def, _ = filepath.Glob(filepath.Join(cache, "feedgen", "*", "index.db"))
	}
	if len(def) != 1 || !strings.Contains(def[0], filepath.Base(src)) {
		t.Errorf("default state: %v, want one index under the cache directory named after the source", def)
	}
	if _, err := os.Stat(filepath.Join(dir, "st", "index.db")); err != nil {
		t.Errorf("-state DIR: %v", err)
	}
	for _, out := range outs[1:] {
		a, _ := os.ReadFile(filepath.Join(outs[0], "rss.xml"))
		b, _ := os.ReadFile(filepath.Join(out, "rss.xml"))
		if len(a) == 0 || string(a) != string(b) {
			t.Errorf("%s differs from the default build's", out)
		}
	}
}

func TestBaseFromAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1:8080": "http://127.0.0.1:8080/",
		":9000":          "http://localhost:9000/",
		"0.0.0.0:80":     "http://localhost:80/",
		"[::1]:8080":     "http://[::1]:8080/",
		"nonsense":       "http://localhost:8080/",
	} {
		if got := baseFromAddr(addr); got != want {
			t.Errorf("baseFromAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}

// TestArchiveFlag: -archive and "archive: true" in the configuration both
// publish archive documents, the flag wins over the file, and without
// either there are none.
func TestArchiveFlag(t *testing.T) {
	t.Parallel()
	src := t.TempDir()
	for i, date := range []string{"2024-01-05", "2024-02-05", "2024-03-05"} {
		a := "---\ntitle: a\ndate: " + date + " 10:00:00 +0800\n---\n<p>x</p>\n\n<http://e.example/" + date + ">\n"
		if err := os.WriteFile(filepath.Join(src, string(rune('a'+i))+".txt"), []byte(a), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	on := filepath.Join(t.TempDir(), "on.yaml")
	if err := os.WriteFile(on, []byte("archive: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		extra []string
		want  bool
	}{
		{nil, false},
		{[]string{"-archive"}, true},
		{[]string{"-config", on}, true},
		{[]string{"-config", on, "-archive=false"}, false},
	} {
		out := t.TempDir()
		args := append([]string{"build", "-src", src, "-out", out, "-state", "", "-limit", "1", "-base-url", "https://feeds.example.com/"}, c.extra...)
		if code, _, errs := runCmd(args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, errs)
		}
		_, err := os.Stat(filepath.Join(out, "archive", "2024", "01", "atom.xml"))
		if got := err == nil; got != c.want {
			t.Errorf("%q: archive document written: %v, want %v", c.extra, got, c.want)
		}
	}
}
