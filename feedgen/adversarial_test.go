package feedgen

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
	"feedgen/snapshot"
)

// advOutcome is what must become of one hostile file.
type advOutcome int

const (
	rejected  advOutcome = iota // exactly one Problem naming the file
	published                   // an item of the global feed, no Problem
	quiet                       // neither: not an article, or published: false
)

// advCase is one file of the adversarial directory.
type advCase struct {
	file    string
	outcome advOutcome
	words   []string // rejected: the Reason contains each
	title   string   // published: the item's title, exactly
}

// advStatic lists every file of testdata/adversarial.
var advStatic = []advCase{
	{file: "no-front-matter.txt", words: []string{"no front matter"}},
	{file: "unclosed-front-matter.txt", words: []string{"not closed"}},
	{file: "invalid-yaml.md", words: []string{"front matter", "yaml"}},
	{file: "invalid-toml.md", words: []string{"front matter", "newlines"}},
	{file: "yaml-duplicate-key.txt", words: []string{"title", "already defined"}},
	{file: "yaml-list-document.txt", words: []string{"front matter", "cannot unmarshal"}},
	{file: "yaml-alias-bomb.txt", words: []string{"excessive aliasing"}},
	{file: "no-title.txt", words: []string{"no title"}},
	{file: "blank-title.txt", words: []string{"no title"}},
	{file: "bad-date.txt", words: []string{"date", `"next tuesday" is not a date`}},
	{file: "date-feb-30.txt", words: []string{"date", "is not a date"}},
	{file: "date-year-0.txt", words: []string{"date", "year 0", "out of range"}},
	{file: "date-year-99999.txt", words: []string{"date", "99999", "is not a date"}},
	{file: "bad-last-modified.txt", words: []string{"last_modified_at", "is not a date"}},
	{file: "date-from-filename-only.txt", words: []string{"no date"}},
	{file: "slug-dotdot-x.txt", words: []string{"categories", `"../x"`, "path separator"}},
	{file: "slug-a-slash-b.txt", words: []string{"tags", `"a/b"`, "path separator"}},
	{file: "slug-dotdot.txt", words: []string{"tags", `".."`, "not allowed"}},
	{file: "slug-absolute.txt", words: []string{"categories", `"/etc"`, "path separator"}},
	{file: "slug-backslash.txt", words: []string{"tags", "path separator"}},
	{file: "slug-nul.txt", words: []string{"tags", "control character"}},
	{file: "slug-leading-dot.txt", words: []string{"tags", `".git"`, "starts with a dot"}},
	{file: "slug-too-long.txt", words: []string{"tags", "longer than 200 bytes"}},
	{file: "slug-map.txt", words: []string{"tags", "want a string or a list"}},
	{file: "link-javascript.txt", words: []string{"link", "javascript:alert(1)", "absolute http"}},
	{file: "invalid-utf8.txt", words: []string{"invalid UTF-8", "not GB18030"}},
	{file: "gbk-broken.txt", words: []string{"invalid UTF-8", "not GB18030"}},
	{file: "empty.txt", words: []string{"empty file"}},
	{file: "whitespace-only.txt", words: []string{"no front matter"}},
	{file: "binary-png.txt", words: []string{"binary file", "NUL byte at offset 8"}},
	{file: "nul-in-body.txt", words: []string{"binary file", "NUL byte"}},
	{file: "nul-in-title.txt", words: []string{"binary file", "NUL byte at offset 14"}},
	{file: "dup-id-b.txt", words: []string{"id https://news.example.com/dup.html is already used by", "dup-id-a.txt"}},

	{file: "dup-id-a.txt", outcome: published, title: "first claim"},
	{file: "gb18030-chinese.txt", outcome: published, title: "国家统计局发布数据：经济稳中向好"},
	{file: "crlf-bom.txt", outcome: published, title: "CRLF and BOM"},
	{file: "cr-only.txt", outcome: published, title: "old mac line ends"},
	{file: "toml.md", outcome: published, title: "TOML front matter"},
	{file: "2023-03-08-dated-name.txt", outcome: published, title: "dated by its name"},
	// Control characters are dropped, and markup too (titles are plain
	// text); "]]>" stays, escaped by the encoders. U+202E (right-to-left
	// override) is not a control character and is kept.
	{file: "title-control-cdata.txt", outcome: published, title: "]]> \u202e evil"},

	{file: "unpublished.txt", outcome: quiet},
	{file: ".hidden.txt", outcome: quiet},
	{file: "backup.txt~", outcome: quiet},
	{file: "notes.json", outcome: quiet},
}

// advGood are the articles that every run must publish, whatever sits next
// to them. They are older than every hostile file, so with a limit they
// are the ones a feed would drop first.
var advGood = []advCase{
	{file: "good/one.txt", outcome: published, title: "good one"},
	{file: "good/two.md", outcome: published, title: "good two"},
	{file: "good/three.html", outcome: published, title: "good three"},
}

// advWrite writes data to dir/rel, creating folders.
func advWrite(t testing.TB, dir, rel string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildAdversarial fills a new directory with the static corpus, the
// hostile files too big or too special to commit, and the good articles.
// It returns the directory and every case.
func buildAdversarial(t *testing.T) (string, []advCase) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	cases := append([]advCase(nil), advStatic...)
	for _, c := range advStatic {
		b, err := os.ReadFile(filepath.Join("testdata", "adversarial", c.file))
		if err != nil {
			t.Fatal(err)
		}
		advWrite(t, dir, c.file, b)
	}
	for i, c := range advGood {
		body := fmt.Sprintf("---\ntitle: %s\ndate: 2001-0%d-01 10:00:00 +0800\ncategories: good\ntags: 好\n---\n<p>%s body</p>\n\n<https://news.example.com/good/%d.html>\n", c.title, i+1, c.title, i)
		advWrite(t, dir, c.file, []byte(body))
	}
	cases = append(cases, advGood...)

	// 1 MiB of front matter: legal, read whole (the head holds no closing
	// line), published.
	advWrite(t, dir, "huge-front-matter.txt", []byte("---\ntitle: huge front matter\ndate: 2023-04-01\ndescription: "+strings.Repeat("长", 1<<20/3)+"\n---\n<p>x</p>\n"))
	cases = append(cases, advCase{file: "huge-front-matter.txt", outcome: published, title: "huge front matter"})

	// 50 MiB: refused by size before it is read.
	advWrite(t, dir, "huge-body.txt", []byte("---\ntitle: huge body\ndate: 2023-04-02\n---\n<p>"+strings.Repeat("x", 50<<20)+"</p>\n"))
	cases = append(cases, advCase{file: "huge-body.txt", words: []string{"maximum article size", fmt.Sprint(config.DefaultMaxArticleSize), "bytes"}})

	// 100 000 nested elements: the HTML parser refuses more than 512 open
	// elements, so the article is rejected with that reason instead of
	// costing quadratic time.
	advWrite(t, dir, "nested-divs.txt", []byte("---\ntitle: nested\ndate: 2023-04-03\n---\n"+strings.Repeat("<div>", 100000)+"deep"+strings.Repeat("</div>", 100000)+"\n"))
	cases = append(cases, advCase{file: "nested-divs.txt", words: []string{"body", "open stack of elements exceeds 512"}})

	// 100 categories and tags: published (10 000 is TestAdversarialManyCategories).
	var names strings.Builder
	for i := range 50 {
		fmt.Fprintf(&names, " n%02d", i)
	}
	advWrite(t, dir, "many-names.txt", []byte("---\ntitle: many names\ndate: 2023-04-04\ncategories:"+names.String()+"\ntags:"+names.String()+"\n---\n<p>x</p>\n"))
	cases = append(cases, advCase{file: "many-names.txt", outcome: published, title: "many names"})

	// Unreadable. Root reads it anyway: then it must simply be published.
	advWrite(t, dir, "unreadable.txt", []byte("---\ntitle: unreadable\ndate: 2023-04-05\n---\n<p>x</p>\n"))
	if err := os.Chmod(filepath.Join(dir, "unreadable.txt"), 0); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		cases = append(cases, advCase{file: "unreadable.txt", outcome: published, title: "unreadable"})
	} else {
		cases = append(cases, advCase{file: "unreadable.txt", words: []string{"permission denied"}})
	}

	// Symbolic links: a loop, and one leading outside the source directory.
	outside := filepath.Join(filepath.Dir(dir), "outside.txt")
	if err := os.WriteFile(outside, []byte("---\ntitle: SECRET outside\ndate: 2023-04-06\n---\n<p>secret</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, l := range [][2]string{{"loop-b.txt", "loop-a.txt"}, {"loop-a.txt", "loop-b.txt"}, {outside, "outside-link.txt"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	cases = append(cases,
		advCase{file: "loop-a.txt", words: []string{"broken symbolic link", "too many"}},
		advCase{file: "loop-b.txt", words: []string{"broken symbolic link", "too many"}},
		advCase{file: "outside-link.txt", words: []string{"symbolic link points outside the source directory"}},
	)

	// A FIFO with no writer: opening it must not block the build.
	switch err := mkfifo(filepath.Join(dir, "fifo.txt")); {
	case errors.Is(err, errors.ErrUnsupported):
	case err != nil:
		t.Fatal(err)
	default:
		cases = append(cases, advCase{file: "fifo.txt", words: []string{"not a regular file"}})
	}
	return dir, cases
}

// runGenerator scans dir and takes a snapshot, failing the test instead of
// hanging when that takes longer than limit.
func runGenerator(t *testing.T, dir string, cfg config.Config, limit time.Duration) (*Generator, *snapshot.Snapshot) {
	t.Helper()
	type result struct {
		g   *Generator
		s   *snapshot.Snapshot
		err error
	}
	done := make(chan result, 1)
	state := t.TempDir()
	go func() {
		g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(1e9, 0) }, StateDir: state})
		if err == nil {
			_, err = g.Scan()
		}
		if err != nil {
			done <- result{err: err}
			return
		}
		done <- result{g: g, s: g.Snapshot().Snapshot}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		t.Cleanup(func() { r.g.Close() })
		return r.g, r.s
	case <-time.After(limit):
		t.Fatalf("generation did not finish within %v", limit)
	}
	return nil, nil
}

// checkAll runs feedcheck on every file of s.
func checkAll(t *testing.T, s *snapshot.Snapshot) {
	t.Helper()
	for _, p := range s.Paths() {
		body := s.Get(p).Body
		key := sha256.Sum256([]byte(p + "\x00" + string(body)))
		if _, ok := passed.Load(key); ok {
			continue
		}
		if err := feedcheck.Check(p, body); err != nil {
			t.Errorf("%s fails the spec checks: %v", p, err)
			continue
		}
		passed.Store(key, true)
	}
}

// passed holds the files (path and bytes) checkAll found good: the check
// depends on nothing else, and the tests check many files more than once
// (TestAdversarial's two limits give most category feeds the same bytes).
var passed sync.Map

// jsonItems returns the items of a JSON feed by title.
func jsonItems(t *testing.T, s *snapshot.Snapshot, p string) map[string]map[string]any {
	t.Helper()
	f := s.Get(p)
	if f == nil {
		t.Fatalf("no %s", p)
	}
	var doc struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(f.Body, &doc); err != nil {
		t.Fatal(err)
	}
	m := map[string]map[string]any{}
	for _, it := range doc.Items {
		title, _ := it["title"].(string)
		if _, dup := m[title]; dup {
			t.Errorf("%s: two items titled %q", p, title)
		}
		m[title] = it
	}
	return m
}

// TestAdversarial puts every kind of hostile file next to good articles and
// proves that each is reported once with a reason that says what is wrong
// (or published, for the valid but odd ones), that nothing panics or
// hangs, that the good articles are always published and that all output
// passes the spec checks.
func TestAdversarial(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes a 50 MiB file")
	}
	dir, cases := buildAdversarial(t)
	for _, limit := range []int{0, config.DefaultLimit} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			cfg := sitetest.Config(t)
			cfg.Limit = limit
			g, s := runGenerator(t, dir, cfg, 60*time.Second)

			problems := map[string][]Problem{}
			for _, p := range g.Problems() {
				problems[p.Path] = append(problems[p.Path], p)
			}
			items := jsonItems(t, s, "/feed.json")
			want := 0
			for _, c := range cases {
				path := filepath.Join(dir, filepath.FromSlash(c.file))
				ps := problems[path]
				delete(problems, path)
				switch c.outcome {
				case rejected:
					if len(ps) != 1 {
						t.Errorf("%s: %d problems %v, want exactly one", c.file, len(ps), ps)
						continue
					}
					for _, w := range c.words {
						if !strings.Contains(ps[0].Reason, w) {
							t.Errorf("%s: reason %q does not say %q", c.file, ps[0].Reason, w)
						}
					}
					if strings.Contains(ps[0].Reason, "\n") {
						t.Errorf("%s: reason spans lines: %q", c.file, ps[0].Reason)
					}
				case published:
					want++
					if len(ps) != 0 {
						t.Errorf("%s: problems %v, want it published", c.file, ps)
					}
					if items[c.title] == nil {
						t.Errorf("%s: no item titled %q in the global feed", c.file, c.title)
					}
				case quiet:
					if len(ps) != 0 {
						t.Errorf("%s: problems %v, want none", c.file, ps)
					}
				}
			}
			for p, ps := range problems {
				t.Errorf("unexpected problem for %s: %v", p, ps)
			}
			if len(items) != want {
				t.Errorf("global feed has %d items, want %d", len(items), want)
			}
			for title := range items {
				if strings.Contains(title, "SECRET") || strings.Contains(title, "draft") {
					t.Errorf("published %q", title)
				}
			}
			good := jsonItems(t, s, "/category/good/feed.json")
			if len(good) != len(advGood) {
				t.Errorf("category good has %d items, want %d", len(good), len(advGood))
			}
			if gb := items["国家统计局发布数据：经济稳中向好"]; gb != nil {
				if html, _ := gb["content_html"].(string); !strings.Contains(html, "国家统计局今日发布数据") || !strings.Contains(html, "𠀀") {
					t.Errorf("GB18030 article content not decoded: %q", html)
				}
				if s.Get("/tag/统计/rss.xml") == nil || s.Get("/category/caijing/atom.xml") == nil {
					t.Error("GB18030 article's category and tag feeds are missing")
				}
			}
			for i := range 50 {
				if s.Get(fmt.Sprintf("/category/n%02d/rss.xml", i)) == nil {
					t.Errorf("no feed of category n%02d", i)
				}
			}
			checkAll(t, s)
		})
	}
}

// manyNames is an article with n categories.
func manyNames(n int) []byte {
	var b strings.Builder
	b.WriteString("---\ntitle: many categories\ndate: 2023-05-01\ncategories:")
	for i := range n {
		fmt.Fprintf(&b, " c%05d", i)
	}
	b.WriteString("\n---\n<p>x</p>\n")
	return []byte(b.String())
}

// TestAdversarialManyCategories is an article with 10 000 categories. Each
// category is a feed whose item lists all the categories, so the output
// grows with the square of the count: 1 000 categories already make 3 000
// files and 200 MB, 10 000 would make about 20 GB. Until the parser caps the
// number of names (a decision pending), the test proves the parse itself is
// cheap and skips the generation; once there is a cap it proves the article
// is either refused with a reason naming categories, or published with
// bounded output that passes the spec checks.
func TestAdversarialManyCategories(t *testing.T) {
	t.Parallel()
	data := manyNames(10000)
	a, err := article.Parse("many.txt", data, testOpts)
	if err == nil && len(a.Categories) == 10000 {
		t.Skip("KNOWN ISSUE: 10 000 categories are accepted and would render ~20 GB (output is quadratic in the number of names); needs a cap")
	}
	dir := t.TempDir()
	advWrite(t, dir, "many.txt", data)
	advWrite(t, dir, "good.txt", []byte("---\ntitle: good\ndate: 2001-01-01\n---\n<p>x</p>\n"))
	g, s := runGenerator(t, dir, sitetest.Config(t), 60*time.Second)
	items := jsonItems(t, s, "/feed.json")
	if items["good"] == nil {
		t.Error("good article not published")
	}
	if err != nil {
		ps := g.Problems()
		if len(ps) != 1 || !strings.Contains(ps[0].Reason, "categories") {
			t.Errorf("problems %v, want one naming categories", ps)
		}
		return
	}
	total := 0
	for _, p := range s.Paths() {
		total += len(s.Get(p).Body)
	}
	if total > 64<<20 {
		t.Errorf("output is %d bytes", total)
	}
	checkAll(t, s)
}

// TestDateYearRange proves that dates feed validators call implausible
// (before 1970) are refused, from front matter and from file names alike,
// rather than published into feeds that fail the spec checks (found by
// FuzzParse: testdata/fuzz/FuzzParse/1cf93b15172f0ce7).
func TestDateYearRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, date, err string
	}{
		{"a.txt", "0001-01-01", "year 1 is out of range 1970-9999"},
		{"a.txt", "1969-12-31 23:59:59 +0000", "year 1969 is out of range"},
		{"a.txt", "1970-01-01 08:00:00 +0800", ""}, // 1969 in UTC: the year is in the article's own offset, as feeds write it
		{"a.txt", "1970-01-01", ""},
		{"a.txt", "9999-12-31", ""},
		{"1969-07-20-moon.txt", "", "no date"},
		{"1970-01-02-ok.txt", "", ""},
	}
	for _, tt := range tests {
		fm := "title: t"
		if tt.date != "" {
			fm += "\ndate: " + tt.date
		}
		_, err := article.Parse(tt.file, []byte("---\n"+fm+"\n---\n<p>x</p>\n"), testOpts)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s %q: err = %v, want %q", tt.file, tt.date, err, tt.err)
		}
	}
}

// TestLinkIsCanonical proves that the original-URL line becomes a canonical
// URL, as feed ids must be (found by FuzzParse:
// testdata/fuzz/FuzzParse/a30c80cda26b1745).
func TestLinkIsCanonical(t *testing.T) {
	t.Parallel()
	tests := []struct{ line, want string }{
		{"<//0>", "https://0/"},
		{"<https://news.example.com>", "https://news.example.com/"},
		{"<https://News.Example.COM:443/a?b=1>", "https://news.example.com/a?b=1"},
		{"<http://news.example.com:80/a>", "http://news.example.com/a"},
		{"<http://news.example.com:8080/a>", "http://news.example.com:8080/a"},
		{"<https://news.example.com/a/b.html>", "https://news.example.com/a/b.html"},
		{"<//\"0>", ""}, // testdata/fuzz/FuzzParse/55237d611eac2447
		{"<https://a`b/>", ""},
		{"<https://新闻.example/a>", "https://xn--efvy88h.example/a"}, // IDN host in punycode (testdata/fuzz/FuzzParse/d51f185228678d81)
		{"<https://例.example:8443/>", "https://xn--fsq.example:8443/"},
	}
	for _, tt := range tests {
		a, err := article.Parse("a.txt", []byte("---\ntitle: t\ndate: 2023-01-01\n---\n<p>x</p>\n\n"+tt.line+"\n"), testOpts)
		if err != nil {
			t.Errorf("%s: %v", tt.line, err)
			continue
		}
		if a.Link != tt.want || (tt.want != "" && a.ID != tt.want) {
			t.Errorf("%s: link %q id %q, want %q", tt.line, a.Link, a.ID, tt.want)
		}
	}
}
