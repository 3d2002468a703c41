package feedgen

import (
	"fmt"
	"html/template"
	"sort"
	"time"

	"feedgen/feedgen/doc"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// site renders the site index and the OPML list from every feed's
// entry, and the index page's item list of the global feed.
func (out *output) site() {
	infos := make([]render.IndexEntry, 0, len(out.feeds))
	for _, k := range out.keys() {
		o := out.feeds[k]
		months := out.arch.Months(k)
		e := render.IndexEntry{FeedInfo: o.info, Items: len(o.items), Archive: spanText(months)}
		e.ArchiveMonths = months // as held, also when the feed was not rendered now
		infos = append(infos, e)
	}
	all, err := out.globalItems()
	if err != nil {
		out.log.Error("rendering the site index", "err", err)
	}
	siteLM := out.lastModified()
	out.indexFile = doc.Reuse(out.indexFile, layout.IndexPath, layout.TypeHTML, render.Index(&out.cfg, infos, out.indexParts, all.count, all.html), siteLM)
	out.opmlFile = doc.Reuse(out.opmlFile, layout.OPMLPath, layout.TypeOPML, render.OPML(&out.cfg, infos), siteLM)
	out.lists(infos, siteLM)
}

// keys lists the rendered feeds in index order.
func (out *output) keys() []layout.FeedKey {
	keys := make([]layout.FeedKey, 0, len(out.feeds))
	for k := range out.feeds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	return keys
}

// pageOf renders feed k's page (the items only, for the global feed, whose
// page is the site index) from its items' JSON fragments. It runs inside
// the transaction the fragments come from.
func (out *output) pageOf(k layout.FeedKey, fi render.FeedInfo, parts [][]byte, old *feedOut, lm time.Time) (*snapshot.File, template.HTML, error) {
	items, err := render.PageItems(&out.cfg, parts)
	if err != nil || k.Kind == layout.KindAll {
		return nil, items, err
	}
	var prev *snapshot.File
	if old != nil {
		prev = old.page
	}
	return doc.Reuse(prev, k.PagePath(), layout.TypeHTML, render.Page(&out.cfg, fi, len(parts), items), lm), "", nil
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
func (out *output) globalItems() (allItems, error) {
	o := out.feeds[layout.FeedKey{Kind: layout.KindAll}]
	if o == nil {
		return allItems{}, nil
	}
	if out.all.sig == o.sig && out.all.count == len(o.items) {
		return out.all, nil
	}
	err := out.ix.View(func(t *index.Tx) error {
		items, err := doc.Read(t, o.items)
		if err != nil {
			return err
		}
		html, err := render.PageItems(&out.cfg, items.Format(layout.JSON))
		if err != nil {
			return err
		}
		out.all = allItems{sig: o.sig, count: len(o.items), html: html}
		return nil
	})
	return out.all, err
}

// spanText is what the index page says of feed k's archive: the months it
// spans and how many archive documents it has, or "".
func spanText(months []layout.Month) string {
	switch n := len(months); n {
	case 0:
		return ""
	case 1:
		return "archive: " + months[0].String()
	default:
		return fmt.Sprintf("archive: %s – %s, %d months", months[0], months[n-1], n)
	}
}
