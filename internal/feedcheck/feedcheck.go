// Package feedcheck validates rendered feeds (RSS 2.0, Atom 1.0, JSON Feed
// 1.1), the OPML feed list and the HTML index page against their
// specifications and against the warnings of the usual feed validators
// (W3C feedvalidator, RSS Advisory Board best practices, RFC 4287, JSON Feed
// 1.1).
//
// It exists so that tests anywhere in the project can prove that what
// feedgen produces is not merely parseable but valid and warning-free. To be
// a trustworthy oracle it deliberately imports no other feedgen package: it
// knows only the specifications, never the code that it checks. Every
// document is parsed twice, once by gofeed (the reader side: it must accept
// the feed and detect the right type) and once by this package's own strict
// encoding/xml or encoding/json decoding, which sees the raw structure that
// gofeed normalises away (namespaces, duplicate elements, attribute values,
// exact date syntax).
//
// Every check function reports all violations it finds, joined with
// errors.Join, one line each, in the form "rss: item 3: guid: …". The
// functions never panic, whatever the input.
package feedcheck

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gjson "github.com/mmcdole/gofeed/json"
	"github.com/mmcdole/gofeed/rss"
)

// ErrUnknownFormat is returned (wrapped) by Check when the file name does not
// tell which format the file is in, so that a caller walking an output
// directory can skip files that are not feeds with errors.Is instead of
// treating them as invalid.
var ErrUnknownFormat = errors.New("feedcheck: unknown file format")

// maxViolations bounds the report so that a pathological input (a fuzzed
// document with a million bad items) yields a readable error, not megabytes.
const maxViolations = 200

// Check validates body as the kind of file its name says it is: rss.xml is
// RSS 2.0, atom.xml Atom 1.0, feed.json JSON Feed 1.1, feeds.opml OPML 2.0 and
// index.html the HTML index; .png, .jpg, .jpeg, .gif and .webp files are
// images published beside them (CheckImage). Only the base name matters, so name may be a
// path ("tag/go/atom.xml"); other .json, .opml and .html/.htm names are
// checked as their extension says and other .xml files are recognised by
// their root element. For feeds it additionally checks that the self link
// points at a file of that name, because the W3C validator warns when the
// self reference does not match the document location.
//
// It returns nil when the file is valid, otherwise one error listing every
// violation. A name it cannot classify yields an error wrapping
// ErrUnknownFormat.
func Check(name string, body []byte) error {
	base := path.Base(filepath.ToSlash(name))
	switch strings.ToLower(base) {
	case "rss.xml":
		return checkRSS(body, base)
	case "atom.xml":
		return checkAtom(body, base)
	case "feed.json":
		return checkJSON(body, base)
	case "feeds.opml":
		return CheckOPML(body)
	case "index.html":
		return CheckHTML(body)
	}
	switch strings.ToLower(path.Ext(base)) {
	case ".json":
		return checkJSON(body, "")
	case ".opml":
		return CheckOPML(body)
	case ".html", ".htm":
		return CheckHTML(body)
	case ".png", ".jpg", ".jpeg", ".gif", ".webp":
		return CheckImage(base, body)
	case ".xml":
		switch sniffRoot(body) {
		case "rss":
			return checkRSS(body, "")
		case "feed":
			return checkAtom(body, "")
		case "opml":
			return CheckOPML(body)
		}
	}
	return fmt.Errorf("%w: %s", ErrUnknownFormat, name)
}

// CheckRSS validates body as an RSS 2.0 feed: well-formed XML, the required
// channel and item elements, namespaced extensions, RFC 822 dates, GUIDs,
// item order and the safety of embedded HTML. See the package documentation
// for the reporting format.
func CheckRSS(body []byte) error { return checkRSS(body, "") }

// CheckAtom validates body as an Atom 1.0 feed (RFC 4287): required feed and
// entry metadata, links, authors, RFC 3339 dates, unique ids, content and
// summary rules and the safety of embedded HTML.
func CheckAtom(body []byte) error { return checkAtom(body, "") }

// CheckJSON validates body as a JSON Feed 1.1 document: the version URL, the
// types of every known member, required members, unique item ids, RFC 3339
// dates, absolute URLs and the safety of content_html.
func CheckJSON(body []byte) error { return checkJSON(body, "") }

// report accumulates violations for one document. Each violation is prefixed
// with the format ("rss") and a scope ("item 3: guid") so that a failing test
// says exactly what is wrong where.
type report struct {
	format string
	errs   []error
	extra  int
}

func newReport(format string) *report { return &report{format: format} }

// add records one violation. scope may be empty.
func (r *report) add(scope, format string, args ...any) {
	if len(r.errs) >= maxViolations {
		r.extra++
		return
	}
	msg := fmt.Sprintf(format, args...)
	if scope != "" {
		msg = scope + ": " + msg
	}
	r.errs = append(r.errs, errors.New(r.format+": "+msg))
}

// err returns the joined violations, or nil.
func (r *report) err() error {
	if r.extra > 0 {
		return errors.Join(append(r.errs, fmt.Errorf("%s: … and %d more violations", r.format, r.extra))...)
	}
	return errors.Join(r.errs...)
}

// join builds a scope such as "item 3: guid" from its non-empty parts.
func join(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(p)
	}
	return b.String()
}

// gofeedCheck parses body with both gofeed's universal parser and the
// format-specific one. A feed that gofeed rejects or misdetects is broken for
// the many readers built on it, whatever the raw structure looks like. It
// returns the number of items gofeed saw (-1 when parsing failed) so that the
// caller can compare it with its own count.
func gofeedCheck(r *report, body []byte, want string) (items int) {
	items = -1
	defer func() {
		if p := recover(); p != nil {
			r.add("gofeed", "parser panicked: %v", p)
			items = -1
		}
	}()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	switch {
	case err != nil:
		r.add("gofeed", "cannot parse: %v", err)
	case f.FeedType != want:
		r.add("gofeed", "detected feed type %q, want %q", f.FeedType, want)
	default:
		items = len(f.Items)
	}
	switch want {
	case "rss":
		_, err = (&rss.Parser{}).Parse(bytes.NewReader(body))
	case "atom":
		_, err = (&atom.Parser{}).Parse(bytes.NewReader(body))
	case "json":
		_, err = (&gjson.Parser{}).Parse(bytes.NewReader(body))
	}
	if err != nil {
		r.add("gofeed", "%s parser cannot parse: %v", want, err)
	}
	return items
}

// checkSelfName verifies that a self link names the checked file.
func checkSelfName(r *report, scope, href, fileName string) {
	if fileName == "" {
		return
	}
	u, err := parseURL(href)
	if err != nil {
		return // reported by the URL check
	}
	if path.Base(u.Path) != fileName {
		r.add(scope, "self link %q does not point at the document (%s)", href, fileName)
	}
}
