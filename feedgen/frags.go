package feedgen

import (
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
