package feedgen

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/layout"
	"feedgen/snapshot"
)

// lazyContents is contents for a snapshot with lazy files: every file's
// identity bytes, rendered on demand where the file is lazy.
func lazyContents(t *testing.T, s *snapshot.Snapshot) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, p := range s.Paths() {
		b, err := s.Get(p).Identity()
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		m[p] = string(b)
	}
	return m
}

func newLazy(t *testing.T, dir, state string, cfg config.Config) *Generator {
	t.Helper()
	g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(2e9, 0) }, StateDir: state, LazyArchives: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// archiveLazy checks that every archive document of s is a lazy file (held
// without its bytes) and every other file is not, and returns how many
// archive files there are.
func archiveLazy(t *testing.T, what string, s *snapshot.Snapshot) int {
	t.Helper()
	n := 0
	for _, p := range s.Paths() {
		f := s.Get(p)
		if layout.IsArchive(p) != f.IsLazy() {
			t.Errorf("%s: %s: lazy %v", what, p, f.IsLazy())
		}
		if f.IsLazy() {
			n++
			if f.Body != nil || f.Gzip != nil || f.Br != nil {
				t.Errorf("%s: %s holds bytes", what, p)
			}
		}
	}
	return n
}

// TestArchiveLazy: with LazyArchives the archive documents are lazy files
// whose bytes equal a build's; a generator started on the warm state
// renders no archive document, not even on its first Snapshot before any
// scan, and an edit in one month renders that month's documents only.
func TestArchiveLazy(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	as := archCorpus(t, dir, 40)
	cfg := archConfig(t, 3)
	want, _ := fresh(t, dir, cfg)

	g := newLazy(t, dir, state, cfg)
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	s := g.Snapshot().Snapshot
	docs := archiveLazy(t, "first run", s) / 3
	if docs < 10 || g.arch.Rendered() != docs {
		t.Fatalf("first run: %d archive documents, %d rendered; want at least 10, all rendered", docs, g.arch.Rendered())
	}
	sameFiles(t, "first run", lazyContents(t, s), want)
	g.Close()

	g = newLazy(t, dir, state, cfg)
	if !g.Warm() {
		t.Fatal("the state is not warm")
	}
	s = g.Snapshot().Snapshot // what it knew, before any scan
	archiveLazy(t, "warm start", s)
	sameFiles(t, "warm start", lazyContents(t, s), want)
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	s = g.Snapshot().Snapshot
	if g.arch.Rendered() != 0 {
		t.Errorf("warm start rendered %d archive documents, want none", g.arch.Rendered())
	}
	sameFiles(t, "warm start, scanned", lazyContents(t, s), want)

	// An edit of an archived article in February: the documents of that
	// month (global, its category, its tag) only.
	var a archArticle
	for _, x := range as {
		if strings.HasPrefix(x.date, "2024-02-1") {
			a = x
			break
		}
	}
	old := s
	a.write(t, dir, "改过的标题")
	g.Update([]string{filepath.Join(dir, a.rel)})
	s = g.Snapshot().Snapshot
	if g.arch.Rendered() != 3 {
		t.Errorf("an edit rendered %d archive documents, want 3", g.arch.Rendered())
	}
	want, _ = fresh(t, dir, cfg)
	sameFiles(t, "after an edit", lazyContents(t, s), want)

	// The previous snapshot's document of that month no longer renders
	// to its tag: it says so rather than serving other bytes.
	p := "/archive/2024/02/rss.xml"
	if old.Get(p).ETag == s.Get(p).ETag {
		t.Fatalf("%s kept its tag through an edit", p)
	}
	if _, err := old.Get(p).Identity(); !errors.Is(err, snapshot.ErrStale) {
		t.Errorf("stale %s: err %v, want ErrStale", p, err)
	}
	if b, err := old.Get("/archive/2024/01/rss.xml").Identity(); err != nil || string(b) != want["/archive/2024/01/rss.xml"] {
		t.Errorf("an untouched month of the old snapshot: %v", err)
	}
}

// TestArchiveLazyRenamed: an archived article that moves to another file
// leaves its month's bytes as they were, and the lazy documents must read
// its rendered item under the new name (the old one is gone).
func TestArchiveLazyRenamed(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	as := archCorpus(t, dir, 30)
	cfg := archConfig(t, 3)
	g := newLazy(t, dir, state, cfg)
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	g.Snapshot()
	for i, a := range as[2:6] {
		from, to := filepath.Join(dir, a.rel), filepath.Join(dir, fmt.Sprintf("moved/%d.txt", i))
		if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
		g.Update([]string{from, to})
		s := g.Snapshot().Snapshot
		want, _ := fresh(t, dir, cfg)
		sameFiles(t, fmt.Sprintf("after moving %s", a.rel), lazyContents(t, s), want)
	}
}

// TestArchiveLazyDamagedState: a state damaged under a daemon is rebuilt
// and the lazy documents render from the rebuilt state to a build's bytes.
func TestArchiveLazyDamagedState(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	archCorpus(t, dir, 30)
	cfg := archConfig(t, 4)
	want, _ := fresh(t, dir, cfg)
	g := newLazy(t, dir, state, cfg)
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	g.Snapshot()
	g.Close()
	if err := os.WriteFile(filepath.Join(state, "index.db"), []byte(strings.Repeat("garbage", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	g = newLazy(t, dir, state, cfg)
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	s := g.Snapshot().Snapshot
	archiveLazy(t, "rebuilt", s)
	sameFiles(t, "rebuilt", lazyContents(t, s), want)
}
