package feedgen

import (
	"fmt"

	"feedgen/index"
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
			return fmt.Errorf("no rendered item for %s", items[i].path)
		}
		items[i].sum = f.Sum
	}
	return nil
}
