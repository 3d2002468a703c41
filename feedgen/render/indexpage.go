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
	Items      int
	Updated    string
	UpdatedISO string
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
	rowTmpl = template.Must(template.New("row").Parse(`<li class="feed" data-kind="{{.Kind}}"><a href="{{.Page}}">{{.Title}}</a><span class="meta">{{.Items}} articles{{if .Archive}} · {{.Archive}}{{end}}{{if .Updated}} · updated <time datetime="{{.UpdatedISO}}">{{.Updated}}</time>{{end}} · {{range $i, $l := .Links}}{{if $i}} · {{end}}<a class="feed-link" type="{{$l.Type}}" href="{{$l.Href}}">{{$l.Label}}</a>{{end}}</span></li>
`))
)

type indexSection struct {
	ID      string // the section's fragment
	Heading string
	Rows    template.HTML
}

// IndexCache keeps each feed's rendered parts with the entry they show.
type IndexCache map[layout.FeedKey]indexParts

type indexParts struct {
	entry    IndexEntry
	alt, row string
}

func sameEntry(a, b IndexEntry) bool {
	return a.Key == b.Key && a.Archive == b.Archive && a.Title == b.Title && a.Link == b.Link && a.Items == b.Items && a.Updated.Equal(b.Updated) &&
		rfc3339(a.Updated) == rfc3339(b.Updated)
}

// parts renders (or recalls) the alternate links and the table row of e.
func (c IndexCache) parts(e IndexEntry) indexParts {
	if p, ok := c[e.Key]; ok && sameEntry(p.entry, e) {
		return p
	}
	kinds := map[layout.Kind]string{layout.KindAll: "all", layout.KindCategory: "category", layout.KindTag: "tag"}
	row := indexRow{Title: e.Title, Kind: kinds[e.Key.Kind], Items: e.Items, Page: e.Key.PageURL(""), Archive: e.Archive}
	if e.Items > 0 {
		row.Updated, row.UpdatedISO = e.Updated.Format("2006-01-02 15:04 UTC-07:00"), rfc3339(e.Updated)
	}
	var alts []indexAlt
	for _, f := range layout.Formats {
		href := e.relURL(f)
		row.Links = append(row.Links, indexLink{Label: f.Label(), Type: f.MediaType(), Href: href})
		alts = append(alts, indexAlt{Type: f.MediaType(), Title: e.Title + " (" + f.Label() + ")", Href: href})
	}
	var ab, rb bytes.Buffer
	_ = altTmpl.Execute(&ab, alts) // fixed templates over plain values
	_ = rowTmpl.Execute(&rb, row)
	p := indexParts{entry: e, alt: ab.String(), row: rb.String()}
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
	all0 := layout.FeedKey{Kind: layout.KindAll}
	p := pageData{
		Lang: cfg.Language, HeadTitle: cfg.Title, Title: cfg.Title, Description: cmp.Or(cfg.Description, cfg.Title),
		CSP: layout.PageCSP, CSS: template.CSS(pageCSS), // our own embedded sheet
		Subscribe: subscribeLinks(cfg, all0), Count: count, Items: items,
		OPML: strings.TrimPrefix(layout.OPMLPath, "/"),
	}
	headings := map[layout.Kind]string{layout.KindCategory: "Categories", layout.KindTag: "Tags"}
	var alts, rows strings.Builder
	seen := make(map[layout.FeedKey]bool, len(entries))
	for i, e := range entries {
		seen[e.Key] = true
		parts := cache.parts(e)
		alts.WriteString(parts.alt)
		if e.Key.Kind == layout.KindAll {
			p.Archive = archiveBlock(e.ArchiveMonths)
			continue // the page itself
		}
		rows.WriteString(parts.row)
		if i == len(entries)-1 || entries[i+1].Key.Kind != e.Key.Kind {
			p.Sections = append(p.Sections, indexSection{ID: e.Key.Kind.Folder(), Heading: headings[e.Key.Kind], Rows: template.HTML(rows.String())}) // rendered by rowTmpl
			rows.Reset()
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
