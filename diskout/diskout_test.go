package diskout

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

var (
	modTime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	past    = time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
)

// file is a plain file: the Writer writes identity bytes only, so the
// compressed forms NewFile would compute (gzip and Brotli, costly under
// -race) would be work for nothing.
func file(path, body string) *snapshot.File {
	return snapshot.NewPlainFile(path, layout.TypePlain, []byte(body), modTime)
}

func snap(files ...*snapshot.File) *snapshot.Snapshot {
	return snapshot.New(files, snapshot.Stats{})
}

func baseFiles() []*snapshot.File {
	return []*snapshot.File{
		file("/rss.xml", "rss"),
		file("/atom.xml", "atom"),
		file("/feed.json", "{}"),
		file("/index.html", "<html>"),
		file("/feeds.opml", "<opml/>"),
		file("/category/hebeiribao/rss.xml", "cat rss"),
		file("/category/hebeiribao/atom.xml", "cat atom"),
		file("/category/hebeiribao/feed.json", "cat json"),
		file("/tag/河北日报新闻/rss.xml", "utf8 tag"),
		file("/tag/with space/feed.json", "space tag"),
	}
}

// newWriter returns a Writer whose dir is a subdirectory of a fresh temp
// dir, so tests can check nothing lands next to it.
func newWriter(t *testing.T) (*Writer, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	return writerIn(t, dir), dir
}

// writerIn returns a new Writer for dir.
func writerIn(t *testing.T, dir string) *Writer {
	t.Helper()
	w, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// writeFiles puts files (slash path relative to dir: body) under dir, as
// a user or an earlier run would have.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, b := range files {
		name := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustWrite(t *testing.T, w *Writer, s *snapshot.Snapshot) Result {
	t.Helper()
	res, err := w.Write(s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// tree lists every file and directory under dir, relative, slash-separated.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func ageAll(t *testing.T, dir string, s *snapshot.Snapshot) {
	t.Helper()
	for _, p := range s.Paths() {
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(p)), past, past); err != nil {
			t.Fatal(err)
		}
	}
}

func checkTree(t *testing.T, dir string, s *snapshot.Snapshot, wantMtimePast bool) {
	t.Helper()
	for _, p := range s.Paths() {
		name := filepath.Join(dir, filepath.FromSlash(p))
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		want, err := s.Get(p).Identity()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: content %q, want %q", p, got, want)
		}
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v, want 0644", p, fi.Mode().Perm())
		}
		if wantMtimePast && !fi.ModTime().Equal(past) {
			t.Errorf("%s: rewritten (mtime %v)", p, fi.ModTime())
		}
	}
}

// TestWriteAll proves every file lands at dir+path with the right bytes and
// mode, UTF-8 and space-containing tag names included, and no temp files
// are left.
func TestWriteAll(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	s := snap(baseFiles()...)
	res := mustWrite(t, w, s)
	if res != (Result{Written: s.Len()}) {
		t.Errorf("result %+v", res)
	}
	checkTree(t, dir, s, false)
	for _, p := range tree(t, dir) {
		if strings.Contains(p, TempPrefix) {
			t.Errorf("temp file left: %s", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "tag", "河北日报新闻", "rss.xml")); err != nil {
		t.Error(err)
	}
}

// TestUnchanged proves that writing identical content touches nothing:
// neither a second Write of the same (or an equal, rebuilt) snapshot, nor
// the first Write of a new Writer over a correct tree, which must compare
// with the disk.
func TestUnchanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fresh bool // new Writer for the second Write
		equal bool // second snapshot rebuilt with new File pointers
	}{
		{"same writer same snapshot", false, false},
		{"same writer rebuilt snapshot", false, true},
		{"new writer over existing tree", true, false},
		{"new writer rebuilt snapshot", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, dir := newWriter(t)
			s := snap(baseFiles()...)
			mustWrite(t, w, s)
			ageAll(t, dir, s)
			if tt.fresh {
				w = writerIn(t, dir)
			}
			s2 := s
			if tt.equal {
				s2 = snap(baseFiles()...)
			}
			res := mustWrite(t, w, s2)
			if res != (Result{Unchanged: s.Len()}) {
				t.Errorf("result %+v, want all unchanged", res)
			}
			checkTree(t, dir, s2, true)
		})
	}
}

// TestChanged proves a changed file is rewritten (also when its size is
// unchanged), untouched ones are not, and a file deleted behind the
// Writer's back is restored despite the in-memory record.
func TestChanged(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	s1 := snap(baseFiles()...)
	mustWrite(t, w, s1)
	ageAll(t, dir, s1)

	files := baseFiles()
	files[0] = file("/rss.xml", "RSS")                                  // same size
	files[5] = file("/category/hebeiribao/rss.xml", "a longer cat rss") // new size
	s2 := snap(files...)
	res := mustWrite(t, w, s2)
	if res != (Result{Written: 2, Unchanged: s2.Len() - 2}) {
		t.Errorf("result %+v", res)
	}
	checkTree(t, dir, s2, false)
	for _, p := range []string{"/atom.xml", "/tag/with space/feed.json"} {
		fi, _ := os.Stat(filepath.Join(dir, filepath.FromSlash(p)))
		if !fi.ModTime().Equal(past) {
			t.Errorf("%s rewritten", p)
		}
	}

	if err := os.Remove(filepath.Join(dir, "atom.xml")); err != nil {
		t.Fatal(err)
	}
	res = mustWrite(t, w, s2)
	if res.Written != 1 {
		t.Errorf("deleted file not restored: %+v", res)
	}
	checkTree(t, dir, s2, false)
}

// TestStale proves owned files missing from the snapshot are removed along
// with directories that become empty, while user files (even inside an
// owned directory, or carrying an owned name elsewhere) survive.
func TestStale(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	extra := []*snapshot.File{
		file("/category/gone/rss.xml", "x"),
		file("/category/gone/atom.xml", "x"),
		file("/category/gone/feed.json", "x"),
		file("/tag/shared/rss.xml", "x"),
	}
	mustWrite(t, w, snap(append(baseFiles(), extra...)...))

	user := map[string]string{
		"README.md":                    "mine",
		"category/notes.txt":           "mine",
		"tag/shared/notes.txt":         "mine",
		"tag/shared/style.css":         "mine",
		"other/rss.xml":                "mine", // owned name, not an owned place
		"category/deep/nested/rss.xml": "mine", // too deep to be ours
	}
	writeFiles(t, dir, user)

	// A fresh writer too: ownership must come from names, not memory.
	for _, fresh := range []bool{false, true} {
		s := snap(baseFiles()[1:]...) // drops /rss.xml as well
		if fresh {
			mustWrite(t, w, snap(append(baseFiles(), extra...)...))
			w = writerIn(t, dir)
		}
		res := mustWrite(t, w, s)
		if res.Removed != 5 {
			t.Errorf("fresh=%v: removed %d, want 5", fresh, res.Removed)
		}
		got := strings.Join(tree(t, dir), "\n")
		for _, gone := range []string{"rss.xml\n", "category/gone/", "tag/shared/rss.xml"} {
			if strings.Contains("\n"+got+"\n", "\n"+gone) {
				t.Errorf("fresh=%v: %s still present:\n%s", fresh, gone, got)
			}
		}
		for p, b := range user {
			if got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))); err != nil || string(got) != b {
				t.Errorf("user file %s damaged: %q %v", p, got, err)
			}
		}
		checkTree(t, dir, s, false)
	}
}

// TestLeftoverTemps proves New deletes temp files from a killed run, at any
// depth, and nothing else.
func TestLeftoverTemps(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	writeFiles(t, dir, map[string]string{
		".feedgen-tmp-123":                 "junk",
		"category/x/.feedgen-tmp-456":      "junk",
		"tag/河北日报新闻/.feedgen-tmp-abc":      "junk",
		".feedgen-tmpx":                    "user",
		"category/x/rss.xml":               "old",
		"notes/.feedgen-tmp-but-dir/a.txt": "user",
	})
	writerIn(t, dir)
	want := []string{
		".feedgen-tmpx", "category/", "category/x/", "category/x/rss.xml",
		"notes/", "notes/.feedgen-tmp-but-dir/", "notes/.feedgen-tmp-but-dir/a.txt",
		"tag/", "tag/河北日报新闻/",
	}
	if got := tree(t, dir); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("tree after New:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHostilePaths proves unsafe snapshot paths are rejected with an error
// naming them, nothing is written for them (in or outside dir), and the
// safe files of the same snapshot are still written.
func TestHostilePaths(t *testing.T) {
	t.Parallel()
	hostile := []string{
		"/../x",
		"/category/../../x",
		"/category/a/../../../x",
		`/tag/a\b/rss.xml`,
		"/tag/\x00/rss.xml",
		"/tag/a\nb/rss.xml",
		"/tag/\u0085/rss.xml",
		"abs",
		"",
		"/",
		"//etc/passwd",
		"/./rss.xml",
		"/tag//rss.xml",
		"/tag/x/",
		"/tag/\xff/rss.xml",
	}
	for _, p := range hostile {
		t.Run(strings.ToValidUTF8(p, "?"), func(t *testing.T) {
			t.Parallel()
			parent := t.TempDir()
			w := writerIn(t, filepath.Join(parent, "out"))
			res, err := w.Write(snap(file(p, "evil"), file("/rss.xml", "good")))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), strconv.Quote(p)) {
				t.Errorf("error %q does not name %q", err, p)
			}
			if res != (Result{Written: 1}) {
				t.Errorf("result %+v", res)
			}
			if got := tree(t, parent); strings.Join(got, ",") != "out/,out/rss.xml" {
				t.Errorf("tree: %v", got)
			}
		})
	}
}

// TestLocalPath proves the validator directly, accepting names that only
// look suspicious.
func TestLocalPath(t *testing.T) {
	t.Parallel()
	w := &Writer{dir: "/srv/out"}
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"/rss.xml", "rss.xml", true},
		{"/tag/河北日报新闻/feed.json", "tag/河北日报新闻/feed.json", true},
		{"/tag/with space/rss.xml", "tag/with space/rss.xml", true},
		{"/tag/a..b/rss.xml", "tag/a..b/rss.xml", true},
		{"/tag/.hidden/rss.xml", "tag/.hidden/rss.xml", true},
		{"/tag/..", "", false},
		{"/tag/./rss.xml", "", false},
		{"rss.xml", "", false},
		{"/tag/a\x7fb/rss.xml", "", false},
		{"/tag/a\tb/rss.xml", "", false},
	}
	for _, tt := range tests {
		got, err := w.localPath(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("localPath(%q) = %q, %v", tt.in, got, err)
		}
	}
}

// TestSymlinkEscape proves that a symlink inside the tree pointing outside
// can neither redirect a write nor make stale removal delete files outside.
func TestSymlinkEscape(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	outside := filepath.Join(parent, "outside")
	writeFiles(t, outside, map[string]string{"rss.xml": "precious"})
	w, dir := newWriter(t)
	for _, l := range []string{"category/evil", "tag/evil"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(l)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(dir, filepath.FromSlash(l))); err != nil {
			t.Skip("symlinks unsupported:", err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "rss.xml"), filepath.Join(dir, "atom.xml")); err != nil {
		t.Fatal(err)
	}

	_, err := w.Write(snap(file("/category/evil/rss.xml", "evil"), file("/index.html", "ok")))
	if err == nil || !strings.Contains(err.Error(), "/category/evil/rss.xml") {
		t.Errorf("write through symlink: err = %v", err)
	}
	// Stale removal: /tag/evil/rss.xml and /atom.xml are not in this
	// snapshot, but they are symlinks (or behind one): leave them.
	if _, err := w.Write(snap(file("/index.html", "ok"))); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(outside, "rss.xml")); err != nil || string(b) != "precious" {
		t.Fatalf("outside file changed: %q %v", b, err)
	}
	if got := tree(t, outside); strings.Join(got, ",") != "rss.xml" {
		t.Errorf("outside tree: %v", got)
	}
}

// TestErrors proves one failing file does not stop the others and that
// bad arguments are errors, not panics.
func TestErrors(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	if err := os.MkdirAll(filepath.Join(dir, "feed.json", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := w.Write(snap(file("/feed.json", "x"), file("/rss.xml", "ok")))
	if err == nil || !strings.Contains(err.Error(), "/feed.json") {
		t.Errorf("err = %v", err)
	}
	if res.Written != 1 {
		t.Errorf("result %+v", res)
	}
	if got := strings.Join(tree(t, dir), ","); got != "feed.json/,feed.json/sub/,rss.xml" {
		t.Errorf("tree %s", got)
	}
	if _, err := w.Write(nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
	if _, err := New("", nil); err == nil {
		t.Error(`New("") succeeded`)
	}
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(f, nil); err == nil {
		t.Error("New over a regular file succeeded")
	}
}

// TestStaleArchive: archive documents (layout.ArchivePath) that a snapshot
// no longer holds are removed with the month, year and archive folders they
// leave empty, at the top and in category and tag folders; a feed folder
// whose feeds and archive are all gone goes too. User files, even in an
// archive month, stay.
func TestStaleArchive(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	archive := []*snapshot.File{
		file("/archive/2024/01/rss.xml", "a"),
		file("/archive/2024/01/atom.xml", "a"),
		file("/archive/2024/02/feed.json", "a"),
		file("/tag/gone/rss.xml", "t"),
		file("/tag/gone/archive/2023/12/rss.xml", "t"),
		file("/category/hebeiribao/archive/2024/01/atom.xml", "c"),
	}
	mustWrite(t, w, snap(append(baseFiles(), archive...)...))
	userFile := filepath.Join(dir, "archive", "2024", "02", "notes.txt")
	if err := os.WriteFile(userFile, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, fresh := range []bool{false, true} {
		if fresh { // ownership comes from names, not from memory
			mustWrite(t, w, snap(append(baseFiles(), archive...)...))
			w = writerIn(t, dir)
		}
		s := snap(append(baseFiles(), archive[0])...) // keeps one document
		if res := mustWrite(t, w, s); res.Removed != 5 {
			t.Errorf("fresh=%v: removed %d, want 5", fresh, res.Removed)
		}
		got := "\n" + strings.Join(tree(t, dir), "\n") + "\n"
		for _, gone := range []string{"archive/2024/01/atom.xml", "archive/2024/02/feed.json", "tag/gone/", "category/hebeiribao/archive/"} {
			if strings.Contains(got, "\n"+gone) {
				t.Errorf("fresh=%v: %s still present:%s", fresh, gone, got)
			}
		}
		if b, err := os.ReadFile(userFile); err != nil || string(b) != "mine" {
			t.Errorf("fresh=%v: user file in an archive month damaged: %q %v", fresh, b, err)
		}
		checkTree(t, dir, s, false)
	}
}
