package render

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"feedgen/feedgen/config"
	"feedgen/layout"
)

// The HTML pages: one per feed (index.html in the feed's folder), showing a
// person what the feed holds and how to subscribe, and the global feed's
// page, which is also the site index (indexpage.go). Browsers no longer
// dress feeds with XSLT, so the page is made here, from the same items as
// the feed, and published in the same snapshot: serve and build agree on
// it as on the feeds.

//go:embed pagetmpl/page.html pagetmpl/items.html pagetmpl/style.css
var pageFS embed.FS

var (
	pageTmpl  = template.Must(template.ParseFS(pageFS, "pagetmpl/page.html"))
	itemsTmpl = template.Must(template.ParseFS(pageFS, "pagetmpl/items.html"))
	pageCSS   = mustRead("pagetmpl/style.css")
)

func mustRead(name string) string {
	b, err := pageFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot be missing
	}
	return string(b)
}

// styleHash is the CSP source expression that allows the inline style
// sheet, and nothing else.
func styleHash() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// pageData is what page.html shows.
type pageData struct {
	Lang, HeadTitle, Title, Description string
	T                                   messages // the interface text, in the site's language
	CSP                                 string
	CSS                                 template.CSS
	// The bar at the top: the site's title linking to the index (Home),
	// and the listing pages of categories and tags.
	Home, SiteTitle string
	Kinds           []kindLink
	// Crumb names the kind of feed a feed's page shows, linking to the
	// listing page of that kind; none on the index and the listing pages.
	Crumb, CrumbHref string
	Alternates       template.HTML
	// Archive is the RFC 5005 archive block under the description
	// (archivepage.go); empty when the feed has no archive documents.
	Archive   template.HTML
	Subscribe []subscribeLink
	Readers   []readerLink
	Count     int
	Items     template.HTML // rendered by itemsTmpl
	Sections  []indexSection
	OPML      string
}

// kindLink is a link of the top bar to the listing page of a kind.
type kindLink struct {
	Label, Href string
	Current     bool
}

// subscribeLink is one feed address in the subscribe block: the absolute
// URL as text, to copy, and a link relative to the page.
type subscribeLink struct {
	Label, Type, Href, URL string
	// Wrapped is URL with a line-break opportunity after each slash, so
	// that on a phone the address wraps between its parts rather than
	// inside a word; copying it gives URL.
	Wrapped template.HTML
}

// readerLink adds a feed to a web feed reader in one click.
type readerLink struct {
	Name, Href string
}

// webReaders are the common web feed readers and how each is handed a
// feed's address: the whole address, escaped as a query value, after a
// fixed prefix.
var webReaders = []struct{ name, prefix string }{
	{"Feedly", "https://feedly.com/i/subscription/feed/"},
	{"Inoreader", "https://www.inoreader.com/?add_feed="},
	{"NewsBlur", "https://www.newsblur.com/?url="},
}

// readerLinks returns the links that add the feed at feedURL to each web
// reader.
func readerLinks(feedURL string) []readerLink {
	out := make([]readerLink, len(webReaders))
	for i, r := range webReaders {
		out[i] = readerLink{Name: r.name, Href: r.prefix + url.QueryEscape(feedURL)}
	}
	return out
}

// wrapAtSlashes escapes u for HTML and puts a <wbr> after each slash but
// those of the scheme's "//".
func wrapAtSlashes(u string) template.HTML {
	head, rest := "", u
	if i := strings.Index(u, "://"); i >= 0 {
		head, rest = u[:i+3], u[i+3:]
	}
	parts := strings.Split(rest, "/")
	for i, p := range parts {
		parts[i] = template.HTMLEscapeString(p)
	}
	return template.HTML(template.HTMLEscapeString(head) + strings.Join(parts, "/<wbr>")) // every part escaped
}

// pageItem is one item as the page shows it.
type pageItem struct {
	ID, URL, Title, Summary, Image, Source string
	DateISO, DateText                      string
}

// jsonItem is the part of a rendered JSON Feed item the page needs. The
// page is made from the item's JSON fragment, which the state keeps for
// every shown article, so that it needs no rendered form of its own.
type jsonItem struct {
	ID      string `json:"id"`
	URL     string `json:"url"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
	Image   string `json:"image"`
	Date    string `json:"date_published"`
	Authors []struct {
		Name string `json:"name"`
	} `json:"authors"`
}

// contentKey starts the member that holds an item's whole body. It can only
// be a member name: inside a JSON string every quote is escaped, so a
// quote followed by a colon never occurs there.
var contentKey = []byte(`"content_html": "`)

// withoutContent returns the fragment without its content_html member,
// which a page does not show and which is most of the fragment's bytes:
// decoding it would be most of a page's cost. A fragment it does not
// recognise is returned whole.
func withoutContent(frag []byte) []byte {
	at := bytes.Index(frag, contentKey)
	if at < 0 {
		return frag
	}
	for i := at + len(contentKey); i < len(frag); i++ {
		switch frag[i] {
		case '\\':
			i++ // the escaped byte; escapes are ASCII
		case '"':
			rest := frag[i+1:]
			if len(rest) == 0 || rest[0] != ',' {
				return frag // the last member: leave it to the decoder
			}
			out := make([]byte, 0, at+len(rest))
			return append(append(out, frag[:at]...), rest[1:]...)
		}
	}
	return frag
}

// pageItemOf reads a JSON Feed item fragment.
func pageItemOf(frag []byte) (pageItem, error) { return decodePageItem(withoutContent(frag)) }

// decodePageItem reads a JSON Feed item, with or without its content.
func decodePageItem(frag []byte) (pageItem, error) {
	var ji jsonItem
	if err := json.Unmarshal(frag, &ji); err != nil {
		return pageItem{}, fmt.Errorf("reading a rendered item for its page: %w", err)
	}
	it := pageItem{ID: ji.ID, URL: ji.URL, Title: ji.Title, Summary: ji.Summary}
	if strings.HasPrefix(ji.Image, "https://") || strings.HasPrefix(ji.Image, "http://") {
		it.Image = ji.Image // what the page's policy lets a browser load
	}
	if len(ji.Authors) > 0 {
		it.Source = ji.Authors[0].Name
	}
	if ji.Date != "" {
		// Parsing keeps the offset written, which is the article's own:
		// the page shows the time the article was published where it was.
		d, err := time.Parse(time.RFC3339Nano, ji.Date)
		if err != nil {
			return pageItem{}, fmt.Errorf("reading a rendered item for its page: date: %w", err)
		}
		it.DateISO = d.Format(time.RFC3339)
		it.DateText = d.Format("2006-01-02 15:04 UTC-07:00")
	}
	return it, nil
}

// PageItems renders the item list of a page from the items' JSON
// fragments, newest first as in the feed. An item whose link is the site's
// own home (an article with no link of its own) shows its title without a
// link: it would only lead back to the site.
func PageItems(cfg *config.Config, frags [][]byte) (template.HTML, error) {
	home := cmp.Or(cfg.Link, cfg.BaseURL)
	items := make([]pageItem, len(frags))
	for i, fr := range frags {
		it, err := pageItemOf(fr)
		if err != nil {
			return "", err
		}
		if it.URL == home {
			it.URL = ""
		}
		items[i] = it
	}
	var b bytes.Buffer
	if err := itemsTmpl.Execute(&b, items); err != nil {
		return "", fmt.Errorf("rendering a page's items: %w", err)
	}
	return template.HTML(b.String()), nil // rendered by itemsTmpl
}

// subscribeLinks lists feed k's three formats for the subscribe block and
// the autodiscovery links: the absolute URL to copy, and the link relative
// to the feed's own page, which sits in the feed's folder.
func subscribeLinks(cfg *config.Config, k layout.FeedKey) []subscribeLink {
	links := make([]subscribeLink, 0, len(layout.Formats))
	for _, f := range layout.Formats {
		u := k.URL(cfg.BaseURL, f)
		links = append(links, subscribeLink{Label: f.Label(), Type: f.MediaType(), Href: f.FileName(), URL: u, Wrapped: wrapAtSlashes(u)})
	}
	return links
}

// frame fills in what every page has: the language, the policy and sheet,
// and the top bar and footer, whose links are relative to a page up from
// the site root (by "", "../" or "../../").
func frame(cfg *config.Config, up string, current layout.Kind) pageData {
	t := messagesFor(cfg.Language)
	p := pageData{
		Lang: cfg.Language, T: t,
		CSP: layout.PageCSP, CSS: template.CSS(pageCSS), // our own embedded sheet
		Home: cmp.Or(up, "./"), SiteTitle: cfg.Title,
		OPML: up + strings.TrimPrefix(layout.OPMLPath, "/"),
	}
	for _, k := range []layout.Kind{layout.KindCategory, layout.KindTag} {
		p.Kinds = append(p.Kinds, kindLink{Label: kindLabel(t, k), Href: up + k.Folder() + "/", Current: k == current})
	}
	return p
}

// kindLabel names the feeds of kind k, as a heading ("Categories").
func kindLabel(t messages, k layout.Kind) string {
	if k == layout.KindTag {
		return t.Tags
	}
	return t.Categories
}

// Page renders the page of a category or tag feed.
func Page(cfg *config.Config, fi FeedInfo, count int, items template.HTML) []byte {
	p := frame(cfg, "../../", layout.KindAll)
	subs := subscribeLinks(cfg, fi.Key)
	alts := make([]indexAlt, len(subs))
	for i, s := range subs {
		alts[i] = indexAlt{Type: s.Type, Title: fi.Title + " (" + s.Label + ")", Href: s.Href}
	}
	var ab bytes.Buffer
	_ = altTmpl.Execute(&ab, alts) // fixed template over plain values
	p.HeadTitle, p.Title, p.Description = fi.Title+" · "+cfg.Title, fi.Title, fi.Description
	p.Crumb, p.CrumbHref = map[layout.Kind]string{layout.KindCategory: p.T.Category, layout.KindTag: p.T.Tag}[fi.Key.Kind], "../"
	p.Alternates = template.HTML(ab.String()) // rendered by altTmpl
	p.Subscribe, p.Readers = subs, readerLinks(subs[0].URL)
	p.Count, p.Items = count, items
	p.Archive = archiveBlock(p.T, fi.ArchiveMonths)
	return executePage(p)
}

// executePage runs the page template, whose data are plain values.
func executePage(p pageData) []byte {
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, p); err != nil {
		// The template is fixed and the data are plain values: an error
		// is a defect of the template, which the package's tests catch.
		panic("render: page template: " + err.Error())
	}
	return tight(b.Bytes())
}
