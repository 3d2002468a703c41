package feedgen

import (
	"feedgen/internal/sitetest"
	"path/filepath"
	"testing"
)

// TestCompressedKeepsNewerFiles proves the daemon's two-step compression:
// files compressed while a regeneration replaced some of them are put in
// place only where they are still current, so a change is never undone by
// a compressor that started before it.
func TestCompressedKeepsNewerFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.md", post("甲", "2024-01-01 08:00:00 +0800", "caijing", "x", "http://e.example/a"))
	writeFile(t, dir, "b.md", post("乙", "2024-01-02 08:00:00 +0800", "keji", "y", "http://e.example/b"))
	g, _ := generate(t, dir, sitetest.Config(t))

	todo := g.Uncompressed()
	if len(todo) == 0 {
		t.Fatal("nothing to compress after a first generation")
	}
	done := CompactAll(todo, nil) // as the daemon does, outside the lock

	// Meanwhile a change to b.md replaces the keji feeds.
	writeFile(t, dir, "b.md", post("乙 改过", "2024-01-02 08:00:00 +0800", "keji", "y", "http://e.example/b"))
	g.Update([]string{filepath.Join(dir, "b.md")})
	fresh := g.Snapshot().Snapshot

	s := g.Compressed(done)
	if s == nil {
		t.Fatal("no snapshot although most files were still current")
	}
	changed, kept := s.Get("/category/keji/rss.xml"), s.Get("/category/caijing/rss.xml")
	if changed.ETag != fresh.Get("/category/keji/rss.xml").ETag {
		t.Error("the compressor's result replaced a file a later regeneration had changed")
	}
	if changed.Compressed {
		t.Error("the changed file cannot have been compressed in this round")
	}
	if !kept.Compressed || !kept.IsCompact() {
		t.Error("an unchanged file was not put in place compressed")
	}
	// The next round compresses what is left.
	if next := g.Compress(); next == nil || !next.Get("/category/keji/rss.xml").Compressed {
		t.Error("the next round did not compress the changed file")
	}
	if len(g.Uncompressed()) != 0 {
		t.Error("files left uncompressed after the second round")
	}
}

// TestCompactAllStops proves that a closed stop channel ends a compression
// pass: nothing not yet begun is compressed, and what is left stays in the
// snapshot uncompressed for a later round (a daemon asked to stop must not
// wait for a whole pass).
func TestCompactAllStops(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.md", post("甲", "2024-01-01 08:00:00 +0800", "caijing", "x", "http://e.example/a"))
	g, _ := generate(t, dir, sitetest.Config(t))
	todo := g.Uncompressed()
	if len(todo) == 0 {
		t.Fatal("nothing to compress after a first generation")
	}
	stop := make(chan struct{})
	close(stop)
	if done := CompactAll(todo, stop); len(done) != 0 {
		t.Fatalf("%d of %d files compressed after stop", len(done), len(todo))
	}
	if s := g.Compressed(CompactAll(todo, stop)); s != nil {
		t.Error("a stopped pass published a snapshot")
	}
	if len(g.Uncompressed()) != len(todo) {
		t.Error("a stopped pass changed what is left to compress")
	}
}
