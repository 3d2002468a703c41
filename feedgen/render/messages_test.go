package render

import (
	"html/template"
	"net/url"
	"strings"
	"testing"

	"feedgen/internal/sitetest"
	"feedgen/layout"
)

func TestMessagesFor(t *testing.T) {
	for lang, want := range map[string]string{"zh-CN": "订阅", "zh": "订阅", "ZH-hans": "订阅", "zh_TW": "订阅", "en": "Subscribe", "en-US": "Subscribe", "de": "Subscribe", "": "Subscribe"} {
		if got := messagesFor(lang).Subscribe; got != want {
			t.Errorf("messagesFor(%q).Subscribe = %q, want %q", lang, got, want)
		}
	}
	counts := []struct {
		t    messages
		n    int
		want string
	}{
		{english, 0, "0 articles"}, {english, 1, "1 article"}, {english, 2, "2 articles"},
		{chinese, 1, "1 篇"}, {chinese, 12, "12 篇"},
	}
	for _, c := range counts {
		if got := c.t.Articles(c.n); got != c.want {
			t.Errorf("Articles(%d) = %q, want %q", c.n, got, c.want)
		}
	}
	if got := english.ArchiveSpan("2024-03", "2024-03", 1); got != "archive: 2024-03" {
		t.Errorf("one month: %q", got)
	}
	if got := chinese.ArchiveSpan("2023-11", "2024-02", 3); got != "存档：2023-11 – 2024-02，共 3 个月" {
		t.Errorf("three months: %q", got)
	}
}

func TestWrapAtSlashes(t *testing.T) {
	for in, want := range map[string]template.HTML{
		"https://feeds.example.com/tag/%E8%B4%A2/rss.xml": "https://feeds.example.com/<wbr>tag/<wbr>%E8%B4%A2/<wbr>rss.xml",
		"http://h/a&b<c>": "http://h/<wbr>a&amp;b&lt;c&gt;",
		"rss.xml":         "rss.xml",
	} {
		if got := wrapAtSlashes(in); got != want {
			t.Errorf("wrapAtSlashes(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReaderLinks: each web reader gets the whole feed address, escaped
// as a query value, so that it decodes back to the address.
func TestReaderLinks(t *testing.T) {
	feed := "https://feeds.example.com/tag/%E8%B4%A2%E7%BB%8F/rss.xml?x=1&y=2"
	links := readerLinks(feed)
	if len(links) != 3 || links[0].Name != "Feedly" || links[1].Name != "Inoreader" || links[2].Name != "NewsBlur" {
		t.Fatalf("links %+v", links)
	}
	for _, l := range links {
		i := strings.LastIndexAny(l.Href, "=/")
		got, err := url.QueryUnescape(l.Href[i+1:])
		if err != nil || got != feed {
			t.Errorf("%s: %q carries %q (%v), want %q", l.Name, l.Href, got, err, feed)
		}
	}
}

// TestPagesSpeakTheSiteLanguage: the same feed's page in zh-CN and in
// English, with plurals right and no separator left dangling.
func TestPagesSpeakTheSiteLanguage(t *testing.T) {
	cfg := sitetest.Config(t)
	items := seedArticles(t)[:1]
	fi := FeedInfo{Key: layout.FeedKey{Kind: layout.KindCategory, Name: "caijing"}, Title: "财经新闻"}
	frags := [][]byte{ItemFragments(&cfg, items[0])[layout.JSON]}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{`lang="zh-CN"`, ">订阅<", "最新文章", "1 篇", ">分类<"}},
		{"en", []string{`lang="en"`, ">Subscribe<", "Latest articles", "1 article<", ">Category<"}},
	} {
		cfg.Language = c.lang
		html, err := PageItems(&cfg, frags)
		if err != nil {
			t.Fatal(err)
		}
		page := string(Page(&cfg, fi, 1, html))
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the page does not say %s", c.lang, w)
			}
		}
		for _, bad := range []string{"· <", "· ·", "> ·</", "1 articles", "https://feedly.com/i/subscription/feed/https://"} {
			if strings.Contains(page, bad) {
				t.Errorf("%s: the page holds %q", c.lang, bad)
			}
		}
	}
}
