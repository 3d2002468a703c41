package article

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanBody(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		contains []string
		absent   []string
	}{
		{
			name:     "hidden paragraph and comments dropped, stock chart kept",
			body:     `<p style="display:none;height:1px;overflow:hidden;"><br /></p><!-- EM_StockImg_Start --><p style="text-align:center;"><a href="http://quote.example.com/r/1" target="_blank"><img src="https://chart.example.com/GetPic.aspx?nid=1&amp;at=1" border="0" alt="K图" width="578" height="276" /></a></p><!-- EM_StockImg_End --><p>正文</p>`,
			contains: []string{`<img src="https://chart.example.com/GetPic.aspx?nid=1&amp;at=1"`, `alt="K图"`, "<p>正文</p>"},
			absent:   []string{"display:none", "EM_StockImg", "<!--", "style="},
		},
		{
			name:     "visibility hidden and hidden attribute",
			body:     `<div style="visibility: hidden">secret1</div><p hidden>secret2</p><p>shown</p>`,
			contains: []string{"shown"},
			absent:   []string{"secret1", "secret2"},
		},
		{
			name:     "active content removed",
			body:     `<p onclick="alert(1)">x</p><script>alert(2)</script><style>p{}</style><iframe src="https://e.example/"></iframe><a href="javascript:alert(3)">j</a><object data="x"></object>`,
			contains: []string{"<p>x</p>"},
			absent:   []string{"onclick", "alert", "<script", "<style", "<iframe", "javascript:", "<object"},
		},
		{
			name:     "urls made absolute against the article link",
			body:     `<p><img src="/images/port.jpg" alt="p"><a href="//media.example.org/report.pdf">r</a><a href="rel/page.html">q</a><a href="#note">n</a></p>`,
			contains: []string{`src="http://news.example.com/images/port.jpg"`, `href="https://media.example.org/report.pdf"`, `href="http://news.example.com/a/rel/page.html"`, ">n<"},
			// An in-page anchor means nothing in a feed reader: the link goes, its text stays.
			absent: []string{`href="#note"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, article("title: t\ndate: 2022-01-01", tt.body))
			for _, s := range tt.contains {
				if !strings.Contains(a.Content, s) {
					t.Errorf("content lacks %q:\n%s", s, a.Content)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(a.Content, s) || strings.Contains(a.Summary, s) {
					t.Errorf("content keeps %q:\n%s", s, a.Content)
				}
			}
		})
	}
}

func TestImageAndSource(t *testing.T) {
	a := mustParse(t, article("title: t\ndate: 2022-01-01", `<p style="display:none"><img src="https://hidden.example/x.png"></p><p><img src="/a.png"></p><p class="em_media">（文章来源：河北日报）</p>`))
	if a.Image != "http://news.example.com/a.png" {
		t.Errorf("image = %q, want the first visible image made absolute", a.Image)
	}
	if a.Author != "河北日报" {
		t.Errorf("author = %q", a.Author)
	}
	a = mustParse(t, article("title: t\ndate: 2022-01-01", `<p>text</p><p class="em_media">(Source: Example Wire)</p>`))
	if a.Author != "Example Wire" {
		t.Errorf("author = %q", a.Author)
	}
}

func TestSummary(t *testing.T) {
	long := strings.Repeat("中国人保", 60) // 240 runes
	tests := []struct {
		name, body, want string
	}{
		{"short text kept whole", "<p>短文</p>", "短文"},
		{"blocks separated", "<p>一</p><p>二</p><h2>三</h2>", "一 二 三"},
		{"entities decoded", "<p>R&amp;D &lt;新高&gt;</p>", "R&D <新高>"},
		{"cjk cut at 140 runes with ellipsis", "<p>" + long + "</p>", string([]rune(long)[:140]) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, article("title: t\ndate: 2022-01-01", tt.body))
			if a.Summary != tt.want {
				t.Errorf("summary = %q, want %q", a.Summary, tt.want)
			}
		})
	}
	// Latin text is cut at a word boundary.
	words := strings.Repeat("inflation cools ", 20)
	s := summarize(words)
	if !strings.HasSuffix(s, "…") || utf8.RuneCountInString(s) > SummaryRunes+1 {
		t.Fatalf("summary %q", s)
	}
	if last := strings.Fields(strings.TrimSuffix(s, "…")); last[len(last)-1] != "inflation" && last[len(last)-1] != "cools" {
		t.Errorf("word cut in half: %q", s)
	}
}

// TestSharedSeeds checks the real articles in ../shared/seeds against what
// the issue says they must give.
func TestSharedSeeds(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/seeds is not here (a user's clone has none)")
	}
	tests := []struct {
		file, title, published, category, tag, author, link string
		image                                               bool
	}{
		{
			file: "000_4fa6340cd7e9c1ac.txt", title: "中国人保为加快建设经济强省美丽河北提供保险保障",
			published: "2022-03-17T05:17:21+08:00", category: "hebeiribao", tag: "河北日报新闻", author: "河北日报",
			link: "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203172312487194",
		},
		{
			file: "004_3f7808b14809d15e.txt", title: "中国太保紧急启动抗疫应急预案！确保“沪惠保”理赔不断档、指数保险守护绿叶菜生产",
			published: "2022-03-29T09:05:17+08:00", category: "jiemianxinwen", tag: "界面新闻新闻", author: "界面新闻",
			link: "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202203292325948713", image: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			a, err := Parse(tt.file, data, testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != tt.title || a.Link != tt.link || a.ID != tt.link || a.Author != tt.author {
				t.Errorf("title %q link %q id %q author %q", a.Title, a.Link, a.ID, a.Author)
			}
			if got := a.Published.Format("2006-01-02T15:04:05Z07:00"); got != tt.published {
				t.Errorf("published %s, want %s", got, tt.published)
			}
			if len(a.Categories) != 1 || a.Categories[0] != tt.category || len(a.Tags) != 1 || a.Tags[0] != tt.tag {
				t.Errorf("categories %q tags %q", a.Categories, a.Tags)
			}
			for _, bad := range []string{"display:none", "<!--", "返回", "finews.withounder.com", "NewsShare.html", "style=", "href=\"//", "src=\"//"} {
				if strings.Contains(a.Content, bad) {
					t.Errorf("content contains %q", bad)
				}
			}
			if !strings.Contains(a.Content, "（文章来源："+tt.author+"）") {
				t.Errorf("content lost the source line")
			}
			n := utf8.RuneCountInString(a.Summary)
			if n < 100 || n > SummaryRunes+1 || !strings.HasSuffix(a.Summary, "…") || strings.ContainsAny(a.Summary, "<>") {
				t.Errorf("summary (%d runes) = %q", n, a.Summary)
			}
			if tt.image {
				const chart = "https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=1.601601&imageType=k&token=28dfeb41d35cc81d84b4664d7c23c49f&at=1"
				if a.Image != chart {
					t.Errorf("image = %q, want the stock chart", a.Image)
				}
				if !strings.Contains(a.Content, `<img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=1.601601&amp;imageType=k`) {
					t.Errorf("stock chart image not kept in content")
				}
				if !strings.HasPrefix(a.Summary, "3月28日是上海") {
					t.Errorf("summary should start with the first visible text: %q", a.Summary)
				}
			} else if a.Image != "" {
				t.Errorf("image = %q, want none", a.Image)
			}
		})
	}
}
