package render

import (
	"strings"
	"testing"

	"feedgen/feedgen/article"
	"feedgen/internal/sitetest"
	"feedgen/layout"
)

// TestPageCSPAllowsTheStyleSheet keeps the policy's style hash equal to the
// embedded sheet: a changed sheet with a stale hash would leave every page
// unstyled, with a console error in every browser.
func TestPageCSPAllowsTheStyleSheet(t *testing.T) {
	if want := "style-src " + styleHash() + ";"; !strings.Contains(layout.PageCSP, want) {
		t.Fatalf("layout.PageCSP = %q\ndoes not allow the embedded style sheet; want it to contain %q", layout.PageCSP, want)
	}
	if strings.Contains(layout.PageCSP, "unsafe") || !strings.HasPrefix(layout.PageCSP, "default-src 'none';") {
		t.Errorf("layout.PageCSP = %q: want default-src 'none' and nothing unsafe", layout.PageCSP)
	}
}

func TestPageItemOf(t *testing.T) {
	cases := []struct {
		name, frag string
		want       pageItem
		bad        bool
	}{
		{"own zone kept", `{"id":"i1","url":"https://e.example/1","title":"标题","summary":"摘要","image":"https://img.example/a.png","date_published":"2024-05-06T09:30:00+08:00","authors":[{"name":"示例财经网"}]}`,
			pageItem{ID: "i1", URL: "https://e.example/1", Title: "标题", Summary: "摘要", Image: "https://img.example/a.png", Source: "示例财经网",
				DateISO: "2024-05-06T09:30:00+08:00", DateText: "2024-05-06 09:30 UTC+08:00"}, false},
		{"negative offset", `{"id":"i2","date_published":"2024-05-14T21:45:00.5-05:00"}`,
			pageItem{ID: "i2", DateISO: "2024-05-14T21:45:00-05:00", DateText: "2024-05-14 21:45 UTC-05:00"}, false},
		{"image of another scheme dropped", `{"id":"i3","image":"data:image/png;base64,AAAA"}`, pageItem{ID: "i3"}, false},
		{"javascript image dropped", `{"id":"i4","image":"javascript:alert(1)"}`, pageItem{ID: "i4"}, false},
		{"http image kept", `{"id":"i5","image":"http://img.example/b.jpg"}`, pageItem{ID: "i5", Image: "http://img.example/b.jpg"}, false},
		{"not JSON", `{"id":`, pageItem{}, true},
		{"bad date", `{"id":"i6","date_published":"yesterday"}`, pageItem{}, true},
	}
	for _, c := range cases {
		got, err := pageItemOf([]byte(c.frag))
		if (err != nil) != c.bad {
			t.Errorf("%s: error %v, want error %v", c.name, err, c.bad)
			continue
		}
		if !c.bad && got != c.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

// FuzzWithoutContent holds the shortcut that skips an item's body to
// decoding the whole item: for any body, summary and title, the page shows
// the same.
func FuzzWithoutContent(f *testing.F) {
	f.Add(`<p>正文 "quoted" \ back\slash</p>`, "摘要", "标题")
	f.Add(`"content_html": "`, `\"content_html\": \"`, `","`)
	f.Add("", "", "x")
	f.Add(`<p>\u2028 </p>`, "\x00\x1f", "<>&")
	cfg := sitetest.Config(f)
	f.Fuzz(func(t *testing.T, content, summary, title string) {
		a := &article.Article{ID: "tag:x,2024:1", Link: "http://e.example/1", Title: title, Summary: summary, Content: content,
			Image: "https://img.example/a.png", Author: "src", Published: Epoch, Updated: Epoch}
		frag := ItemFragments(&cfg, a)[layout.JSON]
		want, err := decodePageItem(frag)
		if err != nil {
			t.Fatalf("decoding the whole item: %v", err)
		}
		got, err := pageItemOf(frag)
		if err != nil || got != want {
			t.Fatalf("without content: %+v, %v\nwhole: %+v", got, err, want)
		}
		if content != "" && len(withoutContent(frag)) >= len(frag) {
			t.Errorf("the body was not skipped")
		}
	})
}
