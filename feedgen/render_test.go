package feedgen

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/gorilla/feeds"

	"feedgen/index"
)

// renderWhole encodes a whole feed document at once: the reference the
// spliced fragments must equal.
func renderWhole(cfg *Config, f Format, fi FeedInfo, items []*Article) []byte {
	switch f {
	case RSS:
		its := make([]*rssItem, len(items))
		for i, a := range items {
			its[i] = rssItemFor(cfg, a)
		}
		return marshalXML(rssDocFor(cfg, fi, its))
	case Atom:
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
	g, _ := generate(t, filepath.Join("..", "seeds"), testConfig(t))
	cfg := testConfig(t)
	var all []*Article
	var paths []string
	if err := g.ix.View(func(tx *index.Tx) error {
		return tx.Walk("", "", func(p string, e index.Entry) (bool, error) {
			if e.Header != nil {
				paths = append(paths, p)
			}
			return true, nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	if len(paths) < 10 {
		t.Fatalf("only %d articles indexed", len(paths))
	}
	for _, p := range paths {
		data, _, err := g.readWhole(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := Parse(p, data, g.popt)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, a)
	}
	for _, n := range []int{0, 1, len(all)} {
		items := all[:n]
		fi := FeedInfo{Key: FeedKey{Kind: KindTag, Name: "财经新闻"}, Title: "t", Description: "d", Link: cfg.BaseURL, Updated: epoch}
		for _, f := range Formats {
			frags := make([][]byte, n)
			for i, a := range items {
				frags[i] = itemFragments(&cfg, a)[f]
			}
			got, want := renderFeed(&cfg, f, fi, fragList(frags)), renderWhole(&cfg, f, fi, items)
			if !bytes.Equal(got, want) {
				t.Errorf("%s with %d items: spliced fragments differ from the whole document\n%s", f.FileName(), n, firstDiff(string(got), string(want)))
			}
		}
	}
}
