package render

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"html"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	"gopkg.in/yaml.v3"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/internal/feedcheck"
	"feedgen/layout"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of TestGoldenPairs in testdata")

// Golden pairs, one per case, as gofeed keeps its parser tests: the input
// testdata/CASE.txt (an article in the seed format), optionally
// testdata/CASE.yaml (the site and the feed around it, see goldenCase), and
// the expected documents CASE.rss.xml, CASE.atom.xml and CASE.feed.json: a
// feed holding that one item, rendered through the fragment path
// (ItemFragments, then Feed) as the generator renders it. A case with an
// opml list renders CASE.opml instead; one marked page in goldenWants also
// renders its feed's HTML page, CASE.page.html. A change to one rule shows as a diff
// of the few lines it touches, in the case named after it;
// go test -run TestGoldenPairs -update rewrites the expected files, to be
// reviewed before they are committed.
//
// Byte equality alone would bless whatever the renderer once wrote, so
// every document must also pass internal/feedcheck and read back through
// gofeed with the title, link, id, dates, categories, image, summary,
// content, hubs and archive links of goldenWants: what a person reading the
// input expects a feed reader to show.

// goldenBase is the base URL of every case unless its site says otherwise.
const goldenBase = "https://feeds.example.com/"

// goldenCase is the optional CASE.yaml.
type goldenCase struct {
	// Site holds the keys of a -config file (title, timezone, categories,
	// hubs, …), read by config.LoadConfigFile.
	Site yaml.Node `yaml:"site"`
	// Feed is the feed the item is shown in: "all" (the default),
	// "category/NAME" or "tag/NAME".
	Feed string `yaml:"feed"`
	// Archive places the document in the feed's RFC 5005 archive: doc is
	// the month an archive document holds (none in a subscription
	// document), prev and next its neighbours, as YYYY-MM.
	Archive struct {
		Doc  string `yaml:"doc"`
		Prev string `yaml:"prev"`
		Next string `yaml:"next"`
	} `yaml:"archive"`
	// OPML lists the feeds of an OPML subscription list.
	OPML []struct {
		Feed  string `yaml:"feed"`
		Title string `yaml:"title"`
		Link  string `yaml:"link"`
	} `yaml:"opml"`
}

// goldenWant is what a reader must see in a case's documents. Zero fields
// are checked as absent where the formats can carry them (image, author,
// hubs, archive links) and not checked otherwise (summary).
type goldenWant struct {
	feedTitle string
	// self is the folder of the document's own URL; the format's file
	// name completes it.
	self string
	// home is the feed's home page; "" means the base URL.
	home string

	// The item; no title means the feed has no item.
	title, link, id string
	// published and updated are checked as instants and for their zone
	// offset, which the article's own date gives.
	published, updated time.Time
	// categories as RSS and Atom readers list them (categories, then tags);
	// JSON Feed lists each name once.
	categories []string
	author     string
	summary    string
	image      string
	has, lacks []string // in the content

	hubs []string
	// current, prev and next are folders of RFC 5005 links (a JSON Feed
	// carries prev as next_url); archive says the document is an archive.
	archive             bool
	current, prev, next string

	opml []string // the xmlUrl of each outline, in order

	// page: the case also renders the feed's HTML page, CASE.page.html
	// (the site index for the global feed), which must show the item.
	page bool
}

var (
	cst = time.FixedZone("+0800", 8*3600)
	cdt = time.FixedZone("-0500", -5*3600)
)

// goldenWants holds one entry per case in testdata.
var goldenWants = map[string]goldenWant{
	// Jekyll's own date format with its offset; categories and tags as
	// space-separated strings; a link line gives link and id.
	"jekyll-yaml": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "Central bank holds rates as inflation cools", link: "https://news.example.com/2022/03/17/rates.html", id: "https://news.example.com/2022/03/17/rates.html",
		published:  time.Date(2022, 3, 17, 5, 17, 21, 0, cst),
		categories: []string{"caijing", "english", "rates", "banks"},
		summary:    "The central bank kept its policy rate unchanged on Thursday. Economists expect the first cut in the second half of the year.",
		has:        []string{"<p>The central bank kept its policy rate unchanged on Thursday.</p>"},
		lacks:      []string{"news.example.com/2022/03/17/rates.html>"}, // the link line is no content
	},
	// TOML front matter (+++) with a TOML date-time and lists.
	"toml": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "Port throughput rises in the first quarter", link: "https://news.example.com/2024/04/25/ports.html", id: "https://news.example.com/2024/04/25/ports.html",
		published:  time.Date(2024, 4, 25, 16, 40, 0, 0, cst),
		categories: []string{"gangkou", "shipping", "ports"},
	},
	// No date in the front matter: the file name's, in the site's zone.
	"2022-03-17-date-in-name": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "A post dated by its file name", link: "https://news.example.com/2022/03/17/dated-by-name.html", id: "https://news.example.com/2022/03/17/dated-by-name.html",
		published:  time.Date(2022, 3, 17, 0, 0, 0, 0, cst),
		categories: []string{"notes"},
	},
	// Categories and tags as YAML lists (flow and block).
	"names-list": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "Categories and tags as lists", link: "https://news.example.com/2024/06/03/lists.html", id: "https://news.example.com/2024/06/03/lists.html",
		published:  time.Date(2024, 6, 3, 10, 5, 30, 0, cst),
		categories: []string{"caijing", "keji", "fintech", "banks"},
	},
	// No link line: a tag: URI from the file name, and the site as link.
	"no-link": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "An article without a link line", link: goldenBase, id: "tag:feeds.example.com,2000:no-link",
		published:  time.Date(2024, 5, 8, 0, 0, 0, 0, time.UTC),
		categories: []string{"nongye"},
	},
	// <//host/x> is https, in canonical form (lower-case host, no :443).
	"protocol-relative": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "A protocol-relative link line", link: "https://news.example.com/2024/05/07/software.html", id: "https://news.example.com/2024/05/07/software.html",
		published:  time.Date(2024, 5, 7, 8, 15, 0, 0, cst),
		categories: []string{"keji"},
	},
	// The navigation line ("[返回X](…)｜[返回首页](…)") names the
	// category, without 返回, and the site, which becomes the feed's link.
	"nav-line": {
		feedTitle: "feeds.example.com", self: goldenBase, home: "https://news.example.com/",
		title: "The navigation line names the category and the site", link: "http://news.example.com/html_News/NewsShare.html?infoCode=NW202406111325000010", id: "http://news.example.com/html_News/NewsShare.html?infoCode=NW202406111325000010",
		published:  time.Date(2024, 6, 11, 13, 25, 0, 0, cst),
		categories: []string{"科技新闻", "科技新闻"},
		lacks:      []string{"返回"},
	},
	// last_modified_at moves the updated time only.
	"last-modified": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "An article edited two days later", link: "https://news.example.com/2024/04/18/edited.html", id: "https://news.example.com/2024/04/18/edited.html",
		published:  time.Date(2024, 4, 18, 15, 35, 42, 0, cst),
		updated:    time.Date(2024, 4, 20, 9, 0, 0, 0, cst),
		categories: []string{"keji"},
	},
	// A description replaces the summary taken from the body, and wins
	// over an excerpt.
	"description": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "A summary written by hand", link: "https://news.example.com/2024/06/19/description.html", id: "https://news.example.com/2024/06/19/description.html",
		published:  time.Date(2024, 6, 19, 9, 2, 17, 0, cst),
		categories: []string{"caijing"},
		summary:    "Cash management yields fell again in the second quarter.",
		has:        []string{"This first paragraph would be the summary"},
	},
	// An excerpt in HTML becomes a plain-text summary.
	"excerpt": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "An excerpt in HTML", link: "https://news.example.com/2024/06/20/excerpt.html", id: "https://news.example.com/2024/06/20/excerpt.html",
		published:  time.Date(2024, 6, 20, 9, 0, 0, 0, cst),
		categories: []string{"caijing"},
		summary:    "Bond funds gained & money funds slipped.",
	},
	// CJK title, body, category label and tags, in a tag feed whose name
	// is percent-encoded in its URLs; the em_media line names the source.
	"cjk": {
		page:      true,
		feedTitle: "#港口航运", self: goldenBase + "tag/%E6%B8%AF%E5%8F%A3%E8%88%AA%E8%BF%90/",
		title: "“一带一路”沿线港口研发投入创新高", link: "http://news.example.com/html_News/NewsShare.html?infoCode=NW202405211111110007", id: "http://news.example.com/html_News/NewsShare.html?infoCode=NW202405211111110007",
		published:  time.Date(2024, 5, 21, 11, 11, 11, 0, cst),
		categories: []string{"港口航运", "港口航运", "一带一路"},
		author:     "示例财经网",
		summary:    "记者从多家港口和航运企业了解到，今年以来，相关企业在研发方面的投入明显增加。 （文章来源：示例财经网）",
		has:        []string{"<p>记者从多家港口和航运企业了解到"},
	},
	// The body's first image is the item's picture (media:thumbnail,
	// JSON image).
	"image": {
		page:      true,
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "An article with a picture", link: "https://news.example.com/2024/05/14/planting.html", id: "https://news.example.com/2024/05/14/planting.html",
		published:  time.Date(2024, 5, 14, 21, 45, 0, 0, cdt),
		categories: []string{"english"},
		image:      "https://img.example.com/2024/05/planting.jpg",
		has:        []string{`<img src="https://img.example.com/2024/05/planting.jpg"`},
	},
	// A declared picture, the feed's stand-in for an enclosure (feedgen
	// writes none: its length and type are unknown, and readers treat
	// enclosures as downloads): the front matter's image, resolved against
	// the link, ahead of the chart in the body; the hidden paragraph goes.
	"enclosure": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "A declared cover image", link: "https://news.example.com/2024/05/06/cover.html", id: "https://news.example.com/2024/05/06/cover.html",
		published:  time.Date(2024, 5, 6, 9, 30, 0, 0, cst),
		categories: []string{"caijing"},
		image:      "https://news.example.com/images/2024/05/cover.jpg",
		has:        []string{`src="https://chart.example.com/GetPic.aspx?nid=1.600000&amp;imageType=k"`},
		lacks:      []string{"display:none", "EM_StockImg"},
	},
	// Relative URLs in the body resolve against the article's link.
	"relative-urls": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "Relative links in the body", link: "https://news.example.com/2024/05/16/wheat.html", id: "https://news.example.com/2024/05/16/wheat.html",
		published:  time.Date(2024, 5, 16, 8, 0, 0, 0, cst),
		categories: []string{"nongye"},
		image:      "https://news.example.com/2024/05/16/figures/wheat.png",
		has:        []string{`href="https://news.example.com/2024/05/15/related.html"`, `src="https://news.example.com/2024/05/16/figures/wheat.png"`, "the note"},
	},
	// Script, style, iframe, event handlers, javascript: URLs and hidden
	// text are dropped; markup in the title is read as text.
	"sanitise": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "Unsafe HTML & friends", link: "https://news.example.com/2024/05/30/unsafe.html", id: "https://news.example.com/2024/05/30/unsafe.html",
		published:  time.Date(2024, 5, 30, 18, 0, 0, 0, cst),
		categories: []string{"keji"},
		summary:    "Only this text and this link text stay.",
		has:        []string{"<b>this text</b>", "this link text"},
		lacks:      []string{"script", "alert", "steal", "onclick", "color: red", "iframe", "ads.example.com", "Hidden text", "javascript"},
	},
	// An archive document: fh:archive, self at its month, current, and
	// both neighbours; a JSON Feed walks back with next_url.
	"archive": {
		feedTitle: "caijing", self: goldenBase + "category/caijing/archive/2024/05/",
		title: "An item in the May 2024 archive document", link: "https://news.example.com/2024/05/06/archived.html", id: "https://news.example.com/2024/05/06/archived.html",
		published:  time.Date(2024, 5, 6, 9, 30, 0, 0, cst),
		categories: []string{"caijing"},
		archive:    true, current: goldenBase + "category/caijing/",
		prev: goldenBase + "category/caijing/archive/2024/04/", next: goldenBase + "category/caijing/archive/2024/06/",
	},
	// A subscription document of an archived feed links its newest
	// archive document.
	"subscription": {
		feedTitle: "caijing", self: goldenBase + "category/caijing/",
		title: "The newest item of an archived feed", link: "https://news.example.com/2024/06/27/newest.html", id: "https://news.example.com/2024/06/27/newest.html",
		published:  time.Date(2024, 6, 27, 20, 30, 0, 0, cst),
		categories: []string{"caijing"},
		author:     "张三",
		prev:       goldenBase + "category/caijing/archive/2024/05/",
	},
	// WebSub hubs: atom:link rel="hub" in RSS and Atom, hubs in JSON Feed.
	"hubs": {
		feedTitle: "feeds.example.com", self: goldenBase,
		title: "A feed pushed by WebSub hubs", link: "https://news.example.com/2024/06/01/websub.html", id: "https://news.example.com/2024/06/01/websub.html",
		published:  time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		categories: []string{"keji"},
		hubs:       []string{"https://hub.example.com/", "https://websub.example.net/hub?topic=feeds"},
	},
	// A feed with no item is still a valid document.
	"empty": {feedTitle: "An empty site", self: goldenBase},
	// OPML: each feed once, in RSS.
	"subscriptions": {opml: []string{
		goldenBase + "rss.xml",
		goldenBase + "category/caijing/rss.xml",
		goldenBase + "category/keji/rss.xml",
		goldenBase + "tag/%E5%B8%82%E5%9C%BA/rss.xml",
	}},
}

// TestGoldenPairs renders every case in testdata and compares it with its
// expected documents byte for byte; see "Golden pairs" above.
func TestGoldenPairs(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".txt") || strings.HasSuffix(n, ".yaml")) {
			cases = append(cases, strings.TrimSuffix(strings.TrimSuffix(n, ".txt"), ".yaml"))
		}
	}
	slices.Sort(cases)
	cases = slices.Compact(cases) // a case with both a .txt and a .yaml
	for name := range goldenWants {
		if !slices.Contains(cases, name) {
			t.Errorf("goldenWants has %q, but testdata has no %s.txt or %s.yaml", name, name, name)
		}
	}
	known := map[string]bool{}
	for _, name := range cases {
		known[name+".txt"], known[name+".yaml"] = true, true
		w, ok := goldenWants[name]
		if !ok {
			t.Errorf("testdata case %q has no entry in goldenWants", name)
			continue
		}
		outs := goldenOutputs(w, name)
		for _, o := range outs {
			known[o] = true
		}
		t.Run(name, func(t *testing.T) { runGoldenCase(t, name, w) })
	}
	for _, e := range entries {
		if !known[e.Name()] {
			t.Errorf("testdata/%s belongs to no case", e.Name())
		}
	}
}

// goldenOutputs are the expected files of case name.
func goldenOutputs(w goldenWant, name string) []string {
	if w.opml != nil {
		return []string{name + ".opml"}
	}
	var out []string
	for _, f := range layout.Formats {
		out = append(out, name+"."+f.FileName())
	}
	if w.page {
		out = append(out, name+".page.html")
	}
	return out
}

func runGoldenCase(t *testing.T, name string, w goldenWant) {
	cfg, gc, a := loadGoldenCase(t, name)
	if (len(gc.OPML) > 0) != (w.opml != nil) {
		t.Fatalf("%s.yaml and goldenWants disagree on whether the case is an OPML list", name)
	}
	if w.opml != nil {
		var entries []IndexEntry
		for _, o := range gc.OPML {
			entries = append(entries, IndexEntry{FeedInfo: FeedInfo{Key: goldenKey(t, o.Feed), Title: o.Title, Link: o.Link}})
		}
		out := OPML(&cfg, entries)
		compareGolden(t, name+".opml", out)
		if err := feedcheck.Check("feeds.opml", out); err != nil {
			t.Errorf("feedcheck: %v", err)
		}
		checkOPML(t, out, w.opml)
		return
	}
	fi := goldenFeedInfo(t, &cfg, gc, a)
	var frags [3][]byte
	var items []*article.Article
	if a != nil {
		frags = ItemFragments(&cfg, a)
		items = []*article.Article{a}
	}
	if w.page {
		checkGoldenPage(t, name, &cfg, fi, w, frags[layout.JSON])
	}
	for _, f := range layout.Formats {
		var fr [][]byte
		if a != nil {
			fr = [][]byte{frags[f]}
		}
		out := Feed(&cfg, f, fi, FragList(fr))
		compareGolden(t, name+"."+f.FileName(), out)
		if fi.Archive == (ArchiveInfo{}) {
			if whole := renderWhole(&cfg, f, fi, items); !bytes.Equal(out, whole) {
				t.Errorf("%s: the spliced fragment differs from the whole document\n%s", f.FileName(), firstDiff(string(out), string(whole)))
			}
		}
		// The published path, so that feedcheck compares the self link
		// with the file's name.
		docPath := fi.Key.Path(f)
		if !fi.Archive.Doc.IsZero() {
			docPath = fi.Key.ArchivePath(fi.Archive.Doc, f)
		}
		if err := feedcheck.Check(strings.TrimPrefix(docPath, "/"), out); err != nil {
			t.Errorf("feedcheck %s:\n%v", f.FileName(), err)
		}
		checkParsed(t, f, out, w)
	}
}

// loadGoldenCase reads case name: its configuration (normalised), its
// case file (zero without one) and its article (nil without one).
func loadGoldenCase(t *testing.T, name string) (config.Config, goldenCase, *article.Article) {
	t.Helper()
	cfg := config.Config{BaseURL: goldenBase, Limit: config.DefaultLimit}
	var gc goldenCase
	data, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		t.Fatal(err)
	default:
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&gc); err != nil {
			t.Fatalf("%s.yaml: %v", name, err)
		}
	}
	if !gc.Site.IsZero() {
		site, err := yaml.Marshal(&gc.Site)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "feedgen.yaml")
		if err := os.WriteFile(p, site, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := config.LoadConfigFile(p, &cfg); err != nil {
			t.Fatalf("%s.yaml: site: %v", name, err)
		}
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatalf("%s.yaml: site: %v", name, err)
	}
	data, err = os.ReadFile(filepath.Join("testdata", name+".txt"))
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, gc, nil
	}
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(cfg.BaseURL)
	opts := article.ParseOptions{Location: cfg.Location, TagAuthority: u.Hostname(), DefaultBase: cmp.Or(cfg.Link, cfg.BaseURL)}
	a, err := article.Parse(name+".txt", data, opts)
	if err != nil {
		t.Fatalf("%s.txt: %v", name, err)
	}
	return cfg, gc, a
}

// goldenKey reads a feed key: "all" or "", "category/NAME", "tag/NAME".
func goldenKey(t *testing.T, s string) layout.FeedKey {
	t.Helper()
	kind, name, _ := strings.Cut(s, "/")
	switch kind {
	case "", "all":
		return layout.FeedKey{Kind: layout.KindAll}
	case "category":
		return layout.FeedKey{Kind: layout.KindCategory, Name: name}
	case "tag":
		return layout.FeedKey{Kind: layout.KindTag, Name: name}
	}
	t.Fatalf("feed %q: want all, category/NAME or tag/NAME", s)
	return layout.FeedKey{}
}

func goldenMonth(t *testing.T, s string) layout.Month {
	t.Helper()
	if s == "" {
		return layout.Month{}
	}
	m, err := time.Parse("2006-01", s)
	if err != nil {
		t.Fatalf("month %q: want YYYY-MM", s)
	}
	return layout.MonthOf(m)
}

// goldenFeedInfo is the feed around a case's item, named as the
// generator names feeds, in short: the site title, the category's
// configured title or slug, "#" and the tag.
func goldenFeedInfo(t *testing.T, cfg *config.Config, gc goldenCase, a *article.Article) FeedInfo {
	t.Helper()
	fi := FeedInfo{Key: goldenKey(t, gc.Feed), Link: cfg.BaseURL, Updated: Epoch, Hubs: cfg.Hubs}
	if a != nil {
		fi.Updated = a.Updated
		fi.Link = cmp.Or(cfg.Link, a.SiteHome, cfg.BaseURL)
	}
	switch fi.Key.Kind {
	case layout.KindAll:
		fi.Title = cfg.Title
		fi.Description = cmp.Or(cfg.Description, cfg.Title)
	case layout.KindCategory:
		fi.Title = cmp.Or(cfg.Categories[fi.Key.Name].Title, fi.Key.Name)
		fi.Description = fi.Title + " · " + cfg.Title
	case layout.KindTag:
		fi.Title = "#" + fi.Key.Name
		fi.Description = fi.Title + " · " + cfg.Title
	}
	fi.Archive = ArchiveInfo{Doc: goldenMonth(t, gc.Archive.Doc), Prev: goldenMonth(t, gc.Archive.Prev), Next: goldenMonth(t, gc.Archive.Next)}
	return fi
}

// compareGolden compares got with testdata/file, or writes it there with
// -update.
// checkGoldenPage renders the HTML page of a case's feed, holding its one
// item, and compares it with CASE.page.html.
func checkGoldenPage(t *testing.T, name string, cfg *config.Config, fi FeedInfo, w goldenWant, frag []byte) {
	t.Helper()
	items, err := PageItems(cfg, [][]byte{frag})
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	if fi.Key.Kind == layout.KindAll {
		out = Index(cfg, []IndexEntry{{FeedInfo: fi, Items: 1}}, nil, 1, items)
	} else {
		out = Page(cfg, fi, 1, items)
	}
	compareGolden(t, name+".page.html", out)
	if err := feedcheck.CheckHTML(out); err != nil {
		t.Errorf("feedcheck: %v", err)
	}
	for _, want := range []string{html.EscapeString(w.title), `href="` + html.EscapeString(w.link) + `"`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("%s.page.html does not show %s", name, want)
		}
	}
	hasThumb := strings.Contains(string(out), `<img class="thumb"`)
	if w.image == "" && hasThumb || w.image != "" && !strings.Contains(string(out), `<img class="thumb" src="`+w.image+`"`) {
		t.Errorf("%s.page.html: thumbnail wrong, want %q", name, w.image)
	}
}

func compareGolden(t *testing.T, file string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test -run TestGoldenPairs -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from what is rendered now (review, then go test -run TestGoldenPairs -update)\n%s", p, firstDiff(string(got), string(want)))
	}
}

var feedTypes = [...]gofeed.FeedType{layout.RSS: gofeed.FeedTypeRSS, layout.Atom: gofeed.FeedTypeAtom, layout.JSON: gofeed.FeedTypeJSON}

// checkParsed reads body back with gofeed and compares what a reader sees
// with w.
func checkParsed(t *testing.T, f layout.Format, body []byte, w goldenWant) {
	t.Helper()
	name := f.FileName()
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Errorf("gofeed %s: %v", name, err)
		return
	}
	if typ := gofeed.DetectFeedType(bytes.NewReader(body)); typ != feedTypes[f] {
		t.Errorf("gofeed %s: detected as type %d, want %d", name, typ, feedTypes[f])
	}
	eq(t, name+": feed title", feed.Title, w.feedTitle)
	// JSON Feed has no archive vocabulary: an archive document's feed_url
	// stays the subscription document's.
	self := w.self
	if f == layout.JSON && w.archive {
		self = w.current
	}
	eq(t, name+": feed self link", feed.FeedLink, self+name)
	eq(t, name+": feed home page", feed.Link, cmp.Or(w.home, goldenBase))
	want := 1
	if w.title == "" {
		want = 0
	}
	if len(feed.Items) != want {
		t.Fatalf("gofeed %s: %d items, want %d", name, len(feed.Items), want)
	}
	published, updated := w.published, cmp.Or(w.updated, w.published)
	if w.title == "" {
		updated = Epoch
	}
	if f != layout.JSON { // JSON Feed has no feed-level date
		eqTime(t, f, name+": feed updated", feed.Updated, feed.UpdatedParsed, updated)
	}
	checkHistory(t, f, body, w)
	checkHubs(t, f, body, w.hubs)
	if w.title == "" {
		return
	}
	it := feed.Items[0]
	eq(t, name+": title", it.Title, w.title)
	eq(t, name+": link", it.Link, w.link)
	eq(t, name+": id", it.GUID, w.id)
	eqTime(t, f, name+": published", it.Published, it.PublishedParsed, published)
	if f != layout.RSS { // RSS items have no updated time
		eqTime(t, f, name+": updated", it.Updated, it.UpdatedParsed, updated)
	}
	cats := w.categories
	if f == layout.JSON {
		cats = nil
		for _, c := range w.categories {
			if !slices.Contains(cats, c) {
				cats = append(cats, c)
			}
		}
	}
	if !slices.Equal(it.Categories, cats) {
		t.Errorf("%s: categories %q, want %q", name, it.Categories, cats)
	}
	var author string
	if len(it.Authors) > 0 {
		author = it.Authors[0].Name
	}
	eq(t, name+": author", author, w.author)
	if w.summary != "" {
		got := it.Description
		if f == layout.RSS {
			got = html.UnescapeString(got) // RSS descriptions are HTML
		}
		eq(t, name+": summary", got, w.summary)
	}
	for _, s := range w.has {
		if !strings.Contains(it.Content, s) {
			t.Errorf("%s: content lacks %q:\n%s", name, s, it.Content)
		}
	}
	for _, s := range w.lacks {
		if strings.Contains(it.Content, s) || strings.Contains(it.Description, s) {
			t.Errorf("%s: content or summary holds %q:\n%s", name, s, it.Content)
		}
	}
	var image string
	switch f {
	case layout.RSS:
		if th := it.Extensions["media"]["thumbnail"]; len(th) > 0 {
			image = th[0].Attrs["url"]
		}
	case layout.JSON:
		if it.Image != nil {
			image = it.Image.URL
		}
	}
	if f != layout.Atom { // Atom has no element for an entry's picture
		eq(t, name+": image", image, w.image)
	}
}

// checkHistory compares the document's RFC 5005 links with w.
func checkHistory(t *testing.T, f layout.Format, body []byte, w goldenWant) {
	t.Helper()
	name := f.FileName()
	h, err := feedcheck.Links([...]string{"rss", "atom", "json"}[f], body)
	if err != nil {
		t.Errorf("%s: %v", name, err)
		return
	}
	file := func(dir string) string {
		if dir == "" {
			return ""
		}
		return dir + name
	}
	want := feedcheck.History{Prev: file(w.prev)}
	if f != layout.JSON {
		want = feedcheck.History{Archive: w.archive, Self: file(w.self), Current: file(w.current), Prev: file(w.prev), Next: file(w.next)}
	}
	if h != want {
		t.Errorf("%s: archive links %+v, want %+v", name, h, want)
	}
}

// checkHubs compares the hubs the document advertises with want. gofeed's
// reader-side Feed keeps no hubs, so each format is read at its own level.
func checkHubs(t *testing.T, f layout.Format, body []byte, want []string) {
	t.Helper()
	var got []string
	switch f {
	case layout.RSS:
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		for _, l := range feed.Extensions["atom"]["link"] {
			if l.Attrs["rel"] == "hub" {
				got = append(got, l.Attrs["href"])
			}
		}
	case layout.Atom:
		feed, err := (&atom.Parser{}).Parse(bytes.NewReader(body))
		if err != nil {
			t.Error(err)
			return
		}
		for _, l := range feed.Links {
			if l.Rel == "hub" {
				got = append(got, l.Href)
			}
		}
	case layout.JSON:
		var doc struct {
			Hubs []struct{ Type, URL string } `json:"hubs"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Error(err)
			return
		}
		for _, h := range doc.Hubs {
			if h.Type != "WebSub" {
				t.Errorf("%s: hub %s has type %q, want WebSub", f.FileName(), h.URL, h.Type)
			}
			got = append(got, h.URL)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: hubs %q, want %q", f.FileName(), got, want)
	}
}

// checkOPML compares the outlines' feed URLs with want.
func checkOPML(t *testing.T, body []byte, want []string) {
	t.Helper()
	var doc struct {
		Groups []struct {
			Outlines []struct {
				XMLURL string `xml:"xmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("opml: %v", err)
	}
	var got []string
	for _, g := range doc.Groups {
		for _, o := range g.Outlines {
			got = append(got, o.XMLURL)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("opml: feeds %q, want %q", got, want)
	}
}

func eq(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// eqTime checks the instant gofeed parsed (in UTC for RSS and Atom) and
// the zone offset of the date as written, raw, which is the article's own.
func eqTime(t *testing.T, f layout.Format, what, raw string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: none, want %s", what, want.Format(time.RFC3339))
		return
	}
	written, err := time.Parse([...]string{time.RFC1123Z, time.RFC3339, time.RFC3339}[f], raw)
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	_, rawOff := written.Zone()
	_, wantOff := want.Zone()
	if !got.Equal(want) || !written.Equal(want) || rawOff != wantOff {
		t.Errorf("%s: %s (written %q), want %s", what, got.Format(time.RFC3339), raw, want.Format(time.RFC3339))
	}
}
