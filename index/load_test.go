package index

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"feedgen/layout"
	"feedgen/source"
)

// loadCorpus is a mix of what a scan files: articles in several categories
// and tags (one naming a tag twice), ids claimed by two or three paths, bad
// files and drafts, in the order of a walk (not sorted).
func loadCorpus(n int) (paths []string, entries []Entry) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		p := fmt.Sprintf("d%d/%05d-文章.md", r.IntN(7), i)
		e := Entry{Stamp: source.Stamp{Size: int64(i), MTime: int64(i) * 7, Ino: uint64(i)}, Sum: r.Uint64(), Link: i%97 == 0}
		switch {
		case i%41 == 0:
			e.Err = fmt.Sprintf("line %d: no title", i)
		case i%43 == 0:
			e.Hidden = true
		default:
			id := fmt.Sprintf("id:%d", i)
			switch {
			case i%29 == 0:
				id = fmt.Sprintf("pair:%d", i/58) // claimed by two paths
			case i%13 == 0:
				id = fmt.Sprintf("id:%d", i%5) // claimed by many paths
			}
			cats := []string{[]string{"财经", "a", "b"}[r.IntN(3)]}
			tags := []string{"t" + fmt.Sprint(r.IntN(9)), "t" + fmt.Sprint(r.IntN(9))}
			e.Header = hdr(id, 1+r.IntN(28), cats, tags)
			e.Header.Published = e.Header.Published.AddDate(0, -r.IntN(30), 0)
		}
		paths = append(paths, p)
		entries = append(entries, e)
	}
	return paths, entries
}

// dump returns every record of every bucket, with each bucket's sequence.
func dump(t *testing.T, x *Index) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := x.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			out[string(name)+" sequence"] = fmt.Sprint(b.Sequence())
			return b.ForEach(func(k, v []byte) error {
				out[string(name)+" "+string(k)] = string(v)
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLoadEqualsPut: a bulk load leaves exactly the records, and reports
// exactly the dirty feeds and months, that putting the same files one by
// one does, whether its runs spill to files or not.
func TestLoadEqualsPut(t *testing.T) {
	t.Parallel()
	paths, entries := loadCorpus(3000)
	want := open(t, t.TempDir())
	wantDirty, err := want.Update(func(tx *Tx) error {
		for i, p := range paths {
			if _, err := tx.Put(p, entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantMonths := want.TakeMonths()
	wantRecs := dump(t, want)
	for _, budget := range []int{64 << 20, 4 << 10} {
		t.Run(fmt.Sprint("budget ", budget), func(t *testing.T) {
			x := open(t, t.TempDir())
			l, err := x.Load()
			if err != nil {
				t.Fatal(err)
			}
			l.budget = budget
			for i, p := range paths {
				seq, err := l.Put(p, entries[i])
				if err != nil {
					t.Fatal(err)
				}
				if seq != uint64(i+1) {
					t.Fatalf("%s: sequence %d, want %d", p, seq, i+1)
				}
			}
			if budget < 1<<20 && len(l.runs) < 2 {
				t.Fatalf("%d runs spilled, want several", len(l.runs))
			}
			dirty, err := l.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(dirty, wantDirty) {
				t.Errorf("dirty feeds differ: %d, want %d", len(dirty), len(wantDirty))
			}
			if got := x.TakeMonths(); !maps.Equal(got, wantMonths) {
				t.Errorf("months differ: %d, want %d", len(got), len(wantMonths))
			}
			got := dump(t, x)
			for _, k := range slices.Sorted(maps.Keys(wantRecs)) {
				if g, ok := got[k]; !ok || g != wantRecs[k] {
					t.Errorf("record %q: %q (present %v), want %q", k, g, ok, wantRecs[k])
				}
			}
			for k := range got {
				if _, ok := wantRecs[k]; !ok {
					t.Errorf("record %q not written by Put", k)
				}
			}
			// The loaded index goes on like any other: a later Put moves
			// an article, and a second load is refused.
			put(t, x, paths[1], Entry{Header: hdr("id:moved", 3, []string{"新"}, nil)})
			if got := top(t, x, layout.FeedKey{Kind: layout.KindCategory, Name: "新"}, 5); !slices.Equal(got, []string{paths[1]}) {
				t.Errorf("after a put on the loaded index: %q", got)
			}
			if _, err := x.Load(); err != ErrNotEmpty {
				t.Errorf("second load: %v, want ErrNotEmpty", err)
			}
		})
	}
}

// TestLoadRefusesBadInput: a path put twice, or a key the layout cannot
// hold, is an error, not a silently wrong index.
func TestLoadRefusesBadInput(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	l, err := x.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Put("a\x00b", Entry{Hidden: true}); err == nil {
		t.Error("a path with a NUL byte was accepted")
	}
	if _, err := l.Put("a.md", Entry{Header: hdr("", 1, nil, nil)}); err == nil {
		t.Error("an empty id was accepted")
	}
	for range 2 {
		if _, err := l.Put("twice.md", Entry{Hidden: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := l.Commit(); err == nil || !bytes.Contains([]byte(err.Error()), []byte("twice.md")) {
		t.Errorf("Commit with a path put twice: %v, want an error naming it", err)
	}
}
