package article

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// SummaryRunes is the length of an item summary in characters (runes, not
// bytes: CJK text has no spaces to cut at).
const SummaryRunes = 140

// cleaned is the result of cleaning an article body.
type cleaned struct {
	html    string
	summary string
	image   string
	source  string
}

// policy is the sanitiser every body goes through. Its rules are those of
// user-generated content: no script, style, iframe, object, event handler or
// non-http(s) URL survives. A bluemonday policy is safe for concurrent use
// once built.
var policy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	return p
}()

var (
	hiddenStyle = regexp.MustCompile(`(?i)(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\b`)
	sourceLine  = regexp.MustCompile(`^[（(]?\s*(?:文章来源|来源|Source)\s*[：:]\s*(.+?)\s*[)）]?$`)
)

// urlAttrs are the attributes whose values are URLs to make absolute.
var urlAttrs = []string{"href", "src", "poster", "cite"}

// cleanBody turns the article's HTML body into what a reader may see: hidden
// and active content removed, every URL absolute against base, sanitised.
func cleanBody(body, base string) (cleaned, error) {
	var c cleaned
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		return c, err
	}
	root := doc.Find("body")
	// Removed before sanitising, because the sanitiser drops the style
	// attribute that says the element is hidden but would keep its text.
	root.Find("script, style, iframe, noscript, template, object, embed").Remove()
	root.Find("[hidden], [style]").Each(func(_ int, s *goquery.Selection) {
		if _, hidden := s.Attr("hidden"); hidden || hiddenStyle.MatchString(s.AttrOr("style", "")) {
			s.Remove()
		}
	})
	if src := root.Find(".em_media").First(); src.Length() > 0 {
		t := strings.Join(strings.Fields(src.Text()), " ")
		if m := sourceLine.FindStringSubmatch(t); m != nil {
			c.source = cleanText(m[1])
		}
	}
	baseURL, _ := url.Parse(base)
	root.Find("[href], [src], [poster], [cite], [srcset]").Each(func(_ int, s *goquery.Selection) {
		s.RemoveAttr("srcset") // its candidates would each need resolving; src is enough for a feed
		for _, a := range urlAttrs {
			v, ok := s.Attr(a)
			if !ok {
				continue
			}
			if abs := resolveAgainst(baseURL, v); abs != "" {
				s.SetAttr(a, abs)
			} else {
				s.RemoveAttr(a)
			}
		}
	})
	raw, err := root.Html()
	if err != nil {
		return c, err
	}
	c.html = strings.TrimSpace(stripNonXML(policy.Sanitize(raw)))
	text, img := scanHTML(c.html, SummaryRunes+1)
	c.summary = summarize(text)
	c.image = img
	return c, nil
}

// resolveURL makes ref absolute against base ("" when that is impossible).
func resolveURL(base, ref string) string {
	b, _ := url.Parse(base)
	return resolveAgainst(b, ref)
}

func resolveAgainst(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	if strings.HasPrefix(ref, "#") {
		return ref // an in-page anchor stays an in-page anchor
	}
	u, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	if strings.HasPrefix(ref, "//") {
		u.Scheme = "https"
		return u.String()
	}
	if u.IsAbs() {
		return u.String()
	}
	if base == nil || !base.IsAbs() {
		return ""
	}
	return base.ResolveReference(u).String()
}

// blockElements separate their text from their neighbours' in a summary.
var blockElements = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Br: true, atom.Li: true, atom.Ul: true, atom.Ol: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Table: true, atom.Blockquote: true,
	atom.Pre: true, atom.Section: true, atom.Article: true, atom.Figure: true,
	atom.Figcaption: true, atom.Hr: true, atom.Dd: true, atom.Dt: true,
}

// scanHTML returns the visible text of h (at least limit runes of it when
// there are that many) with blocks separated by spaces, and the first image
// URL.
func scanHTML(h string, limit int) (text, image string) {
	z := html.NewTokenizer(strings.NewReader(h))
	var b strings.Builder
	runes := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return b.String(), image
		case html.TextToken:
			if runes <= limit {
				t := string(z.Text())
				runes += utf8.RuneCountInString(t)
				b.WriteString(t)
			}
		case html.StartTagToken, html.SelfClosingTagToken, html.EndTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			if blockElements[a] {
				b.WriteByte(' ')
			}
			if a == atom.Img && image == "" && hasAttr {
				for {
					k, v, more := z.TagAttr()
					if string(k) == "src" && absoluteHTTP(string(v)) != "" {
						image = string(v)
					}
					if !more {
						break
					}
				}
			}
		}
		if runes > limit && image != "" {
			return b.String(), image
		}
	}
}

// textOfHTML returns the visible text of an HTML fragment (or plain text).
func textOfHTML(s string) string {
	t, _ := scanHTML(policy.Sanitize(s), 1<<30)
	return t
}

// summarize folds white space and cuts to SummaryRunes characters, on a
// character boundary, with an ellipsis when cut. In Latin text it backs up
// to the last space, so that a word is not cut in half.
func summarize(s string) string {
	s = plainString(s) // text that reads as markup ("&lt;b&gt;" in the body) is no summary
	if utf8.RuneCountInString(s) <= SummaryRunes {
		return s
	}
	r := []rune(s)
	cut := SummaryRunes
	if !isCJK(r[cut-1]) && !unicode.IsSpace(r[cut]) {
		for i := cut - 1; i > SummaryRunes*3/4; i-- {
			if unicode.IsSpace(r[i]) {
				cut = i
				break
			}
		}
	}
	return strings.TrimRightFunc(string(r[:cut]), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsPunct(r) && r != ')' && r != '）' && r != '”'
	}) + "…"
}

func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// stripNonXML drops characters that XML 1.0 cannot carry, which the HTML
// parser lets through (most C0 controls).
func stripNonXML(s string) string {
	for _, r := range s {
		if !xmlChar(r) {
			return strings.Map(func(r rune) rune {
				if !xmlChar(r) {
					return -1
				}
				return r
			}, s)
		}
	}
	return s
}

// decodeLegacy decodes a file that is not UTF-8. Chinese sources often write
// GB18030 (a superset of GBK and GB2312); such a file is accepted when it
// decodes without a single replacement character, which UTF-8 text that is
// merely broken almost never does.
func decodeLegacy(data []byte) ([]byte, error) {
	bad := 0
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			bad = i
			break
		}
		i += n
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil || strings.ContainsRune(string(out), utf8.RuneError) || !utf8.Valid(out) {
		return nil, fmt.Errorf("invalid UTF-8 at byte offset %d (and not GB18030 either)", bad)
	}
	for _, r := range string(out) {
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' {
			return nil, errors.New("invalid UTF-8, and as GB18030 it decodes to control characters")
		}
	}
	return out, nil
}
