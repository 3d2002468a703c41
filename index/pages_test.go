package index

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// TestDropPagesKeepsData: dropping the mapped pages, after every commit of a
// growing index (bbolt grows the file ahead of its mapping), loses nothing
// and never touches memory outside the mapping (which would corrupt the
// heap: the GC run below would crash).
func TestDropPagesKeepsData(t *testing.T) {
	x := open(t, t.TempDir())
	for round := range 40 {
		if _, err := x.Update(func(tx *Tx) error {
			for i := range 200 {
				p := fmt.Sprintf("r%02d/%03d.txt", round, i)
				if _, err := tx.Put(p, Entry{Header: hdr("id:"+p, 1+i%27, []string{"c"}, []string{"t"})}); err != nil {
					return err
				}
				// Rendered items make the file grow by megabytes a round,
				// past the points where bbolt grows it ahead of the mapping.
				if i%10 == 0 {
					part := bytes.Repeat([]byte{byte(i)}, 20<<10)
					if err := tx.PutFrag(p, &Frag{Sum: 1, Parts: [3][]byte{part, part, part}}); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS == "linux" {
			// Called directly: DropPages would hide a failure behind its
			// fallback (reopening).
			if err := dropPages(x.db); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		} else if err := x.DropPages(); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
	}
	n := 0
	if err := x.View(func(tx *Tx) error {
		n = tx.Articles()
		return tx.Walk("", "", func(string, Entry) (bool, error) { return true, nil })
	}); err != nil {
		t.Fatal(err)
	}
	if n != 40*200 {
		t.Errorf("%d articles after dropping pages, want %d", n, 40*200)
	}
}
