package feedgen

import (
	"errors"
	"fmt"

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
			return fmt.Errorf("%w for %s", errNoFrag, items[i].path)
		}
		items[i].sum = f.Sum
	}
	return nil
}

// errNoFrag says an item has no rendered fragment in the state (it was
// dropped since the document was planned).
var errNoFrag = errors.New("no rendered item")

// docItems are the rendered items of one document, a feed's subscription
// document or an archive month, in order: what every document is rendered
// from, by the feeds (output.renderFeed), the archive (archiver.renderDoc)
// and a lazy archive file when a request needs its bytes. The fragments
// are read in place from the mapped index, valid only within the
// transaction they were read in.
type docItems struct {
	frags [][3][]byte
	parts [][]byte // one format's, handed out by format
}

// readItems reads the rendered items at paths, in order. trim, when set,
// is called every archTrimEvery lookups: an archive month's fragments are
// scattered over the mapped index and each lookup maps its pages and the
// kernel's fault-around window (at 100k a month of the global feed mapped
// 360 MB), so an archive document trims the mapped pages as the lookups go
// on (index.Tx.Trim: the slices stay valid, their pages are mapped again
// as they are read).
func readItems(t *index.Tx, paths []string, trim func() error) (*docItems, error) {
	d := &docItems{frags: make([][3][]byte, len(paths)), parts: make([][]byte, len(paths))}
	for i, path := range paths {
		if trim != nil && i%archTrimEvery == archTrimEvery-1 {
			if err := trim(); err != nil {
				return nil, err
			}
		}
		f, ok, err := t.Frag(path)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w for %s", errNoFrag, path)
		}
		d.frags[i] = f.Parts
	}
	return d, nil
}

// format is the items' fragments in format f. The slice is the same for
// every call: it holds the last format asked for.
func (d *docItems) format(f layout.Format) [][]byte {
	for i := range d.frags {
		d.parts[i] = d.frags[i][f]
	}
	return d.parts
}

// render renders the document info in format f from the items, copying
// them out of the index; trim as render.FeedTrimmed (nil: never).
func (d *docItems) render(cfg *config.Config, f layout.Format, info render.FeedInfo, trim func() error) ([]byte, error) {
	return render.FeedTrimmed(cfg, f, info, d.format(f), trim)
}
