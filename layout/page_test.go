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
