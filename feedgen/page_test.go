package feedgen

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
	"feedgen/layout"

	"golang.org/x/net/html"
)

// attr returns the value of n's attribute key, or "".
func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// pageIDs returns the data-id of every item on a page, in order, and the
// page's alternate links.
func pageIDs(t *testing.T, body []byte) (ids, alts []string) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "li" && attr(n, "class") == "item":
				ids = append(ids, attr(n, "data-id"))
			case n.Data == "link" && attr(n, "rel") == "alternate":
				alts = append(alts, attr(n, "href"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return ids, alts
}

// TestPagesShowTheirFeeds checks every feed's page against the feed: the
// same items in the same order, autodiscovery of its three formats, the
// absolute feed URLs to copy, and a page the HTML checker accepts.
func TestPagesShowTheirFeeds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := 0; i < 7; i++ {
		writeFile(t, dir, fmt.Sprintf("p%d.txt", i), post(fmt.Sprintf("长标题 post%d", i), fmt.Sprintf("2024-01-%02d 10:00:00 +0800", i+1), fmt.Sprintf("c%d", i%2), "财经 新闻", fmt.Sprintf("http://e.example/%d", i)))
	}
	cfg := sitetest.Config(t)
	cfg.Limit = 3
	_, s := generate(t, dir, cfg)
	pages := 0
	for _, p := range s.Paths() {
		if !strings.HasSuffix(p, "/feed.json") {
			continue
		}
		var feed struct {
			FeedURL string `json:"feed_url"`
			Items   []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(s.Get(p).Body, &feed); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		page := strings.TrimSuffix(p, "feed.json") + layout.PageFile
		f := s.Get(page)
		if f == nil {
			t.Errorf("%s has no page %s", p, page)
			continue
		}
		pages++
		if f.ContentType != layout.TypeHTML {
			t.Errorf("%s: content type %q", page, f.ContentType)
		}
		if err := feedcheck.CheckHTML(f.Body); err != nil {
			t.Errorf("%s: %v", page, err)
		}
		ids, alts := pageIDs(t, f.Body)
		var want []string
		for _, it := range feed.Items {
			want = append(want, it.ID)
		}
		if strings.Join(ids, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s shows items %q, the feed holds %q", page, ids, want)
		}
		if page != layout.IndexPath {
			if strings.Join(alts, " ") != "rss.xml atom.xml feed.json" {
				t.Errorf("%s: alternates %q", page, alts)
			}
		}
		base := strings.TrimSuffix(feed.FeedURL, "feed.json")
		// The addresses wrap at their slashes (<wbr>), and copy whole.
		unwrapped := bytes.ReplaceAll(f.Body, []byte("/<wbr>"), []byte("/"))
		for _, fn := range []string{"rss.xml", "atom.xml", "feed.json"} {
			if !bytes.Contains(unwrapped, []byte("<code>"+html.EscapeString(base)+fn+"</code>")) {
				t.Errorf("%s: no address %s%s to copy", page, base, fn)
			}
		}
		// The policy as a browser reads the attribute: entities decoded
		// (html/template writes a "+" of the hash as "&#43;").
		_, meta, _ := strings.Cut(string(f.Body), `http-equiv="Content-Security-Policy" content="`)
		meta, _, _ = strings.Cut(meta, `"`)
		if html.UnescapeString(meta) != layout.PageCSP {
			t.Errorf("%s does not carry its Content-Security-Policy: %q", page, meta)
		}
		_, css, _ := strings.Cut(string(f.Body), "<style>")
		css, _, found := strings.Cut(css, "</style>")
		sum := sha256.Sum256([]byte(css))
		if !found || !strings.Contains(layout.PageCSP, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
			t.Errorf("%s does not hold the style sheet byte for byte (its hash does not match the policy's)", page)
		}
	}
	if pages != 5 { // global, c0, c1, two tags
		t.Errorf("%d pages, want 5", pages)
	}
	// The index links every other page, at its folder.
	idx := string(s.Get(layout.IndexPath).Body)
	for _, want := range []string{`href="category/c0/"`, `href="category/c1/"`, `href="tag/%e8%b4%a2%e7%bb%8f/"`, `href="feeds.opml"`} {
		if !strings.Contains(strings.ToLower(idx), want) {
			t.Errorf("index has no %s", want)
		}
	}
}

// TestPageRenderedOnlyWithItsFeed holds pages to the incremental rule of
// the feeds: an edit re-renders the pages of the feeds it changes, and the
// others keep their very file (same bytes, same modification time).
func TestPageRenderedOnlyWithItsFeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		writeFile(t, dir, fmt.Sprintf("p%d.txt", i), post(fmt.Sprintf("post%d", i), fmt.Sprintf("2024-01-%02d 10:00:00 +0800", i+1), fmt.Sprintf("c%d", i%2), "t", fmt.Sprintf("http://e.example/%d", i)))
	}
	g, before := generate(t, dir, sitetest.Config(t))
	writeFile(t, dir, "p1.txt", post("post1 edited", "2024-01-02 10:00:00 +0800", "c1", "t", "http://e.example/1"))
	g.Update([]string{dir + "/p1.txt"})
	after := g.Snapshot().Snapshot
	for p, changed := range map[string]bool{"/category/c0/index.html": false, "/category/c1/index.html": true, "/tag/t/index.html": true, "/index.html": true} {
		same := before.Get(p) == after.Get(p)
		if same == changed {
			t.Errorf("%s: kept %v, want kept %v", p, same, !changed)
		}
		if changed && !strings.Contains(string(after.Get(p).Body), "post1 edited") {
			t.Errorf("%s does not show the edit", p)
		}
	}
}
