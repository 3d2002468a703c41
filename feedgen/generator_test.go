package feedgen

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
	"feedgen/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// testOpts parse articles as a generator with sitetest.Config does.
var testOpts = article.ParseOptions{Location: time.UTC, TagAuthority: "feeds.example.com", DefaultBase: "https://feeds.example.com/"}

// generate runs a full generation over dir.
func generate(t testing.TB, dir string, cfg config.Config) (*Generator, *snapshot.Snapshot) {
	t.Helper()
	g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(1e9, 0) }, StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	return g, g.Snapshot().Snapshot
}

// contents maps every path of s to its bytes.
func contents(s *snapshot.Snapshot) map[string]string {
	m := map[string]string{}
	for _, p := range s.Paths() {
		m[p] = string(s.Get(p).Body)
	}
	return m
}

// TestGolden compares the feeds of the bundled seeds/ with testdata/golden.
// Run "go test ./feedgen -run TestGolden -update" after an intended change
// and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	g, s := generate(t, filepath.Join("..", "seeds"), sitetest.Config(t))
	if ps := g.Problems(); len(ps) > 0 {
		t.Fatalf("seeds/ has invalid articles: %v", ps)
	}
	golden := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		for _, p := range s.Paths() {
			f := filepath.Join(golden, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(f, s.Get(p).Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want []string
	err := filepath.WalkDir(golden, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(golden, p)
		want = append(want, "/"+filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatalf("reading golden files (run with -update to create them): %v", err)
	}
	sort.Strings(want)
	if got := s.Paths(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("paths differ from golden:\ngot  %q\nwant %q", got, want)
	}
	for _, p := range want {
		exp, err := os.ReadFile(filepath.Join(golden, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Get(p).Body; !bytes.Equal(got, exp) {
			t.Errorf("%s differs from golden (run with -update and review the diff)\n%s", p, firstDiff(string(got), string(exp)))
		}
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d lines", len(al), len(bl))
}

// TestFeedsValidate runs every produced file of the bundled seeds and of
// ../shared/seeds through the independent spec checker (gofeed plus the
// RSS, Atom, JSON Feed and OPML rules).
func TestFeedsValidate(t *testing.T) {
	t.Parallel()
	dirs := []string{filepath.Join("..", "seeds")}
	if _, err := os.Stat(filepath.Join("..", "..", "shared", "seeds")); err == nil {
		dirs = append(dirs, filepath.Join("..", "..", "shared", "seeds"))
	}
	for _, dir := range dirs {
		for _, limit := range []int{config.DefaultLimit, 1} {
			cfg := sitetest.Config(t)
			cfg.Limit = limit
			_, s := generate(t, dir, cfg)
			for _, p := range s.Paths() {
				if err := feedcheck.Check(p, s.Get(p).Body); err != nil {
					t.Errorf("%s (limit %d) %s: %v", dir, limit, p, err)
				}
			}
		}
	}
	// An empty directory still gives a valid (empty) global feed.
	_, s := generate(t, t.TempDir(), sitetest.Config(t))
	for _, p := range s.Paths() {
		if err := feedcheck.Check(p, s.Get(p).Body); err != nil {
			t.Errorf("empty dir %s: %v", p, err)
		}
	}
}

// TestSeedsLayout checks what a user finds for the bundled seeds: the
// feeds named in the design, the unpublished article left out, ties ordered
// by id.
func TestSeedsLayout(t *testing.T) {
	t.Parallel()
	cfg := sitetest.Config(t)
	// The sample's own configuration names the categories.
	if err := config.LoadConfigFile(filepath.Join("..", "seeds", "feedgen.yaml"), &cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	_, s := generate(t, filepath.Join("..", "seeds"), cfg)
	for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/index.html", "/feeds.opml",
		"/category/caijing/rss.xml", "/category/english/atom.xml", "/tag/World/feed.json", "/tag/财经新闻/rss.xml"} {
		if s.Get(p) == nil {
			t.Errorf("missing %s", p)
		}
	}
	all := string(s.Get("/rss.xml").Body)
	if strings.Contains(all, "草稿") {
		t.Error("an article with published: false was published")
	}
	if strings.Contains(all, "<script") || strings.Contains(all, "onclick") {
		t.Error("active content survived")
	}
	// 112 and 113 share a date: the smaller id comes first.
	nongye := string(s.Get("/category/nongye/rss.xml").Body)
	i112 := strings.Index(nongye, "夏粮收购陆续展开")
	i113 := strings.Index(nongye, "设施农业补贴政策落地")
	if i112 < 0 || i113 < 0 || i112 > i113 {
		t.Errorf("tie not broken by id: positions %d, %d", i112, i113)
	}
	if !strings.Contains(nongye, "<title>农业新闻</title>") {
		t.Error("category feed is not titled with its human name")
	}
}

// TestDeterministic builds the same input twice, from directories whose
// files were written in different orders, and expects identical bytes.
func TestDeterministic(t *testing.T) {
	t.Parallel()
	src := filepath.Join("..", "seeds")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	copyDir := func(reverse bool) string {
		dir := t.TempDir()
		idx := make([]int, len(entries))
		for i := range idx {
			idx[i] = i
		}
		if reverse {
			sort.Sort(sort.Reverse(sort.IntSlice(idx)))
		}
		for _, i := range idx {
			if entries[i].IsDir() {
				copyTree(t, filepath.Join(src, entries[i].Name()), filepath.Join(dir, entries[i].Name()))
				continue
			}
			b, err := os.ReadFile(filepath.Join(src, entries[i].Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, entries[i].Name()), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	_, s1 := generate(t, copyDir(false), sitetest.Config(t))
	_, s2 := generate(t, copyDir(true), sitetest.Config(t))
	c1, c2 := contents(s1), contents(s2)
	if len(c1) == 0 || len(c1) != len(c2) {
		t.Fatalf("%d vs %d files", len(c1), len(c2))
	}
	for p, b := range c1 {
		if c2[p] != b {
			t.Errorf("%s differs between two builds of the same input", p)
		}
	}
}

// copyTree copies the folder src to dst, which must not exist.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func post(title, date, cats, tags, link string) string {
	s := "---\ntitle: " + title + "\ndate: " + date + "\ncategories: " + cats + "\ntags: " + tags + "\n---\n<p>" + title + " body</p>\n"
	if link != "" {
		s += "\n<" + link + ">\n"
	}
	return s
}

func TestProblemsAndSkips(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "good.txt", post("good", "2024-01-01 10:00:00 +0800", "a", "x", "http://e.example/1"))
	writeFile(t, dir, "sub/deeper/good2.md", post("good2", "2024-01-02 10:00:00 +0800", "b", "x", "http://e.example/2"))
	writeFile(t, dir, "broken.txt", "---\ntitle: broken\n")
	writeFile(t, dir, "nodate.txt", "---\ntitle: t\n---\n")
	writeFile(t, dir, "zdup.txt", post("dup", "2024-01-03 10:00:00 +0800", "a", "x", "http://e.example/1"))
	// Not articles: skipped without a word.
	writeFile(t, dir, ".hidden.txt", "garbage")
	writeFile(t, dir, ".git/config.txt", "garbage")
	writeFile(t, dir, "good.txt.swp", "garbage")
	writeFile(t, dir, "good.txt~", "garbage")
	writeFile(t, dir, "#good.txt#", "garbage")
	writeFile(t, dir, "picture.png", "garbage")
	writeFile(t, dir, "notes.json", "garbage")

	g, s := generate(t, dir, sitetest.Config(t))
	var got []string
	for _, p := range g.Problems() {
		rel, _ := filepath.Rel(dir, p.Path)
		got = append(got, filepath.ToSlash(rel)+": "+p.Reason)
	}
	want := []string{
		"broken.txt: front matter is not closed: no --- line after the first",
		"nodate.txt: front matter has no date",
		"zdup.txt: id http://e.example/1 is already used by " + filepath.Join(dir, "good.txt"),
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if g.Articles() != 2 {
		t.Errorf("articles = %d, want 2", g.Articles())
	}
	if st := s.Stats(); st.Invalid != 3 || st.Articles != 2 {
		t.Errorf("stats = %+v", st)
	}
	if s.Get("/category/b/rss.xml") == nil {
		t.Error("article in a sub-directory not published")
	}
	if strings.Contains(string(s.Get("/rss.xml").Body), "<title>dup</title>") {
		t.Error("duplicate id published twice")
	}
}

func TestLimit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := 0; i < 7; i++ {
		writeFile(t, dir, fmt.Sprintf("p%d.txt", i), post(fmt.Sprintf("post%d", i), fmt.Sprintf("2024-01-%02d 10:00:00 +0800", i+1), "a", "x", fmt.Sprintf("http://e.example/%d", i)))
	}
	cfg := sitetest.Config(t)
	cfg.Limit = 3
	_, s := generate(t, dir, cfg)
	body := string(s.Get("/category/a/rss.xml").Body)
	if n := strings.Count(body, "<item>"); n != 3 {
		t.Fatalf("%d items, want 3", n)
	}
	for i, title := range []string{"post6", "post5", "post4"} {
		if !strings.Contains(body, "<title>"+title+"</title>") {
			t.Errorf("item %d: %s missing", i, title)
		}
	}
	if strings.Index(body, "post6") > strings.Index(body, "post4") {
		t.Error("items not newest first")
	}
}

// TestIncrementalEqualsFull applies a sequence of edits through Update and
// checks after each that the snapshot equals a fresh generation of the same
// directory, and that only the affected feeds were rendered.
func TestIncrementalEqualsFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := 0; i < 6; i++ {
		writeFile(t, dir, fmt.Sprintf("p%d.txt", i), post(fmt.Sprintf("post%d", i), fmt.Sprintf("2024-01-%02d 10:00:00 +0800", i+1), fmt.Sprintf("c%d", i%2), "t", fmt.Sprintf("http://e.example/%d", i)))
	}
	cfg := sitetest.Config(t)
	cfg.Limit = 4
	g, _ := generate(t, dir, cfg)
	steps := []struct {
		name     string
		do       func() []string
		rendered int // feeds rendered again; -1: don't check
	}{
		{"edit newest title", func() []string {
			writeFile(t, dir, "p5.txt", post("post5 edited", "2024-01-06 10:00:00 +0800", "c1", "t", "http://e.example/5"))
			return []string{"p5.txt"}
		}, 3}, // global, c1, tag t
		{"edit an article below the limit of every feed it is in", func() []string {
			writeFile(t, dir, "p0.txt", post("post0 edited", "2024-01-01 10:00:00 +0800", "c0", "t", "http://e.example/0"))
			return []string{"p0.txt"}
		}, 1}, // only c0 (3 items) shows it; global and t hold the newest 4
		{"move to a new category", func() []string {
			writeFile(t, dir, "p4.txt", post("post4", "2024-01-05 10:00:00 +0800", "c9", "t", "http://e.example/4"))
			return []string{"p4.txt"}
		}, -1},
		{"break an article", func() []string {
			writeFile(t, dir, "p3.txt", "---\ntitle: oops\n")
			return []string{"p3.txt"}
		}, -1},
		{"fix it", func() []string {
			writeFile(t, dir, "p3.txt", post("post3", "2024-01-04 10:00:00 +0800", "c1", "t", "http://e.example/3"))
			return []string{"p3.txt"}
		}, -1},
		{"delete the only article of a category", func() []string {
			os.Remove(filepath.Join(dir, "p4.txt"))
			return []string{"p4.txt"}
		}, -1},
		{"new sub-directory with files", func() []string {
			writeFile(t, dir, "new/a.txt", post("newa", "2024-02-01 10:00:00 +0800", "c2", "u", "http://e.example/a"))
			writeFile(t, dir, "new/deep/b.txt", post("newb", "2024-02-02 10:00:00 +0800", "c2", "u", "http://e.example/b"))
			return []string{"new"}
		}, -1},
		{"duplicate id appears, then the original goes", func() []string {
			writeFile(t, dir, "zz.txt", post("dup of 2", "2024-03-01 10:00:00 +0800", "c0", "t", "http://e.example/2"))
			os.Remove(filepath.Join(dir, "p2.txt"))
			return []string{"zz.txt", "p2.txt"}
		}, -1},
		{"remove a directory", func() []string {
			os.RemoveAll(filepath.Join(dir, "new"))
			return []string{"new"}
		}, -1},
		{"unchanged file touched", func() []string {
			return []string{"p1.txt"}
		}, 0},
	}
	for _, st := range steps {
		paths := st.do()
		for i := range paths {
			paths[i] = filepath.Join(dir, paths[i])
		}
		g.Update(paths)
		r := g.Snapshot()
		if st.rendered >= 0 && r.Rendered != st.rendered {
			t.Errorf("%s: rendered %d feeds, want %d", st.name, r.Rendered, st.rendered)
		}
		_, full := generate(t, dir, cfg)
		inc, want := contents(r.Snapshot), contents(full)
		for p, b := range want {
			if inc[p] != b {
				t.Errorf("%s: %s differs from a full build", st.name, p)
			}
		}
		for p := range inc {
			if _, ok := want[p]; !ok {
				t.Errorf("%s: %s is stale (not in a full build)", st.name, p)
			}
		}
	}
}
