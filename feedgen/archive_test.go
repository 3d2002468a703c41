package feedgen

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"

	"feedgen/feedgen/archive"
	"feedgen/feedgen/config"
	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/snapshot"
)

// archArticle is one article of the archive corpus and the feeds it is in.
type archArticle struct {
	rel, date, cat, tag string
	n                   int
}

func (a archArticle) id() string { return fmt.Sprintf("https://e.example/%d", a.n) }

func (a archArticle) write(t *testing.T, dir, title string) {
	t.Helper()
	writeFile(t, dir, a.rel, post(title, a.date, a.cat, a.tag, a.id()))
}

// archCorpus writes n articles every four and a half days from January 2024
// (about seven months), in three categories and two tags, and one that is
// February in UTC but March in its own offset.
func archCorpus(t *testing.T, dir string, n int) []archArticle {
	t.Helper()
	start := time.Date(2024, 1, 1, 6, 0, 0, 0, time.FixedZone("", 8*3600))
	var as []archArticle
	for i := range n {
		d := start.Add(time.Duration(i) * 108 * time.Hour)
		as = append(as, archArticle{rel: fmt.Sprintf("p/%03d.txt", i), date: d.Format("2006-01-02 15:04:05 -0700"),
			cat: fmt.Sprintf("c%d", i%3), tag: fmt.Sprintf("t%d", i%2), n: i})
	}
	as = append(as, archArticle{rel: "edge.txt", date: "2024-03-01 00:30:00 +0800", cat: "c0", tag: "t1", n: 1000})
	for _, a := range as {
		a.write(t, dir, fmt.Sprintf("文章 %d", a.n))
	}
	return as
}

func archConfig(t *testing.T, limit int) config.Config {
	cfg := sitetest.Config(t)
	cfg.Limit, cfg.Archive = limit, true
	return cfg
}

// expectedFeeds is every feed's set of article ids, from the corpus itself.
func expectedFeeds(as []archArticle) map[layout.FeedKey][]string {
	m := map[layout.FeedKey][]string{}
	for _, a := range as {
		for _, k := range []layout.FeedKey{{Kind: layout.KindAll}, {Kind: layout.KindCategory, Name: a.cat}, {Kind: layout.KindTag, Name: a.tag}} {
			m[k] = append(m[k], a.id())
		}
	}
	for _, ids := range m {
		slices.Sort(ids)
	}
	return m
}

// walkChains follows every feed's archive chain in every format from its
// subscription document, checks each document (spec checks, gofeed, RFC
// 5005 links consistent with the walk, one UTC month per document, months
// going back in time) and that the walk visits each of the feed's articles
// exactly once and every archive document of the snapshot.
func walkChains(t *testing.T, files map[string]string, base string, want map[layout.FeedKey][]string) {
	t.Helper()
	pathOf := func(u string) string {
		if !strings.HasPrefix(u, base) {
			t.Fatalf("link %q is not below %s", u, base)
		}
		p, err := url.PathUnescape(strings.TrimPrefix(u, base))
		if err != nil {
			t.Fatalf("link %q: %v", u, err)
		}
		return "/" + p
	}
	visited := map[string]bool{}
	parser := gofeed.NewParser()
	for k, ids := range want {
		for _, f := range layout.Formats {
			format := [...]string{"rss", "atom", "json"}[f]
			var got []string
			var seenMonths []layout.Month
			cur, from := k.URL(base, f), ""
			for doc := 0; ; doc++ {
				p := pathOf(cur)
				body, ok := files[p]
				if !ok {
					t.Fatalf("%s: chain leads to %s, which is not published", k.Path(f), p)
				}
				if visited[p] {
					t.Fatalf("%s: %s visited twice", k.Path(f), p)
				}
				visited[p] = true
				if err := feedcheck.Check(p, []byte(body)); err != nil {
					t.Errorf("%s: %v", p, err)
				}
				h, err := feedcheck.Links(format, []byte(body))
				if err != nil {
					t.Fatal(err)
				}
				if f != layout.JSON {
					if h.Self != cur || h.Archive != (doc > 0) || (doc > 1 && h.Next != from) || (doc == 1 && h.Next != "") || (doc > 0 && h.Current != k.URL(base, f)) {
						t.Errorf("%s: links %+v (document %d of the walk, reached from %q)", p, h, doc, from)
					}
				}
				feed, err := parser.ParseString(body)
				if err != nil {
					t.Fatalf("%s: gofeed: %v", p, err)
				}
				var month layout.Month
				for _, it := range feed.Items {
					got = append(got, it.GUID)
					if doc > 0 {
						m := layout.MonthOf(*it.PublishedParsed)
						if month.IsZero() {
							month = m
						} else if m != month {
							t.Errorf("%s: holds items of %v and %v", p, month, m)
						}
					}
				}
				if doc > 0 {
					if p != k.ArchivePath(month, f) {
						t.Errorf("%s: holds the items of %v", p, month)
					}
					if n := len(seenMonths); n > 0 && !month.Before(seenMonths[n-1]) {
						t.Errorf("%s: %v does not come before %v", p, month, seenMonths[n-1])
					}
					seenMonths = append(seenMonths, month)
				}
				if h.Prev == "" {
					break
				}
				from, cur = cur, h.Prev
			}
			slices.Sort(got)
			if !slices.Equal(got, ids) {
				t.Errorf("%s: the chain holds %d items %v, want the feed's %d articles %v", k.Path(f), len(got), got, len(ids), ids)
			}
		}
	}
	for p := range files {
		if layout.IsArchive(p) && !visited[p] {
			t.Errorf("%s is on no chain", p)
		}
	}
}

func TestArchiveChainsPartition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	as := archCorpus(t, dir, 48)
	for _, limit := range []int{1, 5, 30, 100} {
		cfg := archConfig(t, limit)
		_, s := generate(t, dir, cfg)
		files := contents(s)
		walkChains(t, files, cfg.BaseURL, expectedFeeds(as))
		checkAll(t, s)
		if strings.Contains(files[layout.OPMLPath], "/archive/") {
			t.Error("the OPML list names archive documents")
		}
		if first, last, n := (&Generator{arch: archive.NewDocs(archive.Env{}, false)}).ArchiveSpan(layout.FeedKey{}); n != 0 || !first.IsZero() || !last.IsZero() {
			t.Error("ArchiveSpan of nothing")
		}
		if span := "存档：2024-01 – 2024-07，共 7 个月"; limit == 1 && !strings.Contains(files[layout.IndexPath], span) {
			t.Errorf("the index page does not say %q", span)
		}
		n := 0
		for p := range files {
			if layout.IsArchive(p) {
				n++
			}
		}
		if (limit < len(as)) != (n > 0) {
			t.Errorf("limit %d: %d archive documents", limit, n)
		}
	}
	// The article of 00:30 on 1 March in +0800 is in February's archive.
	_, s := generate(t, dir, archConfig(t, 1))
	if body := s.Get("/archive/2024/02/rss.xml"); body == nil || !strings.Contains(string(body.Body), "https://e.example/1000") {
		t.Error("an article is filed under its own offset's month, not UTC's")
	}
}

// archiveFiles maps every archive document of s to its file.
func archiveFilesOf(s *snapshot.Snapshot) map[string]*snapshot.File {
	m := map[string]*snapshot.File{}
	for _, p := range s.Paths() {
		if layout.IsArchive(p) {
			m[p] = s.Get(p)
		}
	}
	return m
}

// TestArchiveStable: an edit of an article that the subscription feeds
// show rewrites no archive document; an edit, deletion or backdated
// addition rewrites only the documents of its month; after each step the
// daemon's snapshot equals a fresh build.
func TestArchiveStable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	as := archCorpus(t, dir, 48)
	cfg := archConfig(t, 5)
	g, s := generate(t, dir, cfg)
	newest := as[47] // 2024-07-20
	steps := []struct {
		name   string
		do     func() string
		months []string // the only months whose documents may change
		feeds  []string // the only feed folders whose documents may change
		newest bool     // only each feed's newest archive document may change
	}{
		{"edit the newest article", func() string {
			newest.write(t, dir, "改过的标题")
			return newest.rel
		}, nil, nil, false},
		{"edit an old article", func() string {
			as[3].write(t, dir, "旧文改过") // 2024-01-14
			return as[3].rel
		}, []string{"2024/01"}, []string{"", "/category/c0", "/tag/t1"}, false},
		{"backdated addition", func() string {
			a := archArticle{rel: "late.txt", date: "2024-02-10 12:00:00 +0800", cat: "c1", tag: "t0", n: 2000}
			a.write(t, dir, "补发")
			return a.rel
		}, []string{"2024/02"}, []string{"", "/category/c1", "/tag/t0"}, false},
		{"delete an old article", func() string {
			os.Remove(filepath.Join(dir, as[20].rel)) // 2024-03-31
			return as[20].rel
		}, []string{"2024/03"}, []string{"", "/category/c2", "/tag/t0"}, false},
		{"a new article rolls one into the newest archive month", func() string {
			a := archArticle{rel: "new.txt", date: "2024-07-25 08:00:00 +0800", cat: "c0", tag: "t0", n: 3000}
			a.write(t, dir, "新文")
			return a.rel
		}, nil, []string{"", "/category/c0", "/tag/t0"}, true},
	}
	for _, st := range steps {
		before := archiveFilesOf(s)
		g.Update([]string{filepath.Join(dir, st.do())})
		s = g.Snapshot().Snapshot
		after := archiveFilesOf(s)
		newestOf := map[string]string{} // feed folder → its newest archive month before the step
		for p := range before {
			dir, month, _ := strings.Cut(p, "/archive/")
			if month[:7] > newestOf[dir] {
				newestOf[dir] = month[:7]
			}
		}
		for p, f := range after {
			if before[p] == f {
				continue
			}
			dir, month, _ := strings.Cut(p, "/archive/")
			ok := st.newest && month[:7] == newestOf[dir]
			for _, m := range st.months {
				ok = ok || month[:7] == m
			}
			if st.feeds != nil {
				ok = ok && slices.Contains(st.feeds, dir)
			}
			if !ok {
				t.Errorf("%s: %s was rewritten", st.name, p)
			}
		}
		for p := range before {
			if after[p] == nil {
				t.Errorf("%s: %s disappeared", st.name, p)
			}
		}
		_, full := generate(t, dir, cfg)
		sameFiles(t, st.name, contents(s), contents(full))
	}
}

// TestArchiveState: with archives, a warm state gives the same bytes, and
// a rebuild with nothing changed renders nothing.
func TestArchiveState(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	archCorpus(t, dir, 30)
	cfg := archConfig(t, 4)
	want, _ := fresh(t, dir, cfg)
	for i := range 2 {
		got, _, _ := withState(t, dir, state, cfg, nil)
		sameFiles(t, fmt.Sprintf("run %d", i), got, want)
	}
	// A damaged state is rebuilt, to the same bytes.
	if err := os.WriteFile(filepath.Join(state, "index.db"), []byte(strings.Repeat("garbage", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, _ := withState(t, dir, state, cfg, nil)
	sameFiles(t, "damaged state", got, want)
	// Another limit moves items between documents: the same state gives
	// what a fresh build gives.
	cfg.Limit = 9
	want, _ = fresh(t, dir, cfg)
	got, _, _ = withState(t, dir, state, cfg, nil)
	sameFiles(t, "another limit", got, want)
	// Without archives the same state is rebuilt: no archive survives.
	cfg.Archive = false
	got, _, _ = withState(t, dir, state, cfg, nil)
	for p := range got {
		if layout.IsArchive(p) {
			t.Fatalf("%s published without -archive", p)
		}
	}
}

// TestArchiveMonthComesAndGoes: when a month loses its last item its
// documents go and its neighbours link each other; when it gains one again
// they come back; the daemon's snapshot equals a fresh build each time and
// the chains stay whole.
func TestArchiveMonthComesAndGoes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	as := archCorpus(t, dir, 48)
	cfg := archConfig(t, 3)
	g, s := generate(t, dir, cfg)
	const feb = "/category/c1/archive/2024/02/rss.xml"
	if s.Get(feb) == nil {
		t.Fatalf("%s is missing before the test", feb)
	}
	var gone []archArticle
	var paths []string
	rest := as[:0:0]
	for _, a := range as {
		if a.cat == "c1" && strings.HasPrefix(a.date, "2024-02") {
			gone = append(gone, a)
			paths = append(paths, filepath.Join(dir, a.rel))
			if err := os.Remove(filepath.Join(dir, a.rel)); err != nil {
				t.Fatal(err)
			}
		} else {
			rest = append(rest, a)
		}
	}
	g.Update(paths)
	s = g.Snapshot().Snapshot
	if s.Get(feb) != nil {
		t.Errorf("%s is still published", feb)
	}
	_, full := generate(t, dir, cfg)
	sameFiles(t, "month emptied", contents(s), contents(full))
	walkChains(t, contents(s), cfg.BaseURL, expectedFeeds(rest))

	for _, a := range gone {
		a.write(t, dir, fmt.Sprintf("文章 %d", a.n))
	}
	g.Update(paths)
	s = g.Snapshot().Snapshot
	if s.Get(feb) == nil {
		t.Errorf("%s did not come back", feb)
	}
	_, full = generate(t, dir, cfg)
	sameFiles(t, "month back", contents(s), contents(full))
	walkChains(t, contents(s), cfg.BaseURL, expectedFeeds(as))
}

// TestArchiveWithHubs: the subscription documents advertise their WebSub
// hubs and link their archive; the archive documents, which nobody
// subscribes to, advertise none; every chain stays whole and valid.
func TestArchiveWithHubs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	as := archCorpus(t, dir, 20)
	cfg := archConfig(t, 4)
	cfg.Hubs = []string{"https://hub.example.net/"}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	_, s := generate(t, dir, cfg)
	files := contents(s)
	walkChains(t, files, cfg.BaseURL, expectedFeeds(as))
	for p, body := range files {
		hub := strings.Contains(body, "hub.example.net")
		switch {
		case layout.IsArchive(p) && hub:
			t.Errorf("%s advertises a hub", p)
		case !layout.IsArchive(p) && strings.HasSuffix(p, ".xml") && p != layout.OPMLPath && !hub:
			t.Errorf("%s advertises no hub", p)
		}
	}
}
