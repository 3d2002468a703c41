package snapshot

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"feedgen/layout"
)

func unbrotli(t testing.TB, z []byte) []byte {
	t.Helper()
	b, err := io.ReadAll(brotli.NewReader(bytes.NewReader(z)))
	if err != nil {
		t.Fatalf("brotli form does not decode: %v", err)
	}
	return b
}

func TestBrotliForm(t *testing.T) {
	t.Parallel()
	body := feedLike(64 << 10)
	f := NewFile("/rss.xml", layout.TypeRSS, body, time.Unix(1e9, 0))
	if f.Br == nil {
		t.Fatal("compressible body has no brotli form")
	}
	if got := unbrotli(t, f.Br); !bytes.Equal(got, body) {
		t.Fatal("brotli form does not decode to the body")
	}
	if g := NewFile("/rss.xml", layout.TypeRSS, body, time.Unix(2e9, 0)); !bytes.Equal(g.Br, f.Br) {
		t.Error("same bytes must give the same brotli bytes")
	}
	tags := map[string]bool{f.ETag: true, f.GzipETag: true, f.BrETag: true}
	if len(tags) != 3 {
		t.Errorf("each coding needs its own strong ETag: %s %s %s", f.ETag, f.GzipETag, f.BrETag)
	}
	if tiny := NewFile("/t", layout.TypePlain, []byte("x"), time.Time{}); tiny.Br != nil {
		t.Error("brotli kept although larger than the body")
	}
	c := NewPlainFile("/rss.xml", layout.TypeRSS, body, time.Time{}).Compact()
	if !c.IsCompact() || !bytes.Equal(c.Br, f.Br) || !bytes.Equal(c.Gzip, f.Gzip) {
		t.Error("a compact file keeps both compressed forms")
	}
	if id, err := c.Identity(); err != nil || !bytes.Equal(id, body) {
		t.Errorf("compact identity: %v", err)
	}
}

// BenchmarkBrotliQuality compresses real feeds at several Brotli qualities
// (and gzip -9 for comparison), reporting the compressed size as a ratio of
// the identity size. The feeds are the files under FEEDGEN_BENCH_FEEDS (a
// `feedgen build -out` tree), default ../seeds built by the caller; see
// BENCHMARKS.md for the command.
func BenchmarkBrotliQuality(b *testing.B) {
	dir := os.Getenv("FEEDGEN_BENCH_FEEDS")
	if dir == "" {
		b.Skip("set FEEDGEN_BENCH_FEEDS to a feedgen build output directory")
	}
	var bodies [][]byte
	total := 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (filepath.Ext(p) == ".xml" || filepath.Ext(p) == ".json") && len(bodies) < 60 {
			if data, err := os.ReadFile(p); err == nil {
				bodies = append(bodies, data)
				total += len(data)
			}
		}
		return nil
	})
	if len(bodies) == 0 {
		b.Skip("no feeds under " + dir)
	}
	run := func(name string, f func([]byte) []byte) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(total))
			out := 0
			for range b.N {
				out = 0
				for _, body := range bodies {
					out += len(f(body))
				}
			}
			b.ReportMetric(float64(out)/float64(total), "ratio")
		})
	}
	run("gzip9", Compress)
	for _, q := range []int{5, 7, 9, 11} {
		run(fmt.Sprintf("br%d", q), func(body []byte) []byte { return compressBrotliQ(body, q) })
	}
}

// TestCompressReusesEncoders: Compress and CompressBrotli reuse their
// encoders, and a reused encoder must write exactly what a new one writes
// (the bytes are published, and their ETags derive from them), whatever
// it compressed before, of any size and window, from several goroutines.
func TestCompressReusesEncoders(t *testing.T) {
	t.Parallel()
	sizes := []int{1, 300, 5 << 10, 100 << 10, 2 << 10, 40, 30 << 10} // windows 16 and 17
	fresh := func(b []byte) (gz, br []byte) {
		var g bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&g, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		var r bytes.Buffer
		w := brotli.NewWriterOptions(&r, brotli.WriterOptions{Quality: BrotliQuality, LGWin: brotliWindow(len(b))})
		_, _ = w.Write(b)
		_ = w.Close()
		return g.Bytes(), r.Bytes()
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 2 {
				for i := range sizes {
					n := sizes[(i+w)%len(sizes)] // each goroutine in its own order
					body := feedLike(n)[:n]
					wantGz, wantBr := fresh(body)
					if got := Compress(body); !bytes.Equal(got, wantGz) {
						t.Errorf("round %d, %d bytes: gzip differs from a new encoder's", round, n)
					}
					if got := CompressBrotli(body); !bytes.Equal(got, wantBr) {
						t.Errorf("round %d, %d bytes: Brotli differs from a new encoder's", round, n)
					}
				}
			}
		}()
	}
	wg.Wait()
}
