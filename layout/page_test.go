package layout

import (
	"strings"
	"testing"
)

func TestPagePaths(t *testing.T) {
	t.Parallel()
	const base = "https://feeds.example.com/"
	cases := []struct {
		key            FeedKey
		path, url, rel string
	}{
		{FeedKey{}, "/index.html", base, ""},
		{FeedKey{KindCategory, "caijing"}, "/category/caijing/index.html", base + "category/caijing/", "category/caijing/"},
		{FeedKey{KindTag, "财经 新闻"}, "/tag/财经 新闻/index.html", base + "tag/%E8%B4%A2%E7%BB%8F%20%E6%96%B0%E9%97%BB/", "tag/%E8%B4%A2%E7%BB%8F%20%E6%96%B0%E9%97%BB/"},
	}
	for _, c := range cases {
		if got := c.key.PagePath(); got != c.path {
			t.Errorf("%+v.PagePath() = %q, want %q", c.key, got, c.path)
		}
		if got := c.key.PageURL(base); got != c.url {
			t.Errorf("%+v.PageURL(base) = %q, want %q", c.key, got, c.url)
		}
		if got := c.key.PageURL(""); got != c.rel {
			t.Errorf("%+v.PageURL(\"\") = %q, want %q", c.key, got, c.rel)
		}
	}
	if IndexPath != (FeedKey{}).PagePath() {
		t.Errorf("IndexPath %q is not the global feed's page %q", IndexPath, (FeedKey{}).PagePath())
	}
	// A <meta> policy may not carry frame-ancestors (browsers log an error).
	if strings.Contains(PageCSP, "frame-ancestors") || !strings.HasPrefix(PageCSPHeader, PageCSP+";") {
		t.Errorf("PageCSP %q, PageCSPHeader %q", PageCSP, PageCSPHeader)
	}
}

func TestListPathAndAssetType(t *testing.T) {
	t.Parallel()
	if got := KindCategory.ListPath(); got != "/category/index.html" {
		t.Errorf("KindCategory.ListPath() = %q", got)
	}
	if got := KindTag.ListPath(); got != "/tag/index.html" {
		t.Errorf("KindTag.ListPath() = %q", got)
	}
	if got := KindAll.ListPath(); got != IndexPath {
		t.Errorf("KindAll.ListPath() = %q, want IndexPath", got)
	}
	cases := map[string]string{
		"images/a.png": "image/png", "b.JPG": "image/jpeg", "c.jpeg": "image/jpeg", "d.gif": "image/gif", "e.webp": "image/webp",
		"f.svg": "", "g.txt": "", "rss.xml": "", "index.html": "", "png": "",
	}
	for p, want := range cases {
		if got := AssetType(p); got != want {
			t.Errorf("AssetType(%q) = %q, want %q", p, got, want)
		}
	}
}
