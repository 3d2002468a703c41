package render

import (
	"bytes"
	"testing"

	"github.com/gorilla/feeds"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/internal/sitetest"
	"feedgen/layout"
)

// renderWhole encodes a whole feed document at once: the reference the
// spliced fragments must equal.
func renderWhole(cfg *config.Config, f layout.Format, fi FeedInfo, items []*article.Article) []byte {
	switch f {
	case layout.RSS:
		its := make([]*rssItem, len(items))
		for i, a := range items {
			its[i] = rssItemFor(cfg, a)
		}
		return marshalXML(rssDocFor(cfg, fi, its))
	case layout.Atom:
		es := make([]*atomEntry, len(items))
		for i, a := range items {
			es[i] = atomEntryFor(cfg, a)
		}
		return marshalXML(atomDocFor(cfg, fi, es))
	}
	its := make([]*feeds.JSONItem, len(items))
	for i, a := range items {
		its[i] = jsonItemFor(cfg, a)
	}
	return marshalJSON(jsonDocFor(cfg, fi, its))
}

// TestFragmentsEqualWholeDocument holds the item-fragment splicing to what
// encoding the whole document gives, for 0, 1 and many items.
func TestFragmentsEqualWholeDocument(t *testing.T) {
	cfg := sitetest.Config(t)
	all := seedArticles(t)
	for _, n := range []int{0, 1, len(all)} {
		items := all[:n]
		fi := FeedInfo{Key: layout.FeedKey{Kind: layout.KindTag, Name: "财经新闻"}, Title: "t", Description: "d", Link: cfg.BaseURL, Updated: Epoch}
		for _, f := range layout.Formats {
			frags := make([][]byte, n)
			for i, a := range items {
				frags[i] = ItemFragments(&cfg, a)[f]
			}
			got, want := Feed(&cfg, f, fi, FragList(frags)), renderWhole(&cfg, f, fi, items)
			if !bytes.Equal(got, want) {
				t.Errorf("%s with %d items: spliced fragments differ from the whole document\n%s", f.FileName(), n, firstDiff(string(got), string(want)))
			}
		}
	}
}
