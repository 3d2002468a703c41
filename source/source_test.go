package source

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestIsArticlePath(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"a.txt":             true,
		"a.md":              true,
		"a.markdown":        true,
		"sub/a.html":        true,
		"a.htm":             true,
		"A.TXT":             true,
		"Post.Md":           true,
		"a b.markdown":      true,
		"中文/文章.htm":         true,
		"2024/01/post.md":   true,
		"a#b.md":            true,
		"a":                 false,
		"a.json":            false,
		"a.xml":             false,
		"a.png":             false,
		"a.txt.bak":         false,
		"a.md.swp":          false,
		"a.txt~":            false,
		"#a.txt#":           false,
		"#a.txt":            false,
		".#a.txt":           false,
		".hidden.txt":       false,
		".git/a.txt":        false,
		"sub/.cache/a.md":   false,
		"x.tmp/a.txt":       false,
		"backup~/a.md":      false,
		"../a.md":           false,
		"4913":              false,
		"md":                false,
		".md":               false,
		ConfigName:          false, // the source's own configuration
		"sub/" + ConfigName: false,
	}
	for in, want := range cases {
		if got := IsArticlePath(in); got != want {
			t.Errorf("IsArticlePath(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsAssetPath(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"a.png":               true,
		"images/port.JPG":     true,
		"a.jpeg":              true,
		"中文/图.gif":            true,
		"x.webp":              true,
		"a.svg":               false, // can carry script
		"a.txt":               false, // an article
		"a.html":              false,
		".hidden.png":         false,
		".git/a.png":          false,
		"a.png~":              false,
		"a.png.part":          false,
		"../a.png":            false,
		"png":                 false,
		"images/.cache/a.png": false,
	}
	for in, want := range cases {
		if got := IsAssetPath(in); got != want {
			t.Errorf("IsAssetPath(%q) = %v, want %v", in, got, want)
		}
		if IsAssetPath(in) && IsArticlePath(in) {
			t.Errorf("%q is both an asset and an article", in)
		}
	}
}

// The cases of the watcher's former ignore rule, plus what the generator's
// former rule added (any name starting with '#', .bak files).
func TestSkipped(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"":                   false,
		".":                  false,
		"./post.md":          false,
		"post.md":            false,
		"2024/01/post.md":    false,
		"notes.txt":          false,
		"a#b":                false,
		"a/b.md":             false,
		"sub//post.md":       false,
		"sub/":               false,
		"..":                 true,
		"../post.md":         true,
		".hidden":            true,
		".git/objects/ab":    true,
		"sub/.draft.md":      true,
		"a/.b":               true,
		"post.md.swp":        true,
		"post.md.swo":        true,
		"post.md.swx":        true,
		"post.md~":           true,
		"#post.md#":          true,
		"#post.md":           true,
		"#":                  true,
		".#post.md":          true,
		"4913":               true,
		"sub/4913":           true,
		"49130":              false,
		"post.tmp":           true,
		"POST.TMP":           true,
		"big.part":           true,
		"dl.crdownload":      true,
		"post.md.bak":        true,
		"POST.BAK":           true,
		"tmpdir.tmp/post.md": true,
		"backup~/post.md":    true,
	}
	for in, want := range cases {
		if got := Skipped(in); got != want {
			t.Errorf("Skipped(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestSkipName(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"":              false,
		".":             false,
		"post.md":       false,
		"a#b":           false,
		"a~b":           false,
		"swp":           false,
		"..":            true,
		".git":          true,
		".#post.md":     true,
		"#post.md#":     true,
		"#":             true,
		"post.md~":      true,
		"~":             true,
		"4913":          true,
		"x.swp":         true,
		"X.SWO":         true,
		"x.swx":         true,
		"x.tmp":         true,
		"x.part":        true,
		"x.crdownload":  true,
		"x.bak":         true,
		"x.bak.md":      false,
		"x.tmp.md":      false,
		"x.crdownload~": true,
	}
	for in, want := range cases {
		if got := SkipName(in); got != want {
			t.Errorf("SkipName(%q) = %v, want %v", in, got, want)
		}
	}
}

// No path is both skipped and an article: the watcher, which applies
// Skipped to events, never hides a change the generator would read. (This
// held two separate rules together before there was one; the paths are
// those of the old cross-check in package pipeline.)
func TestArticleNeverSkipped(t *testing.T) {
	t.Parallel()
	for _, rel := range []string{
		"a.txt", "a.md", "sub/a.html", "a b.markdown", "中文/文章.htm", "a#b.html", "a~b.markdown",
		".hidden.txt", ".git/a.txt", "a.txt.swp", "a.txt~", "#a.txt#", ".#a.txt", "4913",
		"x.tmp/a.txt", "a.part", "dl.crdownload", "a.swo", "a.swx", "sub/.cache/a.md", "a.txt.bak",
	} {
		if Skipped(rel) && IsArticlePath(rel) {
			t.Errorf("%s: both skipped and an article", rel)
		}
	}
	for _, rel := range []string{"a.txt", "sub/a.md", "a#b.html", "中文/文章.htm", "a~b.markdown"} {
		if !IsArticlePath(rel) || Skipped(rel) {
			t.Errorf("%s: IsArticlePath %v, Skipped %v", rel, IsArticlePath(rel), Skipped(rel))
		}
	}
}

func stat(t *testing.T, p string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestStampOf(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "a.md")
	if err := os.WriteFile(p, []byte("aaaa"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
	fi := stat(t, p)
	s := StampOf(fi)
	if s.Size != 4 || s.MTime != old.UnixNano() {
		t.Errorf("StampOf = %+v, want size 4 and mtime %d", s, old.UnixNano())
	}
	if got := Inode(fi); got != s.Ino {
		t.Errorf("Inode = %d, StampOf.Ino = %d", got, s.Ino)
	}
	if again := StampOf(stat(t, p)); again != s {
		t.Errorf("unchanged file: stamp %+v, then %+v", s, again)
	}

	// Rewritten in place with the same size: the modification time tells.
	if err := os.WriteFile(p, []byte("bbbb"), 0o644); err != nil {
		t.Fatal(err)
	}
	newer := old.Add(time.Second)
	if err := os.Chtimes(p, newer, newer); err != nil {
		t.Fatal(err)
	}
	s2 := StampOf(stat(t, p))
	if s2 == s || s2.Size != s.Size || s2.MTime == s.MTime {
		t.Errorf("same-size rewrite with a new mtime: stamp %+v, then %+v", s, s2)
	}

	// A new file of the same size and modification time renamed over it:
	// only the inode (and change time) tell, where the system has them.
	q := filepath.Join(dir, ".a.md.tmp")
	if err := os.WriteFile(q, []byte("cccc"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(q, newer, newer); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(q, p); err != nil {
		t.Fatal(err)
	}
	fi3 := stat(t, p)
	s3 := StampOf(fi3)
	if s3.Size != s2.Size || s3.MTime != s2.MTime {
		t.Fatalf("renamed file: stamp %+v, want size and mtime of %+v", s3, s2)
	}
	if s2.Ino == 0 {
		t.Skip("no inodes on this system")
	}
	if s3.Ino == s2.Ino || s3 == s2 {
		t.Errorf("renamed file: stamp %+v, then %+v; want a new inode", s2, s3)
	}
	if Inode(fi3) != s3.Ino {
		t.Errorf("Inode = %d, StampOf.Ino = %d", Inode(fi3), s3.Ino)
	}
}

func TestInodeDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, d := range []string{a, b} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ia, ib := Inode(stat(t, a)), Inode(stat(t, b))
	if ia == 0 {
		t.Skip("no inodes on this system")
	}
	if ia == ib {
		t.Errorf("two directories share inode %d", ia)
	}
	c := filepath.Join(dir, "c")
	if err := os.Rename(a, c); err != nil {
		t.Fatal(err)
	}
	if got := Inode(stat(t, c)); got != ia {
		t.Errorf("renamed directory: inode %d, want %d", got, ia)
	}
}
