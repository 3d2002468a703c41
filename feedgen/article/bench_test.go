package article

import (
	"os"
	"path/filepath"
	"testing"
)

// benchArticle is the largest bundled seed article, or a real one from
// ../shared/seeds when it is there.
func benchArticle(b *testing.B) (string, []byte) {
	b.Helper()
	p := filepath.Join("..", "..", "..", "shared", "seeds", "000_4fa6340cd7e9c1ac.txt")
	data, err := os.ReadFile(p)
	if err != nil {
		p = filepath.Join("..", "..", "seeds", "101_9c3e2a7b1d4f6e80.txt")
		if data, err = os.ReadFile(p); err != nil {
			b.Fatal(err)
		}
	}
	return filepath.Base(p), data
}

// BenchmarkParseHeader is what indexing costs per article: front matter and
// trailer from the head and tail of the file.
func BenchmarkParseHeader(b *testing.B) {
	name, data := benchArticle(b)
	head, tail := data, []byte(nil)
	if len(data) > headSize+tailSize {
		head, tail = data[:headSize], tailOf(data)
	}
	b.SetBytes(int64(len(head) + len(tail)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseHeader(name, head, tail, testOpts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is the full parse of one article, cleaning included.
func BenchmarkParse(b *testing.B) {
	name, data := benchArticle(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(name, data, testOpts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClean is the body cleaning alone.
func BenchmarkClean(b *testing.B) {
	name, data := benchArticle(b)
	h, err := parseHeader(name, data, nil, testOpts)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(h.body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cleanBody(h.body, h.base); err != nil {
			b.Fatal(err)
		}
	}
}
