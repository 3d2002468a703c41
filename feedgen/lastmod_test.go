package feedgen

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"feedgen/internal/sitetest"
	"feedgen/snapshot"
)

// TestLastModified proves that Last-Modified comes from the content (the
// newest item's time), not the clock; that a restart on the state gives the
// same times; and that it never goes backwards, also across a restart, when
// the newest article is deleted.
func TestLastModified(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	writeFile(t, dir, "a.md", post("旧文章", "2024-01-01 08:00:00 +0800", "caijing", "x", "http://e.example/a"))
	writeFile(t, dir, "b.md", post("新文章", "2024-03-05 10:30:45 +0800", "caijing", "x", "http://e.example/b"))
	newest := time.Date(2024, 3, 5, 2, 30, 45, 0, time.UTC)
	older := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	open := func(clock int64, state string) (*Generator, *snapshot.Snapshot) {
		t.Helper()
		g, err := New(dir, sitetest.Config(t), Options{Now: func() time.Time { return time.Unix(clock, 0) }, StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Scan(); err != nil {
			t.Fatal(err)
		}
		return g, g.Snapshot().Snapshot
	}
	check := func(what string, s *snapshot.Snapshot, want time.Time) {
		t.Helper()
		for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/category/caijing/rss.xml", "/category/caijing/index.html", "/index.html", "/feeds.opml"} {
			if got := s.Get(p).ModTime; !got.Equal(want) {
				t.Errorf("%s: %s Last-Modified %v, want %v", what, p, got, want)
			}
		}
	}

	g, s := open(2e9, state)
	check("first run", s, newest)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	g, s = open(2.1e9, state) // a restart, later on the clock
	check("restart", s, newest)

	// The newest article goes: the feeds change but keep their time.
	etag := s.Get("/rss.xml").ETag
	if err := os.Remove(filepath.Join(dir, "b.md")); err != nil {
		t.Fatal(err)
	}
	g.Update([]string{filepath.Join(dir, "b.md")})
	s = g.Snapshot().Snapshot
	if s.Get("/rss.xml").ETag == etag {
		t.Fatal("deleting an article did not change the feed")
	}
	check("after deleting the newest article", s, newest)
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	g, s = open(2.2e9, state)
	check("restart after the deletion", s, newest)
	g.Close()

	// Without that history, the time is the content's: what a fresh replica
	// or a build with no state would send.
	g, s = open(2.3e9, t.TempDir())
	defer g.Close()
	check("no state", s, older)
}
