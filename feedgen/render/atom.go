package render

import (
	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/layout"

	"github.com/gorilla/feeds"
)

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
func atomDocFor(cfg *config.Config, fi FeedInfo, entries []*atomEntry) atomFeed {
	self := fi.Key.URL(cfg.BaseURL, layout.Atom)
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
		Links: append([]feeds.AtomLink{
			{Href: self, Rel: "self", Type: layout.Atom.MediaType()},
			{Href: fi.Link, Rel: "alternate", Type: "text/html"},
		}, atomHubLinks(fi.Hubs)...),
		Generator: generator,
		Entries:   entries,
	}
}

// atomEntryFor builds the Atom entry of an article.
func atomEntryFor(cfg *config.Config, a *article.Article) *atomEntry {
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
		e.Categories = append(e.Categories, atomCategory{Term: c, Scheme: kindURL(cfg, layout.KindCategory), Label: categoryLabel(cfg, a, c)})
	}
	for _, t := range a.Tags {
		e.Categories = append(e.Categories, atomCategory{Term: t, Scheme: kindURL(cfg, layout.KindTag)})
	}
	return e
}
