package article

import (
	"strings"
	"testing"
	"time"
)

var testOpts = ParseOptions{Location: time.UTC, TagAuthority: "feeds.example.com", DefaultBase: "https://feeds.example.com/"}

const trailerLines = "\n\n<http://news.example.com/a/1.html>\n\n[返回财经新闻](//news.example.com/category/caijing.html)｜[返回首页](//news.example.com/)"

func article(fm, body string) string {
	return "---\n" + fm + "\n---\n" + body + trailerLines
}

func mustParse(t *testing.T, src string) *Article {
	t.Helper()
	a, err := Parse("x/1.txt", []byte(src), testOpts)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return a
}

func TestParseForms(t *testing.T) {
	cst := time.FixedZone("", 8*3600)
	tests := []struct {
		name       string
		src        string
		wantTitle  string
		wantDate   time.Time
		wantCats   []string
		wantTags   []string
		wantOffset int
	}{
		{
			name:      "jekyll date and single category",
			src:       article("title: 标题\ndate: 2022-03-17 05:17:21 +0800\ncategories: hebeiribao\ntags: 河北日报新闻", "<p>正文</p>"),
			wantTitle: "标题", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst),
			wantCats: []string{"hebeiribao"}, wantTags: []string{"河北日报新闻"}, wantOffset: 8 * 3600,
		},
		{
			name:      "space separated categories, tag key in singular",
			src:       article("title: t\ndate: 2022-03-17 05:17:21 +0800\ncategories: a b  c\ntag: x y", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst),
			wantCats: []string{"a", "b", "c"}, wantTags: []string{"x", "y"}, wantOffset: 8 * 3600,
		},
		{
			name:      "yaml lists, duplicates dropped, list items keep spaces",
			src:       article("title: t\ndate: 2022-03-17 05:17:21 +0800\ncategories:\n  - a\n  - b\n  - a\ntags: [machine learning, 市场]", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst),
			wantCats: []string{"a", "b"}, wantTags: []string{"machine learning", "市场"}, wantOffset: 8 * 3600,
		},
		{
			name:      "category singular key",
			src:       article("title: t\ndate: 2022-03-17 05:17:21 +0800\ncategory: solo", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst),
			wantCats: []string{"solo"}, wantOffset: 8 * 3600,
		},
		{
			name:      "rfc3339 date",
			src:       article("title: t\ndate: 2024-05-07T08:15:00+08:00", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2024, 5, 7, 8, 15, 0, 0, cst), wantOffset: 8 * 3600,
		},
		{
			name:      "rfc3339 date quoted, negative offset",
			src:       article("title: t\ndate: \"2024-05-14T21:45:00-05:00\"", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2024, 5, 14, 21, 45, 0, 0, time.FixedZone("", -5*3600)), wantOffset: -5 * 3600,
		},
		{
			name:      "date only uses configured zone",
			src:       article("title: t\ndate: 2024-05-08", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2024, 5, 8, 0, 0, 0, 0, time.UTC), wantOffset: 0,
		},
		{
			name:      "date and time without zone",
			src:       article("title: t\ndate: 2024-05-08 10:11:12", "<p>b</p>"),
			wantTitle: "t", wantDate: time.Date(2024, 5, 8, 10, 11, 12, 0, time.UTC), wantOffset: 0,
		},
		{
			name:      "CRLF line ends",
			src:       strings.ReplaceAll(article("title: crlf\ndate: 2022-03-17 05:17:21 +0800\ncategories: a", "<p>b</p>"), "\n", "\r\n"),
			wantTitle: "crlf", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst), wantCats: []string{"a"}, wantOffset: 8 * 3600,
		},
		{
			name:      "UTF-8 BOM",
			src:       "\ufeff" + article("title: bom\ndate: 2022-03-17 05:17:21 +0800", "<p>b</p>"),
			wantTitle: "bom", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst), wantOffset: 8 * 3600,
		},
		{
			name:      "TOML front matter",
			src:       "+++\ntitle = \"toml\"\ndate = \"2022-03-17 05:17:21 +0800\"\ncategories = [\"a\", \"b\"]\ntags = \"x\"\n+++\n<p>b</p>" + trailerLines,
			wantTitle: "toml", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst), wantCats: []string{"a", "b"}, wantTags: []string{"x"}, wantOffset: 8 * 3600,
		},
		{
			name:      "TOML native offset date-time",
			src:       "+++\ntitle = \"toml\"\ndate = 2022-03-17T05:17:21+08:00\n+++\n<p>b</p>" + trailerLines,
			wantTitle: "toml", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst), wantOffset: 8 * 3600,
		},
		{
			name:      "title with control characters and CDATA end is cleaned",
			src:       article("title: \"a\\x01b ]]> c\"\ndate: 2022-03-17 05:17:21 +0800", "<p>b</p>"),
			wantTitle: "ab ]]> c", wantDate: time.Date(2022, 3, 17, 5, 17, 21, 0, cst), wantOffset: 8 * 3600,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustParse(t, tt.src)
			if a.Title != tt.wantTitle {
				t.Errorf("title = %q, want %q", a.Title, tt.wantTitle)
			}
			if !a.Published.Equal(tt.wantDate) {
				t.Errorf("published = %v, want %v", a.Published, tt.wantDate)
			}
			if _, off := a.Published.Zone(); off != tt.wantOffset {
				t.Errorf("offset = %d, want %d (the article's own zone must be kept)", off, tt.wantOffset)
			}
			if strings.Join(a.Categories, "|") != strings.Join(tt.wantCats, "|") {
				t.Errorf("categories = %q, want %q", a.Categories, tt.wantCats)
			}
			if strings.Join(a.Tags, "|") != strings.Join(tt.wantTags, "|") {
				t.Errorf("tags = %q, want %q", a.Tags, tt.wantTags)
			}
			if a.Link != "http://news.example.com/a/1.html" || a.ID != a.Link {
				t.Errorf("link, id = %q, %q; want the <…> line", a.Link, a.ID)
			}
		})
	}
}

func TestParseBadInput(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"empty file", "", "empty file"},
		{"binary", "---\ntitle: x\x00\n---\n", "NUL byte"},
		{"no front matter", "<p>just html</p>", "no front matter"},
		{"front matter not first", "\n---\ntitle: x\n---\n", "no front matter"},
		{"unclosed front matter", "---\ntitle: x\ndate: 2022-01-01\n<p>b</p>", "not closed"},
		{"unclosed toml", "+++\ntitle = \"x\"\n", "not closed"},
		{"invalid yaml", "---\ntitle: [unclosed\n---\n<p>b</p>", "front matter"},
		{"duplicate yaml key", "---\ntitle: a\ntitle: b\ndate: 2022-01-01\n---\n", "front matter"},
		{"invalid toml", "+++\ntitle = \n+++\n", "front matter"},
		{"no title", article("date: 2022-03-17 05:17:21 +0800", "<p>b</p>"), "no title"},
		{"blank title", article("title: \"  \"\ndate: 2022-03-17 05:17:21 +0800", "<p>b</p>"), "no title"},
		{"no date", article("title: t", "<p>b</p>"), "no date"},
		{"unparseable date", article("title: t\ndate: yesterday", "<p>b</p>"), "not a date"},
		{"impossible date", article("title: t\ndate: 2022-02-30 10:00:00 +0800", "<p>b</p>"), "not a date"},
		{"date is a list", article("title: t\ndate: [1, 2]", "<p>b</p>"), "not a date"},
		{"bad last_modified_at", article("title: t\ndate: 2022-01-01\nlast_modified_at: soon", "<p>b</p>"), "last_modified_at"},
		{"category escapes folder", article("title: t\ndate: 2022-01-01\ncategories: ../../etc", "<p>b</p>"), "path separator"},
		{"category dot dot", article("title: t\ndate: 2022-01-01\ncategories: ..", "<p>b</p>"), "not allowed"},
		{"tag with slash", article("title: t\ndate: 2022-01-01\ntags: [\"a/b\"]", "<p>b</p>"), "path separator"},
		{"tag with backslash", article("title: t\ndate: 2022-01-01\ntags: [\"a\\\\b\"]", "<p>b</p>"), "path separator"},
		{"hidden tag", article("title: t\ndate: 2022-01-01\ntags: .git", "<p>b</p>"), "starts with a dot"},
		{"tag with control char", article("title: t\ndate: 2022-01-01\ntags: [\"a\\u0007b\"]", "<p>b</p>"), "control character"},
		{"categories is a map", article("title: t\ndate: 2022-01-01\ncategories: {a: 1}", "<p>b</p>"), "categories"},
		{"invalid UTF-8", article("title: t\ndate: 2022-01-01", "<p>\xff\xfe\xfd</p>"), "invalid UTF-8"},
		{"bad link", article("title: t\ndate: 2022-01-01\nlink: javascript:alert(1)", "<p>b</p>"), "link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("x/1.txt", []byte(tt.src), testOpts)
			if err == nil {
				t.Fatalf("Parse accepted bad input: %+v", a)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestParseNotPublished(t *testing.T) {
	_, err := Parse("a.txt", []byte(article("title: t\ndate: 2022-01-01\npublished: false", "<p>b</p>")), testOpts)
	if err != ErrNotPublished {
		t.Fatalf("err = %v, want ErrNotPublished", err)
	}
	if _, err := Parse("a.txt", []byte(article("title: t\ndate: 2022-01-01\npublished: true", "<p>b</p>")), testOpts); err != nil {
		t.Fatalf("published: true: %v", err)
	}
}

func TestParseDateFromFileName(t *testing.T) {
	a, err := Parse("posts/2021-07-04-holiday.md", []byte(article("title: t", "<p>b</p>")), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2021, 7, 4, 0, 0, 0, 0, time.UTC); !a.Published.Equal(want) {
		t.Errorf("published = %v, want %v", a.Published, want)
	}
}

func TestParseLastModified(t *testing.T) {
	a := mustParse(t, article("title: t\ndate: 2022-03-17 05:17:21 +0800\nlast_modified_at: 2022-03-18 06:00:00 +0800", "<p>b</p>"))
	if a.Updated.Format(time.RFC3339) != "2022-03-18T06:00:00+08:00" {
		t.Errorf("updated = %v", a.Updated)
	}
	a = mustParse(t, article("title: t\ndate: 2022-03-17 05:17:21 +0800", "<p>b</p>"))
	if !a.Updated.Equal(a.Published) {
		t.Errorf("updated %v should default to published %v", a.Updated, a.Published)
	}
}

func TestParseGB18030(t *testing.T) {
	// "---\ntitle: 中文\ndate: 2022-01-01\n---\n<p>正文</p>\n" in GB18030.
	gb := []byte("---\ntitle: \xd6\xd0\xce\xc4\ndate: 2022-01-01\n---\n<p>\xd5\xfd\xce\xc4</p>\n")
	a, err := Parse("gb.txt", gb, testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "中文" || !strings.Contains(a.Content, "正文") {
		t.Errorf("title %q content %q", a.Title, a.Content)
	}
}

func TestTrailerAndIDs(t *testing.T) {
	a := mustParse(t, article("title: t\ndate: 2022-01-01", "<p>b</p>"))
	if a.CategoryName != "财经新闻" || a.CategoryHome != "https://news.example.com/category/caijing.html" || a.SiteHome != "https://news.example.com/" {
		t.Errorf("nav = %q %q %q", a.CategoryName, a.CategoryHome, a.SiteHome)
	}
	if strings.Contains(a.Content, "返回") || strings.Contains(a.Content, "news.example.com/a/1.html") {
		t.Errorf("trailer leaked into content: %q", a.Content)
	}

	// Without a link line the id is a tag: URI from the base name, the same
	// in any folder and after any edit.
	src := "---\ntitle: t\ndate: 2022-01-01\n---\n<p>b</p>\n"
	a1, err := Parse("a/post-1.txt", []byte(src), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Parse("b/c/post-1.txt", []byte(strings.Replace(src, "<p>b</p>", "<p>edited</p>", 1)), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if a1.ID != "tag:feeds.example.com,2000:post-1" || a1.ID != a2.ID {
		t.Errorf("ids %q, %q", a1.ID, a2.ID)
	}
	if a1.Link != "" {
		t.Errorf("link = %q, want none", a1.Link)
	}

	// A body line that merely looks like a trailer in the middle stays.
	mid := article("title: t\ndate: 2022-01-01", "<p>one</p>\n<http://x.example/not-the-link>\n<p>two</p>")
	a = mustParse(t, mid)
	if a.Link != "http://news.example.com/a/1.html" || !strings.Contains(a.Content, "two") {
		t.Errorf("link %q content %q", a.Link, a.Content)
	}
}

func TestFrontMatterOverrides(t *testing.T) {
	a := mustParse(t, article("title: t\ndate: 2022-01-01\nauthor: 张三\ndescription: \"<b>自定义</b>摘要\"\nimage: /img/a.png\nlink: https://other.example/x", `<p class="em_media">（文章来源：某报）</p>`))
	if a.Author != "张三" {
		t.Errorf("author %q", a.Author)
	}
	if a.Summary != "自定义摘要" {
		t.Errorf("summary %q", a.Summary)
	}
	if a.Image != "https://other.example/img/a.png" {
		t.Errorf("image %q", a.Image)
	}
	if a.Link != "https://other.example/x" || a.ID != a.Link {
		t.Errorf("link %q id %q", a.Link, a.ID)
	}
}

func TestParseNav(t *testing.T) {
	tests := []struct {
		line string
		want []navLink
	}{
		{"[返回河北日报新闻](//h.example/category/a.html)｜[返回首页](//h.example/)", []navLink{{"返回河北日报新闻", "//h.example/category/a.html"}, {"返回首页", "//h.example/"}}},
		{"  [a](x) | [b](y)  ", []navLink{{"a", "x"}, {"b", "y"}}},
		{"[a](x)", []navLink{{"a", "x"}}},
		{"[a](x) trailing words", nil},
		{"[a] (x)", nil},
		{"[a](x y)", nil},
		{"[a](x", nil},
		{"<p>[a](x)</p>", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, ok := parseNav(tt.line)
		if ok != (tt.want != nil) || len(got) != len(tt.want) {
			t.Errorf("parseNav(%q) = %v, %v", tt.line, got, ok)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("parseNav(%q)[%d] = %v, want %v", tt.line, i, got[i], tt.want[i])
			}
		}
	}
}
