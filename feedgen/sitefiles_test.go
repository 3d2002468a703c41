package feedgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/snapshot"
)

// TestAssetsPublished: the images of the source are published at their
// own path with their media type, follow edits, removals and new folders
// through Update, and nothing else is: not an SVG, not a symbolic link,
// not a hidden file.
func TestAssetsPublished(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", post("with a picture", "2024-01-02 10:00:00 +0800", "c", "t", ""))
	writeFile(t, dir, "images/a.png", "png bytes")
	writeFile(t, dir, "images/b.JPG", "jpeg bytes")
	writeFile(t, dir, "images/x.svg", "<svg onload=alert(1)>")
	writeFile(t, dir, "images/.hidden.png", "hidden")
	writeFile(t, dir, "outside/secret.png", "secret")
	if err := os.Symlink(filepath.Join(dir, "outside", "secret.png"), filepath.Join(dir, "images", "link.png")); err != nil {
		t.Fatal(err)
	}
	if err := mkfifo(filepath.Join(dir, "images", "pipe.png")); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		t.Fatal(err) // a FIFO must neither block the scan nor be published
	}
	g, s := generate(t, dir, sitetest.Config(t))
	for p, ct := range map[string]string{"/images/a.png": "image/png", "/images/b.JPG": "image/jpeg"} {
		f := s.Get(p)
		if f == nil || f.ContentType != ct {
			t.Fatalf("%s: %+v, want a file of type %s", p, f, ct)
		}
	}
	for _, p := range []string{"/images/x.svg", "/images/.hidden.png", "/images/link.png", "/images/pipe.png", "/a.txt"} {
		if s.Get(p) != nil {
			t.Errorf("%s is published", p)
		}
	}
	if got := string(s.Get("/images/a.png").Body); got != "png bytes" {
		t.Errorf("a.png holds %q", got)
	}

	writeFile(t, dir, "images/a.png", "new png bytes")
	writeFile(t, dir, "more/c.gif", "gif bytes")
	if err := os.Remove(filepath.Join(dir, "images", "b.JPG")); err != nil {
		t.Fatal(err)
	}
	g.Update([]string{filepath.Join(dir, "images", "a.png"), filepath.Join(dir, "more"), filepath.Join(dir, "images", "b.JPG")})
	s = g.Snapshot().Snapshot
	if f := s.Get("/images/a.png"); f == nil || string(f.Body) != "new png bytes" {
		t.Errorf("the edit of a.png is not published: %+v", f)
	}
	if s.Get("/images/b.JPG") != nil {
		t.Error("a removed image is still published")
	}
	if f := s.Get("/more/c.gif"); f == nil || f.ContentType != "image/gif" {
		t.Errorf("an image of a new folder is not published: %+v", f)
	}

	if err := os.RemoveAll(filepath.Join(dir, "more")); err != nil {
		t.Fatal(err)
	}
	g.Update([]string{filepath.Join(dir, "more")})
	if g.Snapshot().Snapshot.Get("/more/c.gif") != nil {
		t.Error("the image of a removed folder is still published")
	}
}

// TestListingPages: /category/ and /tag/ list their feeds, with links that
// resolve from the listing page's folder.
func TestListingPages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.txt", post("one", "2024-01-02 10:00:00 +0800", "c1", "财经", ""))
	writeFile(t, dir, "b.txt", post("two", "2024-01-03 10:00:00 +0800", "c2", "财经", ""))
	_, s := generate(t, dir, sitetest.Config(t))
	cats := s.Get(layout.KindCategory.ListPath())
	tags := s.Get(layout.KindTag.ListPath())
	if cats == nil || tags == nil {
		t.Fatal("no listing pages")
	}
	for _, want := range []string{`href="../category/c1/"`, `href="../category/c2/"`, `href="../category/c1/rss.xml"`, `href="../"`, "1 篇"} {
		if !strings.Contains(string(cats.Body), want) {
			t.Errorf("the category listing has no %s", want)
		}
	}
	if want := `href="../tag/%e8%b4%a2%e7%bb%8f/"`; !strings.Contains(strings.ToLower(string(tags.Body)), want) {
		t.Errorf("the tag listing has no %s", want)
	}
	if !strings.Contains(string(tags.Body), "2 篇") {
		t.Error("the tag listing does not count the tag's articles")
	}
}

// TestAssetsWarmStart: a generator started on a kept state publishes the
// assets it published before, before any scan, as the bytes they were:
// bytes changed meanwhile are refused until the scan reads them.
func TestAssetsWarmStart(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	writeFile(t, dir, "a.txt", post("one", "2024-01-02 10:00:00 +0800", "c", "t", ""))
	writeFile(t, dir, "images/a.png", "png bytes")
	writeFile(t, dir, "images/b.png", "other bytes")
	cfg := sitetest.Config(t)
	g, err := New(dir, cfg, Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	before := g.Snapshot().Snapshot
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "images/b.png", "changed while stopped")

	g, err = New(dir, cfg, Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !g.Warm() {
		t.Fatal("the state was not kept")
	}
	first := g.Snapshot().Snapshot
	for _, p := range []string{"/images/a.png", "/images/b.png"} {
		f := first.Get(p)
		if f == nil || f.ETag != before.Get(p).ETag {
			t.Fatalf("%s before the scan: %+v, want ETag %s", p, f, before.Get(p).ETag)
		}
	}
	if b, err := first.Get("/images/a.png").Identity(); err != nil || string(b) != "png bytes" {
		t.Errorf("a.png before the scan: %q, %v", b, err)
	}
	if _, err := first.Get("/images/b.png").Identity(); !errors.Is(err, snapshot.ErrStale) {
		t.Errorf("b.png changed while stopped: %v, want ErrStale", err)
	}
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	if b, err := g.Snapshot().Snapshot.Get("/images/b.png").Identity(); err != nil || string(b) != "changed while stopped" {
		t.Errorf("b.png after the scan: %q, %v", b, err)
	}
}
