package feedgen

import (
	"html/template"
	"time"

	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// pageOf renders feed k's page (the items only, for the global feed, whose
// page is the site index) from its items' JSON fragments. It runs inside
// the transaction the fragments come from.
func (g *Generator) pageOf(k layout.FeedKey, fi render.FeedInfo, parts [][]byte, old *feedOut, lm time.Time) (*snapshot.File, template.HTML, error) {
	items, err := render.PageItems(parts)
	if err != nil || k.Kind == layout.KindAll {
		return nil, items, err
	}
	var prev *snapshot.File
	if old != nil {
		prev = old.page
	}
	return reuse(prev, k.PagePath(), layout.TypeHTML, render.Page(&g.cfg, fi, len(parts), items), lm), "", nil
}

// allItems is the rendered item list of the global feed, for the site
// index, with the signature of the feed it was rendered for.
type allItems struct {
	sig   [32]byte
	count int
	html  template.HTML
}

// globalItems returns the global feed's rendered item list, rendering it
// from the state when the feed was not rendered by this generator (a
// build that found it unchanged).
func (g *Generator) globalItems() (allItems, error) {
	o := g.out[layout.FeedKey{Kind: layout.KindAll}]
	if o == nil {
		return allItems{}, nil
	}
	if g.all.sig == o.sig && g.all.count == len(o.items) {
		return g.all, nil
	}
	err := g.ix.View(func(t *index.Tx) error {
		items, err := readItems(t, o.items, nil)
		if err != nil {
			return err
		}
		html, err := render.PageItems(items.format(layout.JSON))
		if err != nil {
			return err
		}
		g.all = allItems{sig: o.sig, count: len(o.items), html: html}
		return nil
	})
	return g.all, err
}
