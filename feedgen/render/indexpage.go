package render

import (
	"bytes"
	"cmp"
	"html/template"
	"strings"

	"feedgen/feedgen/config"
	"feedgen/layout"
)

// IndexEntry is one feed as the index page and the OPML list show it.
type IndexEntry struct {
	FeedInfo
	Items int
	// Archive says what the feed's RFC 5005 archive spans ("" for none).
	Archive string
}

// relURL is the feed file's URL relative to the site root, so that the index
// page links work wherever the tree is hosted.
func (e IndexEntry) relURL(f layout.Format) string { return e.Key.URL("", f) }

type indexLink struct {
	Label, Type, Href string
}

type indexRow struct {
	Title      string
	Kind       string
	Count      string // "3 articles", in the page's language
	Updated    string
	UpdatedISO string
	UpdatedAt  string // the words before the time
	Page       string
	Links      []indexLink
	Archive    string
}

type indexAlt struct {
	Type, Title, Href string
}

// The parts of the page that belong to one feed, rendered by the same
// html/template escaper and kept until that feed's entry changes: the page
// is rendered after every change, and most of its rows never change.
var (
	altTmpl = template.Must(template.New("alt").Parse(`{{range .}}<link rel="alternate" type="{{.Type}}" title="{{.Title}}" href="{{.Href}}">
{{end}}`))
	// A row's parts are joined by the style sheet (".meta > * + *"), so
	// that a part that is absent leaves no separator behind.
	rowTmpl = template.Must(template.New("row").Parse(`<li class="feed" data-kind="{{.Kind}}"><a class="name" href="{{.Page}}">{{.Title}}</a>
<span class="meta"><span>{{.Count}}</span>{{if .Updated}}<span>{{.UpdatedAt}} <time datetime="{{.UpdatedISO}}">{{.Updated}}</time></span>{{end}}{{if .Archive}}<span>{{.Archive}}</span>{{end}}</span>
<span class="fmts">{{range .Links}}<a class="feed-link" type="{{.Type}}" href="{{.Href}}">{{.Label}}</a>{{end}}</span></li>
`))
)

type indexSection struct {
	ID      string // the section's fragment
	Heading string
	Count   int // feeds listed
	Rows    template.HTML
}

// IndexCache keeps each feed's rendered parts with the entry they show.
type IndexCache map[layout.FeedKey]indexParts

type indexParts struct {
	entry IndexEntry
	alt   string
	// row is the entry's row on the site index, listRow on the listing
	// page of its kind, one folder down.
	row, listRow string
}

func sameEntry(a, b IndexEntry) bool {
	return a.Key == b.Key && a.Archive == b.Archive && a.Title == b.Title && a.Link == b.Link && a.Items == b.Items && a.Updated.Equal(b.Updated) &&
		rfc3339(a.Updated) == rfc3339(b.Updated)
}

// parts renders (or recalls) the alternate links and the rows of e, in the
// language of t.
func (c IndexCache) parts(t messages, e IndexEntry) indexParts {
	if p, ok := c[e.Key]; ok && sameEntry(p.entry, e) {
		return p
	}
	kinds := map[layout.Kind]string{layout.KindAll: "all", layout.KindCategory: "category", layout.KindTag: "tag"}
	row := indexRow{Title: e.Title, Kind: kinds[e.Key.Kind], Count: t.Articles(e.Items), Archive: archiveSpan(t, e.ArchiveMonths)}
	if e.Items > 0 {
		row.Updated, row.UpdatedISO, row.UpdatedAt = e.Updated.Format("2006-01-02 15:04 UTC-07:00"), rfc3339(e.Updated), t.Updated
	}
	var alts []indexAlt
	for _, f := range layout.Formats {
		alts = append(alts, indexAlt{Type: f.MediaType(), Title: e.Title + " (" + f.Label() + ")", Href: e.relURL(f)})
	}
	var ab bytes.Buffer
	_ = altTmpl.Execute(&ab, alts) // fixed templates over plain values
	rowAt := func(up string) string {
		r := row
		r.Page = up + e.Key.PageURL("")
		for _, f := range layout.Formats {
			r.Links = append(r.Links, indexLink{Label: f.Label(), Type: f.MediaType(), Href: up + e.relURL(f)})
		}
		var b bytes.Buffer
		_ = rowTmpl.Execute(&b, r)
		return b.String()
	}
	p := indexParts{entry: e, alt: ab.String(), row: rowAt(""), listRow: rowAt("../")}
	if c != nil {
		c[e.Key] = p
	}
	return p
}

// Index writes the site index: the page of the global feed (its
// items and how to subscribe), then every category and tag with a link to
// its page and its feeds, with an autodiscovery link per feed and format so
// that a browser or a reader given the site's address finds them all.
// count and items are the global feed's item count and its rendered item
// list (PageItems). cache may be nil.
func Index(cfg *config.Config, entries []IndexEntry, cache IndexCache, count int, items template.HTML) []byte {
	p := frame(cfg, "", layout.KindAll)
	all0 := layout.FeedKey{Kind: layout.KindAll}
	p.HeadTitle, p.Title, p.Description = cfg.Title, cfg.Title, cmp.Or(cfg.Description, cfg.Title)
	p.Subscribe = subscribeLinks(cfg, all0)
	p.Readers = readerLinks(p.Subscribe[0].URL)
	p.Count, p.Items = count, items
	var alts, rows strings.Builder
	seen := make(map[layout.FeedKey]bool, len(entries))
	n := 0
	for i, e := range entries {
		seen[e.Key] = true
		parts := cache.parts(p.T, e)
		alts.WriteString(parts.alt)
		if e.Key.Kind == layout.KindAll {
			p.Archive = archiveBlock(p.T, e.ArchiveMonths)
			continue // the page itself
		}
		rows.WriteString(parts.row)
		n++
		if i == len(entries)-1 || entries[i+1].Key.Kind != e.Key.Kind {
			p.Sections = append(p.Sections, indexSection{ID: e.Key.Kind.Folder(), Heading: kindLabel(p.T, e.Key.Kind), Count: n, Rows: template.HTML(rows.String())}) // rendered by rowTmpl
			rows.Reset()
			n = 0
		}
	}
	p.Alternates = template.HTML(alts.String()) // rendered by altTmpl
	for k := range cache {
		if !seen[k] {
			delete(cache, k)
		}
	}
	return executePage(p)
}

// List writes the listing page of the feeds of kind (category or tag), at
// kind.ListPath(): every feed of that kind among entries, with a link to its
// page and its feeds, so that the kind's folder answers as a directory of
// its feeds. cache (which may be nil) is the one Index uses: the rows are
// rendered once for both.
func List(cfg *config.Config, kind layout.Kind, entries []IndexEntry, cache IndexCache) []byte {
	p := frame(cfg, "../", kind)
	label := kindLabel(p.T, kind)
	p.HeadTitle, p.Title, p.Description = label+" · "+cfg.Title, label, p.T.AllFeeds
	// No heading of its own: the page's is the section's. No
	// autodiscovery links either: the site index has them all.
	var rows strings.Builder
	sec := indexSection{ID: kind.Folder()}
	for _, e := range entries {
		if e.Key.Kind == kind {
			rows.WriteString(cache.parts(p.T, e).listRow)
			sec.Count++
		}
	}
	sec.Rows = template.HTML(rows.String()) // rendered by rowTmpl
	p.Sections = []indexSection{sec}
	return executePage(p)
}
