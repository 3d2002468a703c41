package doc

import (
	"slices"

	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
)

// Items are the rendered items of one document, in order: what every
// document is rendered from, by the feeds, the archive and a lazy archive
// file when a request needs its bytes. The fragments are read in place
// from the mapped index, valid only within the transaction they were read
// in, and handed out one at a time (index.Items): the index lets go of the
// pages the lookups and the copies map as they go (at 100k a month of the
// global feed mapped 360 MB).
type Items struct{ items *index.Items }

// Read reads the rendered items at paths, in order. A path without one is
// an error wrapping index.ErrNoItem.
func Read(t *index.Tx, paths []string) (*Items, error) {
	items, err := t.Items(paths)
	if err != nil {
		return nil, err
	}
	return &Items{items}, nil
}

// Format is the items' fragments in format f, for a page's few items.
func (d *Items) Format(f layout.Format) [][]byte {
	return slices.Collect(d.items.Part(int(f)).All())
}

// Render renders the document info in format f from the items, copying
// them out of the index.
func (d *Items) Render(cfg *config.Config, f layout.Format, info render.FeedInfo) []byte {
	return render.Feed(cfg, f, info, d.items.Part(int(f)))
}
