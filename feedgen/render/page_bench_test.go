package render

import (
	"testing"

	"feedgen/internal/sitetest"
	"feedgen/layout"
)

// BenchmarkRenderPage is what a feed's HTML page costs on top of its three
// files (BenchmarkAssembleFeed): reading the 50 items' JSON fragments back
// and running the page templates.
func BenchmarkRenderPage(b *testing.B) {
	cfg := sitetest.Config(b)
	items := benchItems(b, 50)
	fi := benchFeed(b, items)
	frags := make([][]byte, len(items))
	for i, a := range items {
		frags[i] = ItemFragments(&cfg, a)[layout.JSON]
	}
	b.ReportAllocs()
	for b.Loop() {
		html, err := PageItems(&cfg, frags)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(Page(&cfg, fi, len(frags), html))))
	}
}
