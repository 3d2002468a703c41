package feedgen

import (
	"fmt"
	"slices"

	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
)

// fillSums sets each item's sum from the state without reading its parts:
// the feed signature needs only the sums.
func fillSums(t *index.Tx, items []shown) error {
	for i := range items {
		f, ok, err := t.FragSum(items[i].path)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w for %s", index.ErrNoItem, items[i].path)
		}
		items[i].sum = f.Sum
	}
	return nil
}

// docItems are the rendered items of one document, a feed's subscription
// document or an archive month, in order: what every document is rendered
// from, by the feeds (output.renderFeed), the archive (archiver.renderDoc)
// and a lazy archive file when a request needs its bytes. The fragments
// are read in place from the mapped index, valid only within the
// transaction they were read in, and handed out one at a time
// (index.Items): the index lets go of the pages the lookups and the copies
// map as they go (at 100k a month of the global feed mapped 360 MB).
type docItems struct{ items *index.Items }

// readItems reads the rendered items at paths, in order. A path without
// one is an error wrapping index.ErrNoItem.
func readItems(t *index.Tx, paths []string) (*docItems, error) {
	items, err := t.Items(paths)
	if err != nil {
		return nil, err
	}
	return &docItems{items}, nil
}

// format is the items' fragments in format f, for a page's few items.
func (d *docItems) format(f layout.Format) [][]byte {
	return slices.Collect(d.items.Part(int(f)).All())
}

// render renders the document info in format f from the items, copying
// them out of the index.
func (d *docItems) render(cfg *config.Config, f layout.Format, info render.FeedInfo) []byte {
	return render.Feed(cfg, f, info, d.items.Part(int(f)))
}
