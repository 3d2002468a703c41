package snapshot

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"

	"feedgen/layout"
)

// feedLike is a body shaped like a feed of CJK articles.
func feedLike(n int) []byte {
	var b strings.Builder
	words := []string{"保险", "银行", "理财", "市场", "农业", "科技", "港口", "投资", "增长", "政策"}
	for i := 0; b.Len() < n; i++ {
		b.WriteString("<p>")
		for j := 0; j < 40; j++ {
			b.WriteString(words[(i*7+j*3)%len(words)])
		}
		b.WriteString("</p>\n")
	}
	return []byte(b.String())
}

func TestNewFile(t *testing.T) {
	body := feedLike(64 << 10)
	f := NewFile("/rss.xml", layout.TypeRSS, body, time.Unix(1e9, 5e8))
	if f.Gzip == nil {
		t.Fatal("compressible body has no gzip form")
	}
	zr, err := gzip.NewReader(bytes.NewReader(f.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("gzip form does not decode to the body (err %v)", err)
	}
	if g := NewFile("/rss.xml", layout.TypeRSS, body, time.Unix(2e9, 0)); !bytes.Equal(g.Gzip, f.Gzip) || g.ETag != f.ETag {
		t.Error("same bytes must give the same gzip bytes and ETag")
	}
	if f.ETag == f.GzipETag || !strings.HasPrefix(f.ETag, `"`) {
		t.Errorf("etags %s %s", f.ETag, f.GzipETag)
	}
	if !f.ModTime.Equal(time.Unix(1e9, 0)) {
		t.Errorf("modtime %v not truncated to the second (HTTP dates have no fraction)", f.ModTime)
	}
	if p := NewPlainFile("/a.xml", layout.TypeRSS, body, time.Unix(1e9, 0)); p.Gzip != nil || p.ETag != f.ETag {
		t.Error("plain file must have the same ETag and no gzip")
	}
	if tiny := NewFile("/t", layout.TypePlain, []byte("x"), time.Time{}); tiny.Gzip != nil {
		t.Error("gzip kept although larger than the body")
	}
	s := New([]*File{f, NewFile("/a", layout.TypePlain, []byte("a"), time.Time{})}, Stats{Articles: 3})
	if s.Len() != 2 || s.Paths()[0] != "/a" || s.Get("/rss.xml") != f || s.Get("/nope") != nil || s.Stats().Articles != 3 {
		t.Error("snapshot lookups")
	}
	var nilSnap *Snapshot
	if nilSnap.Len() != 0 || nilSnap.Get("/a") != nil {
		t.Error("nil snapshot")
	}
}

func BenchmarkNewFile(b *testing.B) {
	body := feedLike(350 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		NewFile("/rss.xml", layout.TypeRSS, body, time.Time{})
	}
}

func TestWithGzip(t *testing.T) {
	body := feedLike(8 << 10)
	p := NewPlainFile("/rss.xml", layout.TypeRSS, body, time.Unix(1e9, 0))
	if p.Compressed || p.Gzip != nil {
		t.Fatal("plain file compressed")
	}
	z := p.WithGzip()
	if z == p || !z.Compressed || z.Gzip == nil || p.Gzip != nil {
		t.Fatal("WithGzip must return a compressed copy and leave the original alone")
	}
	if z.ETag != p.ETag || !z.ModTime.Equal(p.ModTime) || string(z.Body) != string(p.Body) {
		t.Error("WithGzip changed the identity representation")
	}
	if z.WithGzip() != z {
		t.Error("compressing twice")
	}
}
