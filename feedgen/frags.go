package feedgen

import (
	"errors"
	"fmt"

	"feedgen/index"
)

// itemParts reads the rendered items of a feed's (or an archive month's)
// items from the state, in order; the parts are valid only within t.
func itemParts(t *index.Tx, items []shown) ([][3][]byte, error) {
	frags := make([][3][]byte, len(items))
	for i, it := range items {
		f, ok, err := t.Frag(it.path)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("no rendered item for %s", it.path)
		}
		frags[i] = f.Parts
	}
	return frags, nil
}

// fillSums sets each item's sum from the state without reading its parts:
// the feed signature needs only the sums.
func fillSums(t *index.Tx, items []shown) error {
	for i := range items {
		f, ok, err := t.FragSum(items[i].path)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no rendered item for %s", items[i].path)
		}
		items[i].sum = f.Sum
	}
	return nil
}

// errNoFrag says an item has no rendered fragment in the state (it was
// dropped since the document was planned).
var errNoFrag = errors.New("no rendered item")

// archiveParts reads the rendered items at paths (an archive month's), in
// order. A month's fragments are scattered over the mapped index and each
// lookup maps its pages and the kernel's fault-around window (at 100k a
// month of the global feed mapped 360 MB), so the mapped pages are trimmed
// as the lookups go on (index.Tx.Trim: the slices stay valid, their pages
// are mapped again as they are read). The parts are valid only within t.
func archiveParts(t *index.Tx, paths []string) ([][3][]byte, error) {
	frags := make([][3][]byte, len(paths))
	for i, path := range paths {
		if i%archTrimEvery == archTrimEvery-1 {
			if err := t.Trim(); err != nil {
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
		frags[i] = f.Parts
	}
	return frags, nil
}
