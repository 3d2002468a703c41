package layout

import (
	"slices"
	"strings"
	"testing"
)

func TestPathsAndURLs(t *testing.T) {
	t.Parallel()
	const base = "https://feeds.example.com/"
	cases := []struct {
		key       FeedKey
		f         Format
		dir, path string
		url, rel  string
	}{
		{FeedKey{}, RSS, "", "/rss.xml", base + "rss.xml", "rss.xml"},
		{FeedKey{}, Atom, "", "/atom.xml", base + "atom.xml", "atom.xml"},
		{FeedKey{}, JSON, "", "/feed.json", base + "feed.json", "feed.json"},
		{FeedKey{KindCategory, "hebeiribao"}, Atom, "/category/hebeiribao", "/category/hebeiribao/atom.xml",
			base + "category/hebeiribao/atom.xml", "category/hebeiribao/atom.xml"},
		{FeedKey{KindTag, "财经新闻"}, RSS, "/tag/财经新闻", "/tag/财经新闻/rss.xml",
			base + "tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/rss.xml", "tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/rss.xml"},
		{FeedKey{KindTag, "with space?#"}, JSON, "/tag/with space?#", "/tag/with space?#/feed.json",
			base + "tag/with%20space%3F%23/feed.json", "tag/with%20space%3F%23/feed.json"},
	}
	for _, c := range cases {
		if got := c.key.Dir(); got != c.dir {
			t.Errorf("%+v.Dir() = %q, want %q", c.key, got, c.dir)
		}
		if got := c.key.Path(c.f); got != c.path {
			t.Errorf("%+v.Path(%v) = %q, want %q", c.key, c.f, got, c.path)
		}
		if got := c.key.URL(base, c.f); got != c.url {
			t.Errorf("%+v.URL(base, %v) = %q, want %q", c.key, c.f, got, c.url)
		}
		if got := c.key.URL("", c.f); got != c.rel {
			t.Errorf("%+v.URL(\"\", %v) = %q, want %q", c.key, c.f, got, c.rel)
		}
	}
}

func TestFolders(t *testing.T) {
	t.Parallel()
	for k, want := range map[Kind]string{KindAll: "", KindCategory: "category", KindTag: "tag"} {
		if got := k.Folder(); got != want {
			t.Errorf("Kind(%d).Folder() = %q, want %q", k, got, want)
		}
	}
	if IndexPath != "/index.html" || OPMLPath != "/feeds.opml" {
		t.Errorf("IndexPath, OPMLPath = %q, %q", IndexPath, OPMLPath)
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	if !slices.Equal(Formats, []Format{RSS, Atom, JSON}) {
		t.Fatalf("Formats = %v", Formats)
	}
	want := map[Format][4]string{
		RSS:  {"rss.xml", "application/rss+xml", TypeRSS, "RSS"},
		Atom: {"atom.xml", "application/atom+xml", TypeAtom, "Atom"},
		JSON: {"feed.json", "application/feed+json", TypeJSON, "JSON Feed"},
	}
	for _, f := range Formats {
		got := [4]string{f.FileName(), f.MediaType(), f.ContentType(), f.Label()}
		if got != want[f] {
			t.Errorf("format %d: %q, want %q", f, got, want[f])
		}
		if !strings.HasPrefix(f.ContentType(), f.MediaType()+"; charset=utf-8") {
			t.Errorf("format %d: content type %q does not carry media type %q", f, f.ContentType(), f.MediaType())
		}
	}
}

func TestLess(t *testing.T) {
	t.Parallel()
	sorted := []FeedKey{
		{KindAll, ""},
		{KindCategory, "a"},
		{KindCategory, "b"},
		{KindCategory, "中文"},
		{KindTag, ""},
		{KindTag, "a"},
		{KindTag, "财经新闻"},
	}
	for i, a := range sorted {
		for j, b := range sorted {
			if got := a.Less(b); got != (i < j) {
				t.Errorf("%+v.Less(%+v) = %v, want %v", a, b, got, i < j)
			}
		}
	}
	shuffled := []FeedKey{sorted[5], sorted[2], sorted[6], sorted[0], sorted[3], sorted[4], sorted[1]}
	slices.SortFunc(shuffled, func(a, b FeedKey) int {
		switch {
		case a.Less(b):
			return -1
		case b.Less(a):
			return 1
		}
		return 0
	})
	if !slices.Equal(shuffled, sorted) {
		t.Errorf("sorted by Less: %v, want %v", shuffled, sorted)
	}
}
