package feedgen

import (
	"os"
	"path/filepath"
	"testing"
)

// benchArticle is the largest bundled seed article, or a real one from
// ../shared/seeds when it is there.
func benchArticle(b *testing.B) (string, []byte) {
	b.Helper()
	p := filepath.Join("..", "..", "shared", "seeds", "000_4fa6340cd7e9c1ac.txt")
	data, err := os.ReadFile(p)
	if err != nil {
		p = filepath.Join("..", "seeds", "101_9c3e2a7b1d4f6e80.txt")
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

// benchItems is a feed's worth of items: the article repeated with
// distinct ids.
func benchItems(b *testing.B, n int) []*Article {
	name, data := benchArticle(b)
	items := make([]*Article, n)
	for i := range items {
		a, err := Parse(name, data, testOpts)
		if err != nil {
			b.Fatal(err)
		}
		a.ID = a.ID + "#" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		items[i] = a
	}
	return items
}

// BenchmarkRenderFeed renders one feed of 50 items in all three formats.
func BenchmarkRenderFeed(b *testing.B) {
	cfg := testConfig(b)
	items := benchItems(b, 50)
	fi := FeedInfo{Key: FeedKey{Kind: KindCategory, Name: "hebeiribao"}, Title: "河北日报新闻", Description: "d", Link: cfg.BaseURL, Updated: items[0].Updated}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, f := range Formats {
			n += len(renderWhole(&cfg, f, fi, items))
		}
		b.SetBytes(int64(n))
	}
}

// BenchmarkAssembleFeed is what a feed costs when its items' fragments are
// already rendered: the common case after a one-article change.
func BenchmarkAssembleFeed(b *testing.B) {
	cfg := testConfig(b)
	items := benchItems(b, 50)
	fi := FeedInfo{Key: FeedKey{Kind: KindCategory, Name: "hebeiribao"}, Title: "河北日报新闻", Description: "d", Link: cfg.BaseURL, Updated: items[0].Updated}
	var frags [3][][]byte
	for _, a := range items {
		fr := itemFragments(&cfg, a)
		for _, f := range Formats {
			frags[f] = append(frags[f], fr[f])
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, f := range Formats {
			n += len(renderFeed(&cfg, f, fi, fragList(frags[f])))
		}
		b.SetBytes(int64(n))
	}
}
