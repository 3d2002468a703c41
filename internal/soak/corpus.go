// Package soak holds the moving parts of feedgen's soak and crash tests: a
// generator of article trees in the seeds' format, a random mutator that
// edits such a tree the way people and tools do, an HTTP load generator
// that polls a daemon like a crowd of feed readers, /proc sampling, and a
// byte-for-byte comparison of what a daemon serves with a built tree.
//
// It is used by the feedsoak command (a long run against the real binary)
// and by the pipeline package's soak and crash tests (short runs in CI), so
// that both exercise exactly the same operations.
package soak

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Category is a category slug and the human name the navigation line gives.
type Category struct{ Slug, Name string }

// Categories are the categories articles are drawn from. Each one holds
// many articles, so random deletions never empty a feed: a reader polling a
// feed URL taken from the index must never get a 404.
var Categories = []Category{
	{"caijing", "财经新闻"}, {"keji", "科技新闻"}, {"nongye", "农业新闻"}, {"gangkou", "港口新闻"},
	{"tiyu", "体育新闻"}, {"jiaoyu", "教育新闻"}, {"yiliao", "医疗新闻"}, {"english", "英文新闻"},
}

// Tags are the tags articles are drawn from (one or two per article).
var Tags = []string{"财经", "科技", "农业", "港口", "体育", "教育", "医疗", "市场", "政策", "国际"}

var (
	subjects = []string{"某省", "沿海港口", "多家银行", "科研团队", "农业合作社", "地方政府", "行业协会", "上市公司", "高校", "医疗机构"}
	actions  = []string{"加快推进", "全面启动", "稳步扩大", "持续优化", "率先试点", "深入开展", "大力支持", "积极布局"}
	objects  = []string{"数字化转型", "绿色发展", "跨境贸易", "乡村振兴", "科技创新", "人才培养", "基础设施建设", "金融服务", "智慧物流", "公共卫生"}
	phrases  = []string{
		"记者从有关部门获悉", "今年以来", "据不完全统计", "业内人士分析认为", "相关负责人介绍", "与去年同期相比",
		"在政策的持续支持下", "市场需求稳步回升", "多项指标创下新高", "下一步还将继续发力", "企业信心明显增强",
		"服务效率大幅提升", "覆盖范围不断扩大", "各项工作有序推进", "专家建议进一步完善", "形成了可复制可推广的经验",
	}
)

// dateBase is the earliest article date; all dates carry +0800.
var dateBase = time.Date(2022, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// Article renders article number serial (which decides its link, and so
// its feed id) with random content: a CJK title, a date in 2022-2024, one
// category, one or two tags and a body of a few kilobytes. revision
// changes the title so that an edit is visible in the feeds.
func Article(r *rand.Rand, serial, revision int) string {
	var b strings.Builder
	cat := pick(r, Categories)
	t1 := pick(r, Tags)
	t2 := pick(r, Tags)
	date := dateBase.Add(time.Duration(r.Int64N(3*365*86400)) * time.Second)
	fmt.Fprintf(&b, "---\nlayout: post\ntitle: \"%s%s%s 第%d号 修订%d\"\n", pick(r, subjects), pick(r, actions), pick(r, objects), serial, revision)
	fmt.Fprintf(&b, "date: %s\ncategories: %s\n", date.Format("2006-01-02 15:04:05 -0700"), cat.Slug)
	if t1 == t2 {
		fmt.Fprintf(&b, "tags: %s\n", t1)
	} else {
		fmt.Fprintf(&b, "tags: [%q, %q]\n", t1, t2)
	}
	b.WriteString("---\n")
	target := 2000 + r.IntN(4000)
	for b.Len() < target {
		b.WriteString("<p>")
		for range 3 + r.IntN(5) {
			b.WriteString(pick(r, phrases))
			b.WriteString("，")
			b.WriteString(pick(r, subjects))
			b.WriteString(pick(r, actions))
			b.WriteString(pick(r, objects))
			b.WriteString("。")
		}
		b.WriteString("</p>")
	}
	fmt.Fprintf(&b, "<p class=\"em_media\">（文章来源：示例财经网）</p>\n\n<http://news.example.com/a/%d.html>\n\n", serial)
	fmt.Fprintf(&b, "[返回%s](//news.example.com/category/%s.html)｜[返回首页](//news.example.com/)\n", cat.Name, cat.Slug)
	return b.String()
}

// Generate writes n articles into dir (created if needed), spread over the
// top level and a few subdirectories, and returns a Mutator for the tree.
func Generate(dir string, n int, seed uint64) (*Mutator, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9E3779B97F4A7C15))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	subdirs := []string{".", "2023", "2024", "misc/old"}
	for i := range n {
		sub := filepath.Join(dir, subdirs[i%len(subdirs)])
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return nil, err
		}
		name := filepath.Join(sub, fmt.Sprintf("%05d_%08x.txt", i, r.Uint32()))
		if err := os.WriteFile(name, []byte(Article(r, i, 0)), 0o644); err != nil {
			return nil, err
		}
	}
	return &Mutator{Dir: dir, Target: n, r: r, next: n}, nil
}
