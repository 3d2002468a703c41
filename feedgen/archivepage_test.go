package feedgen

import (
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/snapshot"
)

// checkArchivePages checks that the page of every feed links exactly the
// Atom documents of its archive, newest first, the first link being the
// newest, and that every link resolves to a file of s.
func checkArchivePages(t *testing.T, step string, s *snapshot.Snapshot) {
	t.Helper()
	docs := map[string][]string{} // page folder -> archive Atom documents, relative to it
	for _, p := range s.Paths() {
		if layout.IsArchive(p) && strings.HasSuffix(p, "/atom.xml") {
			i := strings.Index(p, "/"+layout.ArchiveFolder+"/") + 1
			docs[p[:i]] = append(docs[p[:i]], p[i:])
		}
	}
	pages := 0
	for _, p := range s.Paths() {
		if !strings.HasSuffix(p, "/"+layout.PageFile) {
			continue
		}
		pages++
		folder := strings.TrimSuffix(p, layout.PageFile)
		body := string(s.Get(p).Body)
		if err := feedcheck.CheckHTML([]byte(body)); err != nil {
			t.Errorf("%s: %s: %v", step, p, err)
		}
		want := docs[folder]
		sort.Sort(sort.Reverse(sort.StringSlice(want)))
		got := sitetest.Hrefs(sitetest.ArchiveBlock(body))
		if len(want) == 0 {
			if len(got) > 0 {
				t.Errorf("%s: %s has no archive but links %q", step, p, got)
			}
			continue
		}
		if len(got) == 0 || got[0] != want[0] || !slices.Equal(got[1:], want) {
			t.Errorf("%s: %s links %q, want %s then %q", step, p, got, want[0], want)
		}
		for _, h := range got {
			if s.Get(folder+h) == nil {
				t.Errorf("%s: %s links %s, which is not published", step, p, h)
			}
		}
	}
	if pages == 0 {
		t.Fatalf("%s: no pages", step)
	}
}

// TestArchivePagesLinkTheirMonths: every page links its feed's archive,
// also after a backdated article opens a new month (which changes no
// subscription document, only the month list), and the incremental result
// equals a fresh build; a build without archives shows no archive block.
func TestArchivePagesLinkTheirMonths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	archCorpus(t, dir, 48)
	cfg := archConfig(t, 5)
	g, s := generate(t, dir, cfg)
	checkArchivePages(t, "first build", s)
	if !strings.Contains(string(s.Get("/category/c0/index.html").Body), "更早的文章") { // the site's language is zh-CN
		t.Fatal("the page of category c0 has no archive link")
	}

	old := archArticle{rel: "old.txt", date: "2023-06-15 12:00:00 +0000", cat: "c0", tag: "t0", n: 2000}
	old.write(t, dir, "旧文章")
	g.Update([]string{filepath.Join(dir, old.rel)})
	s = g.Snapshot().Snapshot
	checkArchivePages(t, "backdated", s)
	for _, p := range []string{"/category/c0/index.html", "/tag/t0/index.html", layout.IndexPath} {
		if !strings.Contains(string(s.Get(p).Body), `href="archive/2023/06/atom.xml"`) {
			t.Errorf("%s does not link the month the backdated article opened", p)
		}
	}
	if strings.Contains(string(s.Get("/category/c1/index.html").Body), "2023/06") {
		t.Error("the page of c1 links a month of c0")
	}
	_, full := generate(t, dir, cfg)
	sameFiles(t, "backdated", contents(s), contents(full))

	cfg.Archive = false
	_, plain := generate(t, dir, cfg)
	for _, p := range plain.Paths() {
		if strings.HasSuffix(p, "/"+layout.PageFile) && strings.Contains(string(plain.Get(p).Body), `class="archive"`) {
			t.Errorf("%s shows an archive block without archives", p)
		}
	}
}
