package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"iter"
	"slices"
	"time"

	"github.com/gorilla/feeds"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/layout"
)

// ArchiveInfo places a document in its feed's RFC 5005 archive chain. Zero
// months mean "none".
type ArchiveInfo struct {
	Doc        layout.Month // the month this archive document holds; zero in a subscription document
	Prev, Next layout.Month // the neighbouring archive documents (Next only in archive documents)
}

// FeedInfo is a feed's own data, besides its items.
type FeedInfo struct {
	Key         layout.FeedKey
	Title       string
	Description string
	Link        string    // the home page the feed belongs to (absolute)
	Updated     time.Time // the newest item's updated time
	Hubs        []string  // WebSub hubs the feed advertises (Config.Hubs; see hubs.go)

	// Archive is the document's place in an RFC 5005 archive chain; zero
	// without archives.
	Archive ArchiveInfo
	// ArchiveMonths are the months of the feed's archive documents, for
	// its HTML page (archivepage.go); set on subscription documents only.
	ArchiveMonths []layout.Month
}

// Epoch stands in for the updated time of a feed with no item. Atom requires
// an <updated>; the clock would break byte-for-byte reproducibility.
var Epoch = time.Unix(0, 0).UTC()

const generator = "feedgen"

// Namespaces written into RSS. gorilla/feeds declares only content:.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
)

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// itemLink is the item's link: the original article, else the site.
func itemLink(cfg *config.Config, a *article.Article) string {
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
func kindURL(cfg *config.Config, k layout.Kind) string { return cfg.BaseURL + k.Folder() + "/" }

// categoryLabel is the human name of category slug as an item shows it: the
// configured title, else the name the article's own navigation line gives
// its first category, else the slug. It depends on the article alone, so an
// item renders the same in every feed it appears in.
func categoryLabel(cfg *config.Config, a *article.Article, slug string) string {
	if t := cfg.Categories[slug].Title; t != "" {
		return t
	}
	if a.CategoryName != "" && len(a.Categories) > 0 && a.Categories[0] == slug {
		return a.CategoryName
	}
	return slug
}

// Item fragments. A feed is its header with the rendered items spliced in;
// each item is rendered once per change of its article, at the indentation
// it has in the whole document, and shared by every feed that shows it.
// TestFragmentsEqualWholeDocument holds this to encoding the whole
// document at once.

// ItemFragments renders an article's item in the three formats.
func ItemFragments(cfg *config.Config, a *article.Article) [3][]byte {
	var fr [3][]byte
	fr[layout.RSS] = marshalXMLFragment(rssItemFor(cfg, a), "    ")
	fr[layout.Atom] = marshalXMLFragment(atomEntryFor(cfg, a), "  ")
	var b bytes.Buffer
	b.WriteString("    ")
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("    ", "  ")
	_ = enc.Encode(jsonItemFor(cfg, a)) // strings, times and slices: cannot fail
	fr[layout.JSON] = tight(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return fr
}

func marshalXMLFragment(v any, prefix string) []byte {
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent(prefix, "  ")
	_ = enc.Encode(v) // our own structs of strings: cannot fail
	return tight(b.Bytes())
}

// Fragments are the rendered items of a feed document in one format, in
// order: what Feed splices into the document's head. index.Part hands them
// out one at a time from the state's mapped file, letting go of the pages
// each copy faulted in as it goes (an archive document copies thousands);
// FragList holds them in memory.
type Fragments interface {
	Len() int              // how many
	Size() int             // their bytes, all together
	All() iter.Seq[[]byte] // each, in order
}

// FragList is Fragments held in memory.
type FragList [][]byte

// Len is the number of fragments.
func (l FragList) Len() int { return len(l) }

// All yields each fragment in order.
func (l FragList) All() iter.Seq[[]byte] { return slices.Values(l) }

// Size is the length of all the fragments together.
func (l FragList) Size() int {
	n := 0
	for _, f := range l {
		n += len(f)
	}
	return n
}

// Feed renders feed fi in format f from its items' fragments.
func Feed(cfg *config.Config, f layout.Format, fi FeedInfo, frags Fragments) []byte {
	var head []byte
	var at int
	switch f {
	case layout.RSS:
		head = marshalXML(rssDocFor(cfg, fi, nil))
		at = bytes.LastIndex(head, []byte("\n  </channel>"))
	case layout.Atom:
		head = marshalXML(atomDocFor(cfg, fi, nil))
		at = bytes.LastIndex(head, []byte("\n</feed>"))
	case layout.JSON:
		head = marshalJSON(jsonDocFor(cfg, fi, []*feeds.JSONItem{}))
		at = bytes.LastIndex(head, []byte("[]")) + 1
	}
	head, at = archiveHead(cfg, f, fi, head, at)
	out := make([]byte, 0, len(head)+frags.Size()+2*frags.Len()+4)
	out = append(out, head[:at]...)
	i := 0
	for fr := range frags.All() {
		if f == layout.JSON && i > 0 {
			out = append(out, ',')
		}
		out = append(out, '\n')
		out = append(out, fr...)
		i++
	}
	if f == layout.JSON && i > 0 {
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
