package article

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path"
	"time"
	"unicode/utf8"
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
