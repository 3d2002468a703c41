package snapshot

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
