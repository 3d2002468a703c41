package feedgen

import (
	"path/filepath"
	"testing"
	"time"

	"feedgen/feedgen/article"
	"feedgen/index"
	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
)

// itemCase is one article in two versions whose headers differ in every
// way a feed shows: the date (b is older, so a feed that took b's header
// with a's item would date the feed before its entry), the category and
// the tag (which feeds hold it).
const (
	itemCaseA = "---\ntitle: 文章\ndate: 2024-01-03 08:00:00 +0800\ncategories: alpha\ntags: x\n---\n<p>版本甲</p>\n\n<https://news.example.com/a>\n"
	itemCaseB = "---\ntitle: 文章\ndate: 2024-01-02 08:00:00 +0800\ncategories: beta\ntags: y\n---\n<p>版本乙</p>\n\n<https://news.example.com/a>\n"
)

// checkAgainstFresh fails t unless s holds what a build of dir without
// state writes, and every Atom feed of s passes the spec checks (an entry
// updated after its feed is what a header and an item of two versions
// give).
func checkAgainstFresh(t *testing.T, what, dir string, g *Generator) {
	t.Helper()
	s := g.Snapshot().Snapshot
	for _, p := range s.Paths() {
		if filepath.Ext(p) == ".xml" {
			if err := feedcheck.Check(p, s.Get(p).Body); err != nil {
				t.Errorf("%s: %s: %v", what, p, err)
			}
		}
	}
	want, _ := fresh(t, dir, sitetest.Config(t))
	sameFiles(t, what, contents(s), want)
}

// TestItemOfFilePutBack: a file changed after its item was rendered, its
// new header was indexed, and it was put back (an editor's undo, a
// checkout) before the item was rendered again. The bytes the item
// renderer reads are then those of an item rendered before, which it
// keeps without parsing them again ("same", only the stamps move on): that
// is right only if the header in the index is of those bytes too. It is:
// indexing the other version's header dropped the kept item, so the put
// back is parsed like any change. The state must hold the put back's header
// in this run and after its event, which finds the stamp it already has.
func TestItemOfFilePutBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "other.txt", post("other", "2024-01-01 08:00:00 +0800", "alpha", "x", "https://news.example.com/o"))
	writeFile(t, dir, "a.txt", itemCaseA)
	g, err := New(dir, sitetest.Config(t), Options{Now: func() time.Time { return time.Unix(1e9, 0) }, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	g.Snapshot() // renders version a's item
	p := filepath.Join(dir, "a.txt")
	writeFile(t, dir, "a.txt", itemCaseB)
	g.Update([]string{p}) // indexes version b's header; its item waits for the next snapshot
	writeFile(t, dir, "a.txt", itemCaseA)
	checkAgainstFresh(t, "put back before its item was rendered", dir, g)
	g.Update([]string{p}) // the event of the put back: the file's stamp is the state's now
	checkAgainstFresh(t, "put back, and its event seen", dir, g)
}

// TestItemOfOtherBytesAtSameStamp: the header in the index was read from
// other bytes than the item's read finds, under the same stamp: a file
// rewritten within one tick of the file system's clock with the same size
// (its stamp cannot tell the versions apart), or rewritten between the
// stat and the read of the item's read (whose stamp is then the old
// version's). The item is rendered from the bytes read, so the header must
// be theirs: the item renderer compared them only when the stamps
// differed, and filed an item of one version under the header of the
// other, an entry dated after its feed (TestCrashSafety/Serve saw that
// once, its daemon's articles rewritten every 20 ms).
func TestItemOfOtherBytesAtSameStamp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "other.txt", post("other", "2024-01-01 08:00:00 +0800", "alpha", "x", "https://news.example.com/o"))
	writeFile(t, dir, "a.txt", itemCaseA)
	g, err := New(dir, sitetest.Config(t), Options{Now: func() time.Time { return time.Unix(1e9, 0) }, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil { // indexes headers; no item is rendered yet
		t.Fatal(err)
	}
	b, err := article.Parse("a.txt", []byte(itemCaseB), g.rd.Options())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.update(func(tx *index.Tx) error {
		e, ok, err := tx.Entry("a.txt")
		if err != nil || !ok {
			t.Fatalf("a.txt is not indexed (%v)", err)
		}
		e.Header = headerOf(b) // what the head read found, at the stamp the file still has
		_, err = tx.Put("a.txt", e)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	checkAgainstFresh(t, "header read from other bytes at the same stamp", dir, g)
}
