package index

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
)

// The tests of this file do not call t.Parallel: they measure the pages
// the process has mapped, and one lowers trimBudget, which every index
// reads. They run before the package's other tests, which do.

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
			// Called directly: dropAll would hide a failure behind its
			// fallback (reopening).
			if err := dropPages(x.db); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		} else if err := x.dropAll(); err != nil {
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

// part is the i-th test fragment part: distinct bytes, distinct lengths.
func part(i, size int) []byte { return bytes.Repeat([]byte{byte(i)}, size+i) }

// putItems files n articles with rendered items whose parts are size bytes
// (and a little more) each, and returns their paths.
func putItems(t *testing.T, x *Index, n, size int) []string {
	t.Helper()
	var paths []string
	for start := 0; start < n; start += 100 {
		if _, err := x.Update(func(tx *Tx) error {
			for i := start; i < min(n, start+100); i++ {
				p := fmt.Sprintf("a/%04d.txt", i)
				paths = append(paths, p)
				if _, err := tx.Put(p, Entry{Header: hdr("id:"+p, 1+i%27, []string{"c"}, nil)}); err != nil {
					return err
				}
				if err := tx.PutFrag(p, &Frag{Sum: uint64(i), Parts: [3][]byte{part(i, size), part(i+1, size), part(i+2, size)}}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// TestTxTrimKeepsData: dropping the mapped pages from inside a read
// transaction, between reads of values that live in the mapping, loses
// nothing: every value read after the drop is the one written (the kernel
// maps the page again from the page cache), and the GC finds no corrupt
// memory. A write transaction is left alone.
func TestTxTrimKeepsData(t *testing.T) {
	x := open(t, t.TempDir())
	paths := putItems(t, x, 300, 8<<10)
	if _, err := x.Update(func(tx *Tx) error {
		tx.trim() // a write transaction: nothing to do, no error
		return tx.trimErr
	}); err != nil {
		t.Fatal(err)
	}
	if err := x.View(func(tx *Tx) error {
		for i, p := range paths {
			f, ok, err := tx.Frag(p)
			if err != nil || !ok {
				return fmt.Errorf("%s: %v %v", p, ok, err)
			}
			// Directly: trim drops only past a budget this test does not
			// reach.
			if err := dropTxPages(tx.tx); err != nil {
				return err
			}
			for j := range f.Parts {
				if !bytes.Equal(f.Parts[j], part(i+j, 8<<10)) {
					return fmt.Errorf("%s part %d changed after the pages were dropped", p, j)
				}
			}
			if i%50 == 0 {
				runtime.GC()
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestItems: the rendered items of a list of paths come out in the list's
// order, each part with its own bytes and the sizes they add up to; a
// path without one is ErrNoItem; a consumer that stops early stops the
// sequence.
func TestItems(t *testing.T) {
	x := open(t, t.TempDir())
	paths := putItems(t, x, 5, 100)
	order := []string{paths[3], paths[0], paths[4]}
	err := x.View(func(tx *Tx) error {
		s, err := tx.Items(order)
		if err != nil {
			return err
		}
		for j := range 3 {
			p := s.Part(j)
			got := slices.Collect(p.All())
			want := [][]byte{part(3+j, 100), part(0+j, 100), part(4+j, 100)}
			if p.Len() != 3 || !slices.EqualFunc(got, want, bytes.Equal) {
				t.Errorf("part %d: %d items %q, want %q", j, p.Len(), got, want)
			}
			if size := len(want[0]) + len(want[1]) + len(want[2]); p.Size() != size {
				t.Errorf("part %d: size %d, want %d", j, p.Size(), size)
			}
			n := 0
			for range p.All() {
				n++
				break
			}
			if n != 1 {
				t.Errorf("part %d: %d items after the consumer stopped", j, n)
			}
		}
		if _, err := tx.Items([]string{paths[1], "a/none.txt"}); !errors.Is(err, ErrNoItem) {
			t.Errorf("a path without an item: %v, want ErrNoItem", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestIndexTrimsItsPages: the index bounds the mapped pages its callers
// touch without being asked. Reading and copying out 70 MB of rendered
// items in one read transaction keeps the mapping near the budget (here
// lowered to what was resident before), not the bytes read, and the data
// read after each drop is intact; a commit outside a bulk write, a read
// that handed out items and the end of a bulk write let go of what was
// mapped.
func TestIndexTrimsItsPages(t *testing.T) {
	if _, ok := mappedResident(); !ok {
		t.Skip("the resident mapped memory is not known on this system")
	}
	x := open(t, "")      // a temporary state: no syncs
	const size = 24 << 10 // three parts: about 75 KB an article
	paths := putItems(t, x, 1000, size)
	if err := x.dropAll(); err != nil {
		t.Fatal(err)
	}
	base, _ := mappedResident()
	defer func(b int64) { trimBudget = b }(trimBudget)
	trimBudget = base + 4<<20
	peak := int64(0)
	err := x.View(func(tx *Tx) error {
		s, err := tx.Items(paths)
		if err != nil {
			return err
		}
		for j := range 3 {
			i := 0
			for b := range s.Part(j).All() {
				if !bytes.Equal(b, part(i+j, size)) {
					return fmt.Errorf("item %d part %d changed", i, j)
				}
				if n, _ := mappedResident(); n > peak {
					peak = n
				}
				i++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Between two looks: trimReads records, each a lookup or a copy of
	// up to about 64 KB (and the kernel's window around it).
	if grew := peak - base; grew > 40<<20 {
		t.Errorf("reading 70 MB of items mapped %d MB at the peak, want at most 40", grew>>20)
	}
	// Without a budget to keep to, only a commit's own drop, a read that
	// handed out items and the end of a bulk write let go of what a read
	// mapped.
	trimBudget = 1 << 40
	for _, end := range []struct {
		what string
		fn   func() error
	}{
		{"a commit", func() error {
			_, err := x.Update(func(tx *Tx) error { return tx.PutFrag(paths[0], &Frag{Sum: 1}) })
			return err
		}},
		{"a read that handed out items", func() error {
			return x.View(func(tx *Tx) error {
				s, err := tx.Items(paths[:1])
				if err != nil {
					return err
				}
				for range s.Part(0).All() {
				}
				return nil
			})
		}},
		{"the end of a bulk write", func() error {
			if err := x.Bulk(true); err != nil {
				return err
			}
			return x.Bulk(false)
		}},
	} {
		if err := x.View(func(tx *Tx) error {
			_, err := tx.Items(paths[1:])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n, _ := mappedResident(); n-base < 16<<20 {
			t.Fatalf("looking the items up mapped only %d MB", (n-base)>>20)
		}
		if err := end.fn(); err != nil {
			t.Fatal(err)
		}
		if n, _ := mappedResident(); n-base > 4<<20 {
			t.Errorf("%d MB mapped after %s, want less than 4", (n-base)>>20, end.what)
		}
	}
}
