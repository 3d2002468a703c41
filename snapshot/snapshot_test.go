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
	t.Parallel()
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
	t.Parallel()
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

// TestCompact proves that a compact file drops its identity bytes only when
// a smaller gzip form holds them, that every accessor still yields exactly
// those bytes, and that the validators do not change with the form.
func TestCompact(t *testing.T) {
	t.Parallel()
	body := feedLike(64 << 10)
	p := NewPlainFile("/rss.xml", layout.TypeRSS, body, time.Unix(1e9, 0))
	c := p.Compact()
	if c == p || p.Body == nil || p.Gzip != nil || p.Compressed {
		t.Fatal("Compact must return a copy and leave the original alone")
	}
	if c.Body != nil || c.Gzip == nil || !c.Compressed || !c.IsCompact() {
		t.Fatalf("compact file: body %d bytes, gzip %d bytes", len(c.Body), len(c.Gzip))
	}
	if c.ETag != p.ETag || c.GzipETag != p.GzipETag || !c.ModTime.Equal(p.ModTime) || c.ETag != ETagOf(body) {
		t.Error("Compact changed a validator")
	}
	if c.Size() != len(body) || p.Size() != len(body) {
		t.Errorf("Size %d / %d, want %d", c.Size(), p.Size(), len(body))
	}
	got, err := c.Identity()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("Identity of a compact file: %d bytes, err %v", len(got), err)
	}
	var buf bytes.Buffer
	if n, err := c.WriteIdentity(&buf); err != nil || n != int64(len(body)) || !bytes.Equal(buf.Bytes(), body) {
		t.Fatalf("WriteIdentity of a compact file: %d bytes, err %v", n, err)
	}
	if c.Compact() != c {
		t.Error("compacting twice")
	}
	// Compacting a file that already has its gzip form does not recompress.
	z := p.WithGzip()
	if zc := z.Compact(); !bytes.Equal(zc.Gzip, z.Gzip) || zc.Body != nil || z.Body == nil {
		t.Error("Compact of a compressed file")
	}
	// A body that gzip does not shrink keeps its identity bytes.
	tiny := NewPlainFile("/t", layout.TypePlain, []byte("x"), time.Time{})
	if tc := tiny.Compact(); tc.IsCompact() || string(tc.Body) != "x" || !tc.Compressed || tc.Compact() != tc {
		t.Error("a file without a gzip form must keep its body")
	}
	// The identity accessors on a non-compact file return Body itself.
	if id, err := p.Identity(); err != nil || &id[0] != &p.Body[0] {
		t.Error("Identity of a plain file must be its Body, not a copy")
	}
	buf.Reset()
	if n, err := p.WriteIdentity(&buf); err != nil || n != int64(len(body)) || !bytes.Equal(buf.Bytes(), body) {
		t.Error("WriteIdentity of a plain file")
	}
	empty := NewFile("/e", layout.TypePlain, nil, time.Time{}).Compact()
	if id, err := empty.Identity(); err != nil || len(id) != 0 || empty.Size() != 0 || empty.ETag != ETagOf(nil) {
		t.Error("empty file")
	}
}

// TestCompactCorrupt proves that a damaged gzip form is an error, never
// wrong identity bytes: gzip's CRC and length are checked.
func TestCompactCorrupt(t *testing.T) {
	t.Parallel()
	body := feedLike(16 << 10)
	c := NewFile("/rss.xml", layout.TypeRSS, body, time.Time{}).Compact()
	flipped := *c
	flipped.Gzip = bytes.Clone(c.Gzip)
	flipped.Gzip[len(flipped.Gzip)-6] ^= 0xff // inside the CRC-32 trailer
	truncated := *c
	truncated.Gzip = c.Gzip[:len(c.Gzip)/2]
	short := *c
	short.size-- // the stream holds one byte more than recorded
	long := *c
	long.size++
	for name, f := range map[string]*File{"crc": &flipped, "truncated": &truncated, "short": &short, "long": &long} {
		if b, err := f.Identity(); err == nil {
			t.Errorf("%s: Identity returned %d bytes and no error", name, len(b))
		}
		if _, err := f.WriteIdentity(io.Discard); err == nil {
			t.Errorf("%s: WriteIdentity returned no error", name)
		}
	}
	// The pool must not hand out a reader left broken by those errors.
	if b, err := c.Identity(); err != nil || !bytes.Equal(b, body) {
		t.Fatalf("after errors: %v", err)
	}
}

func BenchmarkIdentity(b *testing.B) {
	body := feedLike(350 << 10)
	c := NewFile("/rss.xml", layout.TypeRSS, body, time.Time{}).Compact()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Identity(); err != nil {
			b.Fatal(err)
		}
	}
}
