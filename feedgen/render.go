package feedgen

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"time"

	"github.com/gorilla/feeds"

	"feedgen/layout"
)

// The output layout is defined once, in package layout; these aliases keep
// the generator's own vocabulary short.
type (
	// Format is a feed format (layout.Format).
	Format = layout.Format
	// Kind is the kind of a feed (layout.Kind).
	Kind = layout.Kind
	// FeedKey names a feed (layout.FeedKey).
	FeedKey = layout.FeedKey
)

// The formats and kinds of feed (see package layout).
const (
	RSS          = layout.RSS
	Atom         = layout.Atom
	JSON         = layout.JSON
	KindAll      = layout.KindAll
	KindCategory = layout.KindCategory
	KindTag      = layout.KindTag
)

// Formats lists every format.
var Formats = layout.Formats

// FeedInfo is a feed's own data, besides its items.
type FeedInfo struct {
	Key         FeedKey
	Title       string
	Description string
	Link        string    // the home page the feed belongs to (absolute)
	Updated     time.Time // the newest item's updated time
}

// epoch stands in for the updated time of a feed with no item. Atom requires
// an <updated>; the clock would break byte-for-byte reproducibility.
var epoch = time.Unix(0, 0).UTC()

const generator = "feedgen"

// Namespaces written into RSS. gorilla/feeds declares only content:.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

// rssDoc wraps gorilla's channel with the namespaces it omits.
type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	NSAtom    string     `xml:"xmlns:atom,attr"`
	NSContent string     `xml:"xmlns:content,attr"`
	NSDC      string     `xml:"xmlns:dc,attr"`
	NSMedia   string     `xml:"xmlns:media,attr"`
	Channel   rssChannel `xml:"channel"`
}

// rssChannel extends gorilla's RssFeed with the atom:link rel="self" that RSS
// best practice asks for; Items shadows gorilla's to carry the richer items.
type rssChannel struct {
	AtomLink rssAtomLink `xml:"atom:link"`
	feeds.RssFeed
	Items []*rssItem `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// rssItem extends gorilla's item: several categories (gorilla has one),
// dc:creator for a source that is a name and not an e-mail address, and a
// media:thumbnail for the image (an enclosure would need a length and type
// that we do not know, and readers treat enclosures as downloads).
type rssItem struct {
	feeds.RssItem
	Creator    string         `xml:"dc:creator,omitempty"`
	Categories []rssCategory  `xml:"category"`
	Thumbnail  *rssMediaThumb `xml:"media:thumbnail"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

type rssMediaThumb struct {
	URL string `xml:"url,attr"`
}

func rfc822(t time.Time) string  { return t.Format(time.RFC1123Z) }
func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// rssDocFor builds an RSS 2.0 document with the given items.
func rssDocFor(cfg *Config, fi FeedInfo, items []*rssItem) rssDoc {
	updated := fi.Updated
	return rssDoc{
		Version: "2.0", NSAtom: nsAtom, NSContent: nsContent, NSDC: nsDC, NSMedia: nsMedia,
		Channel: rssChannel{
			AtomLink: rssAtomLink{Href: fi.Key.URL(cfg.BaseURL, RSS), Rel: "self", Type: RSS.MediaType()},
			RssFeed: feeds.RssFeed{
				Title:         fi.Title,
				Link:          fi.Link,
				Description:   fi.Description,
				Language:      cfg.Language,
				LastBuildDate: rfc822(updated),
				PubDate:       rfc822(updated),
				Generator:     generator,
				Docs:          "https://www.rssboard.org/rss-specification",
			},
			Items: items,
		},
	}
}

// rssItemFor builds the RSS item of an article. It depends on the article
// and the configuration only, so it renders the same in every feed.
func rssItemFor(cfg *Config, a *Article) *rssItem {
	it := &rssItem{
		RssItem: feeds.RssItem{
			Title:       a.Title,
			Link:        itemLink(cfg, a),
			Description: a.Summary,
			PubDate:     rfc822(a.Published),
			Guid:        &feeds.RssGuid{Id: a.ID, IsPermaLink: "false"},
		},
		Creator: a.Author,
	}
	if a.ID == a.Link {
		it.Guid.IsPermaLink = "true"
	}
	if a.Content != "" {
		it.Content = &feeds.RssContent{Content: a.Content}
	}
	for _, c := range a.Categories {
		it.Categories = append(it.Categories, rssCategory{Domain: kindURL(cfg, KindCategory), Name: categoryLabel(cfg, a, c)})
	}
	for _, t := range a.Tags {
		it.Categories = append(it.Categories, rssCategory{Domain: kindURL(cfg, KindTag), Name: t})
	}
	if a.Image != "" {
		it.Thumbnail = &rssMediaThumb{URL: a.Image}
	}
	return it
}

// itemLink is the item's link: the original article, else the site.
func itemLink(cfg *Config, a *Article) string {
	if a.Link != "" {
		return a.Link
	}
	if a.SiteHome != "" {
		return a.SiteHome
	}
	if cfg.Link != "" {
		return cfg.Link
	}
	return cfg.BaseURL
}

// kindURL is the URL of the folder that holds the feeds of kind k (ending
// with a slash): the domain of an RSS category and the scheme of an Atom
// category.
func kindURL(cfg *Config, k Kind) string { return cfg.BaseURL + k.Folder() + "/" }

// categoryLabel is the human name of category slug as an item shows it: the
// configured title, else the name the article's own navigation line gives
// its first category, else the slug. It depends on the article alone, so an
// item renders the same in every feed it appears in.
func categoryLabel(cfg *Config, a *Article, slug string) string {
	if t := cfg.Categories[slug].Title; t != "" {
		return t
	}
	if a.CategoryName != "" && len(a.Categories) > 0 && a.Categories[0] == slug {
		return a.CategoryName
	}
	return slug
}

// atomFeed extends gorilla's AtomFeed: several links (self and alternate;
// gorilla writes one), xml:lang, a generator, and entries with categories
// that carry the required term attribute.
type atomFeed struct {
	feeds.AtomFeed
	Lang      string           `xml:"xml:lang,attr,omitempty"`
	Links     []feeds.AtomLink `xml:"link"`
	Generator string           `xml:"generator,omitempty"`
	Entries   []*atomEntry     `xml:"entry"`
}

type atomEntry struct {
	feeds.AtomEntry
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term   string `xml:"term,attr"`
	Scheme string `xml:"scheme,attr,omitempty"`
	Label  string `xml:"label,attr,omitempty"`
}

// atomDocFor builds an Atom 1.0 feed with the given entries.
func atomDocFor(cfg *Config, fi FeedInfo, entries []*atomEntry) atomFeed {
	self := fi.Key.URL(cfg.BaseURL, Atom)
	return atomFeed{
		AtomFeed: feeds.AtomFeed{
			Xmlns:    nsAtom,
			Title:    fi.Title,
			Id:       self,
			Updated:  rfc3339(fi.Updated),
			Subtitle: fi.Description,
			// An author on the feed satisfies RFC 4287 for entries that name
			// no source of their own.
			Author: &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: cfg.Title}},
		},
		Lang: cfg.Language,
		Links: []feeds.AtomLink{
			{Href: self, Rel: "self", Type: Atom.MediaType()},
			{Href: fi.Link, Rel: "alternate", Type: "text/html"},
		},
		Generator: generator,
		Entries:   entries,
	}
}

// atomEntryFor builds the Atom entry of an article.
func atomEntryFor(cfg *Config, a *Article) *atomEntry {
	e := &atomEntry{AtomEntry: feeds.AtomEntry{
		Title:     a.Title,
		Id:        a.ID,
		Updated:   rfc3339(a.Updated),
		Published: rfc3339(a.Published),
		Links:     []feeds.AtomLink{{Href: itemLink(cfg, a), Rel: "alternate", Type: "text/html"}},
	}}
	if a.Summary != "" {
		e.Summary = &feeds.AtomSummary{Content: a.Summary, Type: "text"}
	}
	if a.Content != "" {
		e.Content = &feeds.AtomContent{Content: a.Content, Type: "html"}
	}
	if a.Author != "" {
		e.Author = &feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: a.Author}}
	}
	for _, c := range a.Categories {
		e.Categories = append(e.Categories, atomCategory{Term: c, Scheme: kindURL(cfg, KindCategory), Label: categoryLabel(cfg, a, c)})
	}
	for _, t := range a.Tags {
		e.Categories = append(e.Categories, atomCategory{Term: t, Scheme: kindURL(cfg, KindTag)})
	}
	return e
}

// jsonFeed extends gorilla's JSONFeed so that items is always written (the
// spec requires it even when empty; gorilla omits an empty list).
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*feeds.JSONItem `json:"items"`
}

// jsonDocFor builds a JSON Feed 1.1 document with the given items.
func jsonDocFor(cfg *Config, fi FeedInfo, items []*feeds.JSONItem) jsonFeed {
	return jsonFeed{
		JSONFeed: &feeds.JSONFeed{
			Version:     "https://jsonfeed.org/version/1.1",
			Title:       fi.Title,
			Language:    cfg.Language,
			HomePageUrl: fi.Link,
			FeedUrl:     fi.Key.URL(cfg.BaseURL, JSON),
			Description: fi.Description,
			Authors:     []*feeds.JSONAuthor{{Name: cfg.Title}},
		},
		Items: items,
	}
}

// jsonItemFor builds the JSON Feed item of an article.
func jsonItemFor(cfg *Config, a *Article) *feeds.JSONItem {
	pub, upd := a.Published, a.Updated
	it := &feeds.JSONItem{
		Id:            a.ID,
		Url:           itemLink(cfg, a),
		Title:         a.Title,
		ContentHTML:   a.Content,
		Summary:       a.Summary,
		Image:         a.Image,
		PublishedDate: &pub,
		ModifiedDate:  &upd,
	}
	if a.Author != "" {
		it.Authors = []*feeds.JSONAuthor{{Name: a.Author}}
	}
	for _, c := range a.Categories {
		it.Tags = append(it.Tags, categoryLabel(cfg, a, c))
	}
	for _, t := range a.Tags {
		if !contains(it.Tags, t) {
			it.Tags = append(it.Tags, t)
		}
	}
	if it.ContentHTML == "" {
		// JSON Feed requires content_html or content_text on every item.
		it.ContentText = a.Summary
	}
	return it
}

// Item fragments. A feed is its header with the rendered items spliced in;
// each item is rendered once per change of its article, at the indentation
// it has in the whole document, and shared by every feed that shows it.
// TestFragmentsEqualWholeDocument holds this to encoding the whole
// document at once.

// itemFragments renders an article's item in the three formats.
func itemFragments(cfg *Config, a *Article) [3][]byte {
	var fr [3][]byte
	fr[RSS] = marshalXMLFragment(rssItemFor(cfg, a), "    ")
	fr[Atom] = marshalXMLFragment(atomEntryFor(cfg, a), "  ")
	var b bytes.Buffer
	b.WriteString("    ")
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	_ = enc.Encode(jsonItemFor(cfg, a)) // strings, times and slices: cannot fail
	fr[JSON] = tight(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return fr
}

func marshalXMLFragment(v any, prefix string) []byte {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent(prefix, "  ")
	_ = enc.Encode(v) // our own structs of strings: cannot fail
	return tight(b.Bytes())
}

// renderFeed renders feed fi in format f from its items' fragments.
func renderFeed(cfg *Config, f Format, fi FeedInfo, frags [][]byte) []byte {
	var head []byte
	var at int
	switch f {
	case RSS:
		head = marshalXML(rssDocFor(cfg, fi, nil))
		at = bytes.LastIndex(head, []byte("\n  </channel>"))
	case Atom:
		head = marshalXML(atomDocFor(cfg, fi, nil))
		at = bytes.LastIndex(head, []byte("\n</feed>"))
	case JSON:
		head = marshalJSON(jsonDocFor(cfg, fi, []*feeds.JSONItem{}))
		at = bytes.LastIndex(head, []byte("[]")) + 1
	}
	n := len(head)
	for _, fr := range frags {
		n += len(fr) + 2
	}
	out := make([]byte, 0, n+4)
	out = append(out, head[:at]...)
	for i, fr := range frags {
		if f == JSON && i > 0 {
			out = append(out, ',')
		}
		out = append(out, '\n')
		out = append(out, fr...)
	}
	if f == JSON && len(frags) > 0 {
		out = append(out, "\n  "...)
	}
	return append(out, head[at:]...)
}

// marshalJSON writes v as indented JSON with HTML left unescaped.
func marshalJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // readable CJK and HTML; JSON does not need the escapes
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // only strings, times and slices: cannot fail
	return tight(b.Bytes())
}

// tight returns b in a slice of its own size: a feed lives as long as it is
// published, and the slack a growing buffer leaves (up to half) would be
// held with it.
func tight(b []byte) []byte {
	if cap(b)-len(b) > len(b)/16 {
		return bytes.Clone(b)
	}
	return b
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// marshalXML writes v as an indented XML document with a declaration.
func marshalXML(v any) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	_ = enc.Encode(v) // our own structs of strings: cannot fail
	b.WriteByte('\n')
	return tight(b.Bytes())
}
