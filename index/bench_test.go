package index

import (
	"fmt"
	"testing"
)

// benchIndex is an index of n articles in 40 categories and 40 tags.
func benchIndex(b *testing.B, n int) *Index {
	b.Helper()
	x, err := Open(Options{Dir: b.TempDir(), Source: "/src", Scan: "s", Render: "r"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { x.Close() })
	for start := 0; start < n; start += 5000 {
		if _, err := x.Update(func(tx *Tx) error {
			for i := start; i < min(n, start+5000); i++ {
				p := fmt.Sprintf("%07d.txt", (i*7919)%n)
				h := hdr("https://news.example.com/a/"+p, 1+i%28, []string{fmt.Sprint("c", i%40)}, []string{fmt.Sprint("t", i%40)})
				if _, err := tx.Put(p, Entry{Header: h}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	return x
}

// BenchmarkTop is what a feed's newest 50 cost: it must not grow with the
// archive.
func BenchmarkTop(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			x := benchIndex(b, n)
			for b.Loop() {
				got := 0
				_ = x.View(func(tx *Tx) error {
					return tx.Top(all, func(string, Entry) (bool, error) { got++; return got < 50, nil })
				})
				if got != 50 {
					b.Fatalf("top gave %d", got)
				}
			}
		})
	}
}

// BenchmarkStamp is the lookup a rescan makes per file.
func BenchmarkStamp(b *testing.B) {
	const n = 100_000
	x := benchIndex(b, n)
	i := 0
	for b.Loop() {
		_ = x.View(func(tx *Tx) error {
			_, _, _, ok, err := tx.Stamp(fmt.Sprintf("%07d.txt", i%n))
			if !ok || err != nil {
				b.Fatalf("stamp: %v %v", ok, err)
			}
			return nil
		})
		i += 7
	}
}

// BenchmarkPut is filing one changed article (a daemon's edit) in an
// index of 100 000, one transaction each, as the daemon does.
func BenchmarkPut(b *testing.B) {
	const n = 100_000
	x := benchIndex(b, n)
	i := 0
	for b.Loop() {
		p := fmt.Sprintf("%07d.txt", i%n)
		h := hdr("https://news.example.com/a/"+p, 1+(i+3)%28, []string{"c1"}, []string{"t2"})
		if _, err := x.Update(func(tx *Tx) error { _, err := tx.Put(p, Entry{Header: h}); return err }); err != nil {
			b.Fatal(err)
		}
		i += 13
	}
}
