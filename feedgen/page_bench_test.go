package feedgen

import "testing"

// BenchmarkRenderPage is what a feed's HTML page costs on top of its three
// files (BenchmarkAssembleFeed): reading the 50 items' JSON fragments back
// and running the page templates.
func BenchmarkRenderPage(b *testing.B) {
	cfg := testConfig(b)
	items := benchItems(b, 50)
	fi := FeedInfo{Key: FeedKey{Kind: KindCategory, Name: "hebeiribao"}, Title: "河北日报新闻", Description: "d", Link: cfg.BaseURL, Updated: items[0].Updated}
	frags := make([][]byte, len(items))
	for i, a := range items {
		frags[i] = itemFragments(&cfg, a)[JSON]
	}
	b.ReportAllocs()
	for b.Loop() {
		html, err := renderPageItems(frags)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(renderPage(&cfg, fi, len(frags), html))))
	}
}
