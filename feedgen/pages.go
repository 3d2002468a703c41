package feedgen

import (
	"errors"
	"html/template"
	"time"

	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// jsonParts reads the JSON Feed fragments of the articles at paths from
// the state.
func jsonParts(t *index.Tx, paths []string) ([][]byte, error) {
	parts := make([][]byte, len(paths))
	for i, p := range paths {
		f, ok, err := t.Frag(p)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errors.New("no rendered item for " + p)
		}
		parts[i] = f.Parts[layout.JSON]
	}
	return parts, nil
}

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
	return g.reuse(prev, k.PagePath(), layout.TypeHTML, render.Page(&g.cfg, fi, len(parts), items), lm), "", nil
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
		parts, err := jsonParts(t, o.items)
		if err != nil {
			return err
		}
		html, err := render.PageItems(parts)
		if err != nil {
			return err
		}
		g.all = allItems{sig: o.sig, count: len(o.items), html: html}
		return nil
	})
	return g.all, err
}

// archiveMonths lists the months of feed k's archive documents as the
// generator holds them (after renderArchives), for the site index.
func (g *Generator) archiveMonths(k layout.FeedKey) []layout.Month {
	ms := make([]layout.Month, 0, len(g.arch[k]))
	for m := range g.arch[k] {
		ms = append(ms, m)
	}
	return ms
}
