package render

import (
	"testing"

	"feedgen/feedgen/article"
	"feedgen/internal/sitetest"
	"feedgen/layout"
)

// benchItems is a feed's worth of items: the sample articles repeated with
// distinct ids.
func benchItems(b *testing.B, n int) []*article.Article {
	seeds := seedArticles(b)
	items := make([]*article.Article, n)
	for i := range items {
		a := *seeds[i%len(seeds)]
		a.ID = a.ID + "#" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		items[i] = &a
	}
	return items
}

// benchFeed is the feed the benchmarks render.
func benchFeed(b *testing.B, items []*article.Article) FeedInfo {
	cfg := sitetest.Config(b)
	return FeedInfo{Key: layout.FeedKey{Kind: layout.KindCategory, Name: "hebeiribao"}, Title: "河北日报新闻", Description: "d", Link: cfg.BaseURL, Updated: items[0].Updated}
}

// BenchmarkRenderFeed renders one feed of 50 items in all three formats.
func BenchmarkRenderFeed(b *testing.B) {
	cfg := sitetest.Config(b)
	items := benchItems(b, 50)
	fi := benchFeed(b, items)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, f := range layout.Formats {
			n += len(renderWhole(&cfg, f, fi, items))
		}
		b.SetBytes(int64(n))
	}
}

// BenchmarkAssembleFeed is what a feed costs when its items' fragments are
// already rendered: the common case after a one-article change.
func BenchmarkAssembleFeed(b *testing.B) {
	cfg := sitetest.Config(b)
	items := benchItems(b, 50)
	fi := benchFeed(b, items)
	var frags [3][][]byte
	for _, a := range items {
		fr := ItemFragments(&cfg, a)
		for _, f := range layout.Formats {
			frags[f] = append(frags[f], fr[f])
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, f := range layout.Formats {
			n += len(Feed(&cfg, f, fi, FragList(frags[f])))
		}
		b.SetBytes(int64(n))
	}
}
