package pipeline

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/source"
)

// buildInto runs Build of src into out with a fixed site configuration.
func buildInto(t *testing.T, src, out string) BuildResult {
	t.Helper()
	r, err := Build(BuildOptions{Src: src, Out: out, Site: testSite(t, "https://feeds.example.com/news/", 50)})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

func TestBuildReportsProblemsAndPublishesTheRest(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	good := article{Title: "好文章 在子目录里", Date: "2024-07-03 09:00:00 +0800", Categories: []string{"keji"}, Link: "http://news.example.com/good"}
	files := map[string]string{
		"sub/good.md":         good.String(),
		"bad-unclosed.txt":    "---\ntitle: \"x\"\ndate: 2024-05-01\n",
		"bad-notitle.md":      "---\ndate: 2024-05-01\n---\n<p>x</p>\n",
		"sub/bad-date.html":   "---\ntitle: \"x\"\ndate: 2024-13-45\n---\n<p>x</p>\n",
		"bad-empty.txt":       "",
		"bad-nofm.txt":        "no front matter at all\n",
		"dup-id.txt":          article{Title: "同一个链接 第二篇", Date: "2024-07-01", Link: "http://news.example.com/good"}.String(),
		"skipped.png":         "\x89PNG",
		".hidden.txt":         "---\n",
		"draft.txt~":          "---\n",
		"notes.bak":           "---\n",
		".git/HEAD.txt":       "---\n",
		"sub/.cache/junk.txt": "---\n",
	}
	for rel, data := range files {
		p := filepath.Join(src, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	r := buildInto(t, src, out)

	wantBad := []string{"bad-empty.txt", "bad-nofm.txt", "bad-notitle.md", "bad-unclosed.txt", "sub/bad-date.html"}
	// "dup-id.txt" sorts before "sub/good.md", so it wins the shared id and
	// the later path is the one reported.
	wantBad = append(wantBad, "sub/good.md")
	var got []string
	for _, p := range r.Problems {
		s := p.String()
		prefix := src + string(filepath.Separator)
		if !strings.HasPrefix(s, prefix) || !strings.Contains(s, ": ") {
			t.Errorf("problem %q is not \"<src>/<path>: reason\"", s)
			continue
		}
		path, reason, _ := strings.Cut(strings.TrimPrefix(s, prefix), ": ")
		if reason == "" || strings.Contains(reason, "\n") {
			t.Errorf("problem %q: want a one-line reason", s)
		}
		if strings.Contains(reason, prefix+path) {
			t.Errorf("problem %q repeats its own path in its reason", s)
		}
		got = append(got, filepath.ToSlash(path))
	}
	if !slices.Equal(got, wantBad) {
		t.Errorf("problems for %q, want %q:\n%s", got, wantBad, FormatProblems(r.Problems))
	}
	if r.Articles != 15+1 {
		t.Errorf("Articles = %d, want 16 (15 seeds and the winner of the duplicate id)", r.Articles)
	}
	// Every valid article is published.
	rss, err := os.ReadFile(filepath.Join(out, "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	items, err := rssItems(rss)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != r.Articles {
		t.Errorf("/rss.xml has %d items, want %d", len(items), r.Articles)
	}
	if n, _ := countTitle(rss, "同一个链接 第二篇"); n != 1 {
		t.Errorf("/rss.xml has %d items of the winning duplicate, want 1", n)
	}
	// Three files and a page per feed; the global feed's page is the
	// index, with the OPML list beside it; the listing pages of the
	// categories and the tags; the source's images.
	if want := 4*r.Feeds + 1 + 2 + countAssets(t, src); r.Written != want || r.Removed != 0 {
		t.Errorf("Written %d, Removed %d; want %d and 0", r.Written, r.Removed, want)
	}
	if tree := readTree(t, out); len(tree) != r.Written {
		t.Errorf("output has %d files, Build wrote %d", len(tree), r.Written)
	}

	// FormatProblems prints one "path: reason" line per problem.
	lines := strings.Split(strings.TrimSuffix(FormatProblems(r.Problems), "\n"), "\n")
	if len(lines) != len(r.Problems) {
		t.Errorf("FormatProblems: %d lines for %d problems", len(lines), len(r.Problems))
	}
	for i, l := range lines {
		if l != r.Problems[i].String() {
			t.Errorf("FormatProblems line %d = %q, want %q", i, l, r.Problems[i].String())
		}
	}
}

func TestBuildErrors(t *testing.T) {
	parallel(t)
	tests := []struct {
		name string
		src  func(t *testing.T) string
		out  func(t *testing.T) string
	}{
		{"missing source", func(t *testing.T) string { return filepath.Join(t.TempDir(), "nope") }, func(t *testing.T) string { return t.TempDir() }},
		{"source is a file", func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "f.txt")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}, func(t *testing.T) string { return t.TempDir() }},
		{"output is a file", func(t *testing.T) string { return seedsDir }, func(t *testing.T) string {
			p := filepath.Join(t.TempDir(), "out")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(BuildOptions{Src: tc.src(t), Out: tc.out(t), Site: testSite(t, "https://feeds.example.com/", 50)})
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
		})
	}
}

func TestBuildTwiceRewritesNothing(t *testing.T) {
	parallel(t)
	out := t.TempDir()
	first := buildInto(t, seedsDir, out)
	if first.Written == 0 {
		t.Fatal("first build wrote nothing")
	}
	past := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	var paths []string
	err := filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		paths = append(paths, p)
		return os.Chtimes(p, past, past)
	})
	if err != nil {
		t.Fatal(err)
	}
	before := readTree(t, out)

	second := buildInto(t, seedsDir, out)
	if second.Written != 0 || second.Removed != 0 {
		t.Errorf("second build: Written %d, Removed %d; want 0 and 0", second.Written, second.Removed)
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if !fi.ModTime().Equal(past) {
			t.Errorf("%s: modified at %v by the second build", p, fi.ModTime())
		}
	}
	if d := diffTrees("first", before, "second", readTree(t, out)); d != "" {
		t.Errorf("second build changed the tree: %s", d)
	}
}

func TestBuildRemovesEmptiedCategory(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	only := filepath.Join(src, "sub", "only.txt")
	if err := os.MkdirAll(filepath.Dir(only), 0o755); err != nil {
		t.Fatal(err)
	}
	a := article{Title: "唯一的一篇", Date: "2024-07-04", Categories: []string{"独苗", "keji"}, Tags: []string{"独有标签"}}
	if err := os.WriteFile(only, []byte(a.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// A file of the user's own in another feed folder must survive.
	mine := filepath.Join(out, "category", "keji", "README.txt")
	buildInto(t, src, out)
	if err := os.WriteFile(mine, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	feedDirs := []string{filepath.Join(out, "category", "独苗"), filepath.Join(out, "tag", "独有标签")}
	for _, dir := range feedDirs {
		for _, f := range []string{"rss.xml", "atom.xml", "feed.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Fatalf("first build: %v", err)
			}
		}
	}

	if err := os.Remove(only); err != nil {
		t.Fatal(err)
	}
	r := buildInto(t, src, out)
	if r.Removed != 8 {
		t.Errorf("Removed = %d, want 8 (three files and the page of one category and one tag)", r.Removed)
	}
	for _, dir := range feedDirs {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s still exists (stat: %v)", dir, err)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("the user's file was touched: %v", err)
	}
	// What is left is exactly a fresh build (plus the user's file).
	fresh := t.TempDir()
	buildInto(t, src, fresh)
	got := readTree(t, out)
	delete(got, "/category/keji/README.txt")
	if d := diffTrees("fresh", readTree(t, fresh), "rebuilt", got); d != "" {
		t.Errorf("rebuilt tree differs from a fresh build: %s", d)
	}
	if idx := got["/index.html"]; strings.Contains(string(idx), "独苗") {
		t.Error("index.html still lists the removed category")
	}
}

func TestBuildIsReproducible(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	a, b := t.TempDir(), t.TempDir()
	ra := buildInto(t, src, a)
	// Different mtimes and directory order must not matter.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(src, "101_9c3e2a7b1d4f6e80.txt"), future, future); err != nil {
		t.Fatal(err)
	}
	rb := buildInto(t, src, b)
	ta, tb := readTree(t, a), readTree(t, b)
	if len(ta) == 0 {
		t.Fatal("empty build")
	}
	if d := diffTrees("first", ta, "second", tb); d != "" {
		t.Errorf("two builds differ: %s", d)
	}
	if ra.Articles != rb.Articles || ra.Feeds != rb.Feeds || len(ra.Problems) != len(rb.Problems) {
		t.Errorf("results differ: %+v vs %+v", ra, rb)
	}
}

// TestBuildStrictReportsBadBodyBeyondFeedLimit: a build indexes large
// articles from their head and tail and reads a body only when a feed shows
// it, so a bad body in an article no feed shows costs nothing and is not
// reported; with Strict every body is read and it is. A body a feed shows
// is always checked.
func TestBuildStrictReportsBadBodyBeyondFeedLimit(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	newer := article{Title: "新的", Date: "2024-06-01", Link: "http://news.example.com/new"}
	fill := strings.Repeat("正文。", 2000)
	older := article{Title: "旧的", Date: "2024-05-01", Link: "http://news.example.com/old", Body: "<p>" + fill + "\x00</p><p>" + fill + "</p>"}
	if err := os.WriteFile(filepath.Join(src, "new.txt"), []byte(newer.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "old.txt"), []byte(older.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		limit  int
		strict bool
		want   int
	}{
		{2, false, 1}, // shown: read and reported
		{1, false, 0}, // not shown, not read
		{1, true, 1},  // strict: every body read
		{2, true, 1},
	} {
		r, err := Build(BuildOptions{Src: src, Out: t.TempDir(), Site: testSite(t, "https://feeds.example.com/", tt.limit), Strict: tt.strict})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Problems) != tt.want || (tt.want == 1 && !strings.HasSuffix(r.Problems[0].Path, "old.txt")) {
			t.Errorf("limit %d strict %v: problems %q, want %d for old.txt", tt.limit, tt.strict, FormatProblems(r.Problems), tt.want)
		}
		if r.Articles != 2-tt.want {
			t.Errorf("limit %d strict %v: %d articles published", tt.limit, tt.strict, r.Articles)
		}
	}
}

// countAssets counts the files below src that are published as they are
// (source.IsAssetPath).
func countAssets(t *testing.T, src string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err == nil && source.IsAssetPath(filepath.ToSlash(rel)) {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
