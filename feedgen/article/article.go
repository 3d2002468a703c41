package article

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"golang.org/x/net/idna"
	"gopkg.in/yaml.v3"
)

// Article is one parsed article file: everything a feed item needs.
type Article struct {
	// Path is the file's slash-separated path relative to the source
	// directory. It identifies the file, not the article (see ID).
	Path string
	// ID is the item id: the original article URL, or a tag: URI built from
	// the file's base name when the article has none. It does not change when
	// the article is edited, and moving the file to another folder keeps it.
	ID string
	// Link is the original article URL (absolute), or empty.
	Link       string
	Title      string
	Published  time.Time // with the article's own zone offset
	Updated    time.Time // last_modified_at, else Published
	Categories []string  // slugs, in the order the article gives them
	Tags       []string
	// Author is the source named by the article (front matter author, else
	// the em_media source line).
	Author  string
	Summary string // plain text
	Content string // cleaned, sanitised HTML with absolute URLs
	Image   string // absolute URL of the first content image, or empty

	// From the navigation line: the human name and home page of the
	// article's first category, and the site's home page.
	CategoryName string
	CategoryHome string
	SiteHome     string
}

// ErrNotPublished is returned for an article whose front matter says
// published: false. It is not bad input: the file is skipped quietly.
var ErrNotPublished = errors.New("not published")

// ParseOptions is what parsing needs from the configuration.
type ParseOptions struct {
	// Location is the zone of dates written without an offset.
	Location *time.Location
	// TagAuthority is the authority part of tag: URIs minted for articles
	// without a link, usually the base URL's host.
	TagAuthority string
	// DefaultBase resolves relative URLs in articles that have no link of
	// their own; it must be absolute.
	DefaultBase string
}

// Parse turns the bytes of the file at rel (slash-separated, relative to the
// source directory) into an Article. The error, if any, says what is wrong
// without the path; the caller prefixes it.
func Parse(rel string, data []byte, opt ParseOptions) (*Article, error) {
	h, err := parseHeader(rel, data, nil, opt)
	if err != nil {
		return nil, err
	}
	return h.complete(opt)
}

// header is an article parsed as far as indexing needs: everything but the
// cleaned body. It comes from the start of the file (front matter) and its
// end (link and navigation lines), which lets a build index thousands of
// articles without reading their bodies.
type header struct {
	a    *Article
	fm   map[string]any
	body string // the body without the trailer; only when the whole file was read
	base string // what relative URLs in the body resolve against
}

// errNeedWhole says the head given to parseHeader did not hold the whole
// front matter, or was not UTF-8: the caller must read the whole file.
var errNeedWhole = errors.New("need the whole file")

// normalize turns raw bytes into UTF-8 text with LF line ends. Only the
// start of a file may carry a BOM.
func normalize(data []byte, start, valid bool) ([]byte, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, fmt.Errorf("binary file: NUL byte at offset %d", i)
	}
	if start {
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	}
	if !valid && !utf8.Valid(data) {
		dec, err := decodeLegacy(data)
		if err != nil {
			return nil, err
		}
		data = dec
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	return data, nil
}

// parseHeader parses the front matter and the trailer. With tail nil, head
// is the whole file; otherwise head is its first bytes and tail its last
// ones, starting at a line boundary.
func parseHeader(rel string, head, tail []byte, opt ParseOptions) (*header, error) {
	if len(head) == 0 {
		return nil, errors.New("empty file")
	}
	whole := tail == nil
	if !whole {
		head = head[:validPrefix(head)] // the cut may split a character
		if !utf8.Valid(head) || !utf8.Valid(tail) {
			return nil, errNeedWhole // possibly another encoding: decode the file as one
		}
	}
	data, err := normalize(head, true, !whole)
	if err != nil {
		return nil, err
	}
	fm, body, err := splitFrontMatter(data)
	if errors.Is(err, errNotClosed) && !whole {
		return nil, errNeedWhole
	}
	if err != nil {
		return nil, err
	}
	if v, ok := fm["published"]; ok {
		if b, isBool := v.(bool); isBool && !b {
			return nil, ErrNotPublished
		}
	}

	a := &Article{Path: rel}
	a.Title = plainString(str(fm["title"]))
	if a.Title == "" {
		return nil, errors.New("front matter has no title")
	}
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	rawDate, hasDate := fm["date"]
	if !hasDate || rawDate == nil {
		d, ok := dateFromFileName(path.Base(rel), loc)
		if !ok {
			return nil, errors.New("front matter has no date")
		}
		a.Published = d
	} else if a.Published, err = parseDate(zoneless(data, "date", rawDate, loc), loc); err != nil {
		return nil, fmt.Errorf("date: %w", err)
	}
	a.Updated = a.Published
	if v, ok := fm["last_modified_at"]; ok && v != nil {
		u, err := parseDate(zoneless(data, "last_modified_at", v, loc), loc)
		if err != nil {
			return nil, fmt.Errorf("last_modified_at: %w", err)
		}
		if u.After(a.Published) {
			a.Updated = u
		}
	}
	if a.Categories, err = nameList(fm, "categories", "category"); err != nil {
		return nil, err
	}
	if a.Tags, err = nameList(fm, "tags", "tag"); err != nil {
		return nil, err
	}
	if n := len(a.Categories) + len(a.Tags); n > MaxNames {
		// Each name is a feed that repeats every name of the item: the
		// output grows with the square of the count.
		return nil, fmt.Errorf("categories and tags: %d names, at most %d are allowed", n, MaxNames)
	}

	h := &header{a: a, fm: fm}
	var t trailer
	if whole {
		h.body, t = splitTrailer(body)
	} else {
		tl, err := normalize(tail, false, true)
		if err != nil {
			return nil, err
		}
		_, t = splitTrailer(tl)
	}
	a.Link = absoluteHTTP(t.link)
	if v := str(fm["link"]); v != "" {
		if a.Link = absoluteHTTP(v); a.Link == "" {
			return nil, fmt.Errorf("link %q: want an absolute http or https URL", v)
		}
	}
	a.CategoryName, a.CategoryHome, a.SiteHome = t.categoryName, t.categoryHome, t.siteHome
	if a.Link != "" {
		a.ID = a.Link
	} else {
		a.ID = tagURI(opt.TagAuthority, rel)
	}
	h.base = cmp.Or(a.Link, a.SiteHome, opt.DefaultBase)
	return h, nil
}

// validPrefix is the length of head without a rune cut in half at its end.
func validPrefix(b []byte) int {
	for i := len(b); i > 0 && i > len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i-1]) {
			if utf8.FullRune(b[i-1:]) {
				return len(b)
			}
			return i - 1
		}
	}
	return len(b)
}

// complete cleans the body of a header parsed from the whole file and
// applies the front matter fields that override what the body gives.
func (h *header) complete(opt ParseOptions) (*Article, error) {
	a, fm := h.a, h.fm
	c, err := cleanBody(h.body, h.base)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	a.Content, a.Summary, a.Image, a.Author = c.html, c.summary, c.image, c.source
	if v := plainString(str(fm["author"])); v != "" {
		a.Author = v
	}
	for _, k := range []string{"description", "excerpt"} {
		if v := str(fm[k]); v != "" {
			a.Summary = summarize(textOfHTML(v))
			break
		}
	}
	if v := str(fm["image"]); v != "" {
		if u := resolveURL(h.base, v); u != "" {
			a.Image = u
		}
	}
	if a.Summary == "" {
		// An article with no visible text still needs something for readers
		// (and validators) to show: Atom entries without content want a
		// summary, JSON Feed items some content.
		a.Summary = a.Title
	}
	return a, nil
}

// splitFrontMatter checks the front matter block itself, because
// adrg/frontmatter reports a missing or unclosed block as "no front matter"
// without an error, and then decodes it.
func splitFrontMatter(data []byte) (map[string]any, []byte, error) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	delim := string(bytes.TrimRight(first, " \t"))
	if delim != "---" && delim != "+++" {
		return nil, nil, errors.New("no front matter: the first line must be --- (YAML) or +++ (TOML)")
	}
	closed := false
	var block, after []byte
	for rest := data[len(first):]; len(rest) > 0; {
		rest = rest[1:] // the newline
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		if string(bytes.TrimRight(line, " \t")) == delim {
			closed = true
			block = data[len(first)+1 : len(data)-len(rest)]
			after = rest[len(line):]
			break
		}
		rest = rest[len(line):]
	}
	if !closed {
		return nil, nil, fmt.Errorf("%w: no %s line after the first", errNotClosed, delim)
	}
	if delim == "---" {
		if fm, ok := simpleYAML(block); ok {
			return fm, bytes.TrimPrefix(after, []byte("\n")), nil
		}
	}
	fm := map[string]any{}
	formats := []*frontmatter.Format{
		frontmatter.NewFormat("---", "---", yaml.Unmarshal),
		frontmatter.NewFormat("+++", "+++", toml.Unmarshal),
	}
	body, err := frontmatter.MustParse(bytes.NewReader(data), &fm, formats...)
	if err != nil {
		return nil, nil, fmt.Errorf("front matter: %s", oneLine(err.Error()))
	}
	if fm == nil {
		fm = map[string]any{}
	}
	return fm, body, nil
}

// errNotClosed is the error of a front matter block without its closing line.
var errNotClosed = errors.New("front matter is not closed")

// oneLine folds a multi-line library error into one line, so that every
// problem is reported as a single "path: reason" line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// str returns a scalar front matter value as a string; lists and maps give "".
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v)
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return ""
}

// cleanText makes a front matter string safe for a title: control
// characters (which XML 1.0 cannot carry) are dropped and white space folded.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return ' '
		}
		if unicode.IsControl(r) || r == utf8.RuneError || !xmlChar(r) {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// plainString makes a front matter string that is shown as text (title,
// author) plain: Jekyll renders such strings as HTML, so people write
// entities and inline tags in them ("AT&amp;T", "<em>Go</em> 1.26"), and
// every feed format wants plain text there. Readers that render titles as
// HTML would otherwise run markup such as "<script>" in a title. Entities
// are decoded and tags dropped until nothing that looks like markup is left
// (a bounded number of rounds, for "&amp;lt;b&amp;gt;").
func plainString(s string) string {
	for range 3 {
		if !strings.ContainsAny(s, "<&") {
			break
		}
		t := textOfHTML(s)
		if t == s {
			break
		}
		s = t
	}
	return cleanText(s)
}

// xmlChar reports whether r may appear in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// Date layouts accepted in front matter, tried in order. Jekyll writes the
// first; the others are what people type by hand.
var zonedLayouts = []string{
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04 -0700",
	time.RFC3339Nano,
	"2006-01-02T15:04:05-0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 Z07:00",
	time.RFC1123Z,
}

var localLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads a front matter date. A YAML or TOML timestamp arrives as
// time.Time; a Jekyll date ("2022-03-17 05:17:21 +0800") as a string.
func parseDate(v any, loc *time.Location) (time.Time, error) {
	var t time.Time
	switch v := v.(type) {
	case time.Time:
		t = v
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return time.Time{}, errors.New("empty")
		}
		var err error
		t, err = parseDateString(s, loc)
		if err != nil {
			return time.Time{}, err
		}
	default:
		return time.Time{}, fmt.Errorf("%v is not a date", v)
	}
	return t, checkYear(t)
}

// Years a publication date may have. Feed validators call a date before
// 1970 implausible (it is nearly always a zero or mistyped date), and RFC
// 3339 has four-digit years.
const minYear, maxYear = 1970, 9999

// checkYear refuses a date whose year is out of range.
func checkYear(t time.Time) error {
	if t.Year() < minYear || t.Year() > maxYear {
		return fmt.Errorf("year %d is out of range %d-%d", t.Year(), minYear, maxYear)
	}
	return nil
}

func parseDateString(s string, loc *time.Location) (time.Time, error) {
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want e.g. 2022-03-17 05:17:21 +0800, RFC 3339 or 2022-03-17)", s)
}

var fileDate = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2})-`)

// dateFromFileName reads a Jekyll post date from a name like
// 2022-03-17-title.md, for articles without a date field.
func dateFromFileName(name string, loc *time.Location) (time.Time, bool) {
	m := fileDate.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", m[1], loc)
	return t, err == nil && checkYear(t) == nil
}

// nameList reads categories or tags: a space-separated string (as Jekyll
// does) or a list. Every name becomes a directory name on disk, so a name
// that could escape its folder is rejected.
func nameList(fm map[string]any, keys ...string) ([]string, error) {
	var raw []string
	for _, k := range keys {
		switch v := fm[k].(type) {
		case nil:
		case string:
			raw = append(raw, strings.Fields(v)...)
		case []any:
			for _, e := range v {
				s := strings.TrimSpace(str(e))
				if s == "" {
					if e != nil {
						return nil, fmt.Errorf("%s: %v is not a name", k, e)
					}
					continue
				}
				raw = append(raw, s)
			}
		case int, int64, float64, bool:
			raw = append(raw, str(v))
		default:
			return nil, fmt.Errorf("%s: want a string or a list of strings", k)
		}
	}
	seen := make(map[string]bool, len(raw))
	out := raw[:0]
	for _, n := range raw {
		if err := CheckName(n); err != nil {
			return nil, fmt.Errorf("%s: %w", keys[0], err)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// MaxNames is the most categories and tags one article may have together.
const MaxNames = 100

// maxNameBytes keeps a category or tag within a file-system name (255 bytes
// on most file systems) with room to spare.
const maxNameBytes = 200

// CheckName says why n cannot be a category or tag (nil if it can): each
// names a folder of the output, so it must be a single, visible directory
// name (no path separator, dot name or control character) and plain text.
func CheckName(n string) error {
	switch {
	case !utf8.ValidString(n):
		return fmt.Errorf("%q is not valid UTF-8", n)
	case n == "." || n == "..":
		return fmt.Errorf("%q is not allowed", n)
	case strings.ContainsAny(n, `/\`):
		return fmt.Errorf("%q contains a path separator", n)
	case strings.HasPrefix(n, "."):
		return fmt.Errorf("%q starts with a dot", n)
	case len(n) > maxNameBytes:
		return fmt.Errorf("%.20q… is longer than %d bytes", n, maxNameBytes)
	}
	for _, r := range n {
		if unicode.IsControl(r) || !xmlChar(r) || r == utf8.RuneError {
			return fmt.Errorf("%q contains a control character", n)
		}
	}
	// The name titles its feed ("#name") and is a category of every item:
	// plain text, so no markup or character reference.
	if plainString(n) != cleanText(n) {
		return fmt.Errorf("%q contains markup", n)
	}
	return nil
}

// trailer is what the lines after the body say.
type trailer struct {
	link         string
	categoryName string
	categoryHome string
	siteHome     string
}

// isLinkLine reports whether a trimmed line is <http://…>, <https://…> or
// <//…> with no space or angle bracket inside.
func isLinkLine(tl string) bool {
	if len(tl) < 4 || tl[0] != '<' || tl[len(tl)-1] != '>' {
		return false
	}
	u := tl[1 : len(tl)-1]
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http:"), "https:")
	if !strings.HasPrefix(u, "//") || len(u) == 2 {
		return false
	}
	return !strings.ContainsAny(u, "<> \t\n\r\f")
}

// navLink is one [text](url) of a navigation line.
type navLink struct{ text, url string }

// parseNav reads a navigation line: markdown links separated by white
// space and ｜ or |, and nothing else. It is a scanner, not a regular
// expression, because it runs on the last lines of every article.
func parseNav(line string) ([]navLink, bool) {
	var links []navLink
	s := line
	for {
		s = strings.TrimLeft(s, " \t|")
		s = strings.TrimPrefix(s, "｜")
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return links, len(links) > 0
		}
		if s[0] != '[' {
			return nil, false
		}
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 >= len(s) || s[end+1] != '(' {
			return nil, false
		}
		text := s[1:end]
		s = s[end+2:]
		close := strings.IndexByte(s, ')')
		if close < 0 || strings.ContainsAny(s[:close], " \t") {
			return nil, false
		}
		links = append(links, navLink{text: text, url: s[:close]})
		s = s[close+1:]
	}
}

// splitTrailer separates the body from the trailing original-URL line and
// navigation line. Only lines at the very end count, so a body that happens
// to contain such text keeps it.
func splitTrailer(body []byte) (string, trailer) {
	var t trailer
	s := string(body)
	for {
		trimmed := strings.TrimRight(s, " \t\n")
		i := strings.LastIndexByte(trimmed, '\n')
		line := trimmed[i+1:]
		// The cheap tests first: most bodies end in an ordinary HTML line.
		tl := strings.TrimSpace(line)
		isLink := strings.HasPrefix(tl, "<") && strings.HasSuffix(tl, ">")
		isNav := strings.HasPrefix(tl, "[") && strings.HasSuffix(tl, ")")
		switch {
		case t.link == "" && isLink && isLinkLine(tl):
			t.link = tl[1 : len(tl)-1]
		case t.siteHome == "" && t.categoryHome == "" && isNav && isNavLine(line):
			links, _ := parseNav(line)
			for _, m := range links {
				u := absoluteHTTP(m.url)
				if u == "" {
					continue
				}
				pu, _ := url.Parse(u)
				if pu.Path == "" || pu.Path == "/" {
					t.siteHome = u
				} else if t.categoryHome == "" {
					t.categoryHome = u
					t.categoryName = strings.TrimSpace(strings.TrimPrefix(plainString(m.text), "返回"))
				}
			}
		default:
			return trimmed, t
		}
		if i < 0 {
			return "", t
		}
		s = trimmed[:i]
	}
}

func isNavLine(line string) bool {
	_, ok := parseNav(line)
	return ok
}

// absoluteHTTP returns u as an absolute http(s) URL: a protocol-relative
// //host/x becomes https://host/x. Anything else gives "".
func absoluteHTTP(u string) string {
	u = strings.TrimSpace(u)
	if strings.HasPrefix(u, "//") {
		u = "https:" + u
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return ""
	}
	for _, c := range []byte(p.Hostname()) {
		// RFC 3986 reg-name or IP literal; net/url lets '"', '<', '`' … pass.
		if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~!$&'()*+,;=:%", c) >= 0) {
			return ""
		}
	}
	// An internationalised host is written in its ASCII (punycode) form:
	// a URI carries no raw non-ASCII host, and percent-encoding it is not
	// the canonical form readers compare.
	if h := p.Hostname(); strings.IndexFunc(h, func(r rune) bool { return r >= 0x80 }) >= 0 {
		ascii, err := idna.Lookup.ToASCII(h)
		if err != nil {
			return ""
		}
		if port := p.Port(); port != "" {
			ascii += ":" + port
		}
		p.Host = ascii
	}
	// Canonical form (RFC 3986 section 6.2.3), which feed ids and links
	// must have: lower-case host, no default port, "/" for an empty path.
	p.Host = strings.ToLower(p.Host)
	if port := p.Port(); (p.Scheme == "http" && port == "80") || (p.Scheme == "https" && port == "443") {
		p.Host = strings.TrimSuffix(p.Host, ":"+port)
	}
	if p.Path == "" && p.RawPath == "" && p.Opaque == "" {
		p.Path = "/"
	}
	return p.String()
}

// tagURI mints a stable id (RFC 4151) for an article without a link. It uses
// the file's base name without extension, so moving the file to another
// folder or editing it keeps the id; the date is fixed because the id must
// not follow the article's date.
func tagURI(authority, rel string) string {
	if authority == "" {
		authority = "localhost"
	}
	name := path.Base(rel)
	name = strings.TrimSuffix(name, path.Ext(name))
	return "tag:" + authority + ",2000:" + url.PathEscape(name)
}
