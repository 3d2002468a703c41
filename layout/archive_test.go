package layout

import (
	"testing"
	"time"
)

func TestArchivePaths(t *testing.T) {
	t.Parallel()
	const base = "https://feeds.example.com/"
	m := Month{2026, time.November}
	cases := []struct {
		key       FeedKey
		f         Format
		path, url string
	}{
		{FeedKey{}, RSS, "/archive/2026/11/rss.xml", base + "archive/2026/11/rss.xml"},
		{FeedKey{KindCategory, "caijing"}, Atom, "/category/caijing/archive/2026/11/atom.xml", base + "category/caijing/archive/2026/11/atom.xml"},
		{FeedKey{KindTag, "财经 新闻"}, JSON, "/tag/财经 新闻/archive/2026/11/feed.json",
			base + "tag/%E8%B4%A2%E7%BB%8F%20%E6%96%B0%E9%97%BB/archive/2026/11/feed.json"},
	}
	for _, c := range cases {
		if got := c.key.ArchivePath(m, c.f); got != c.path {
			t.Errorf("ArchivePath = %q, want %q", got, c.path)
		}
		if got := c.key.ArchiveURL(base, m, c.f); got != c.url {
			t.Errorf("ArchiveURL = %q, want %q", got, c.url)
		}
		if !IsArchive(c.path) {
			t.Errorf("IsArchive(%q) = false", c.path)
		}
		if IsArchive(c.key.Path(c.f)) {
			t.Errorf("IsArchive(%q) = true for a subscription feed", c.key.Path(c.f))
		}
	}
	for _, p := range []string{"/archive/2026/11/x.xml", "/archive/26/11/rss.xml", "/archive/2026/1a/rss.xml",
		"/foo/bar/archive/2026/11/rss.xml", "/category//archive/2026/11/rss.xml", "/index.html", "/feeds.opml",
		"archive/2026/11/rss.xml", "/tag/archive/2026/11/rss.xml/x"} {
		if IsArchive(p) {
			t.Errorf("IsArchive(%q) = true", p)
		}
	}
}

func TestMonthOf(t *testing.T) {
	t.Parallel()
	// 00:30 on 1 December in Shanghai is still November in UTC.
	sh := time.FixedZone("CST", 8*3600)
	if got := MonthOf(time.Date(2026, 12, 1, 0, 30, 0, 0, sh)); got != (Month{2026, time.November}) {
		t.Errorf("MonthOf = %v", got)
	}
	if !(Month{2025, 12}).Before(Month{2026, 1}) || (Month{2026, 2}).Before(Month{2026, 1}) {
		t.Error("Before is wrong")
	}
	for _, tc := range []struct {
		a, b Month
		want int
	}{
		{Month{2025, 12}, Month{2026, 1}, -1},
		{Month{2026, 1}, Month{2025, 12}, 1},
		{Month{2026, 2}, Month{2026, 11}, -1},
		{Month{2026, 11}, Month{2026, 2}, 1},
		{Month{2026, 3}, Month{2026, 3}, 0},
		{Month{}, Month{1, 1}, -1},
	} {
		if got := tc.a.Compare(tc.b); got != tc.want {
			t.Errorf("%v.Compare(%v) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if (Month{2026, 3}).String() != "2026-03" {
		t.Error("String is wrong")
	}
}

func TestIsFeed(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"/rss.xml": true, "/atom.xml": true, "/feed.json": true,
		"/category/caijing/rss.xml": true, "/tag/财经 新闻/feed.json": true, "/tag/archive/atom.xml": true,
		"/archive/2026/11/rss.xml": false, "/category/caijing/archive/2026/11/atom.xml": false,
		"/index.html": false, "/category/caijing/index.html": false, "/feeds.opml": false,
		"/category//rss.xml": false, "/foo/bar/rss.xml": false, "/category/a/b/rss.xml": false, "rss.xml": false,
	} {
		if got := IsFeed(p); got != want {
			t.Errorf("IsFeed(%q) = %v, want %v", p, got, want)
		}
	}
	for _, k := range []FeedKey{{}, {KindCategory, "caijing"}, {KindTag, "財經"}} {
		for _, f := range Formats {
			if !IsFeed(k.Path(f)) {
				t.Errorf("IsFeed(%q) = false for a feed's own path", k.Path(f))
			}
		}
	}
}
