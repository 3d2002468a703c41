package feedcheck

import (
	"encoding/json"
	"fmt"
	"strings"
)

// NSHistory is the namespace of RFC 5005 (Feed Paging and Archiving).
const NSHistory = "http://purl.org/syndication/history/1.0"

// History is what an RSS or Atom document says about its place in an RFC
// 5005 archived feed: whether it is an archive document and the targets of
// its self, current, prev-archive and next-archive links ("" when absent).
// For a JSON Feed only Prev is set, from next_url: JSON Feed has no archive
// vocabulary, and its next_url walks the same chain backwards in time.
type History struct {
	Archive, Complete         bool
	Self, Current, Prev, Next string
}

// Links returns the History of an RSS, Atom or JSON Feed document (format
// "rss", "atom" or "json"), for tests that walk archive chains. It reports
// an error when the document cannot be parsed.
func Links(format string, body []byte) (History, error) {
	if format == "json" {
		var m struct {
			NextURL string `json:"next_url"`
		}
		if err := json.Unmarshal(body, &m); err != nil {
			return History{}, fmt.Errorf("json: %w", err)
		}
		return History{Prev: m.NextURL}, nil
	}
	r := newReport(format)
	root := parseXML(r, body)
	if root == nil {
		return History{}, r.err()
	}
	h, _ := history(root, format)
	return h, nil
}

// history reads the RFC 5005 elements of a parsed RSS or Atom document and
// returns them with the element that holds them (channel or feed).
func history(root *xnode, format string) (History, *xnode) {
	var h History
	n := root
	if format == "rss" {
		if n = root.child("", "channel"); n == nil {
			return h, nil
		}
	}
	h.Archive = n.child(NSHistory, "archive") != nil
	h.Complete = n.child(NSHistory, "complete") != nil
	for _, l := range n.children(nsAtom, "link") {
		rel, _ := l.attr("", "rel")
		href, _ := l.attr("", "href")
		switch rel {
		case "self":
			h.Self = href
		case "current":
			h.Current = href
		case "prev-archive":
			h.Prev = href
		case "next-archive":
			h.Next = href
		}
	}
	return h, n
}

// checkHistory applies the rules of RFC 5005 sections 2 and 4 to an RSS
// channel or Atom feed element: fh:archive and fh:complete are empty, in
// the history namespace, at most once and not together; an archive
// document links its subscription document (current) and may link its
// neighbours (prev-archive, next-archive); a document that is not an
// archive has no next-archive; each of these links appears at most once,
// is absolute http(s), carries the document's own media type, and no two
// point at the same document. The W3C feed validator checks the same.
func checkHistory(r *report, scope string, root *xnode, format, mediaType string) {
	h, n := history(root, format)
	if n == nil {
		return
	}
	linkTag := "link"
	if format == "rss" {
		linkTag = "atom:link"
	}
	for _, k := range n.kids {
		if k.name.Space != NSHistory {
			continue
		}
		switch k.name.Local {
		case "archive", "complete":
			if len(k.kids) > 0 || strings.TrimSpace(k.text) != "" {
				r.add(scope, "fh:%s must be empty", k.name.Local)
			}
		default:
			r.add(scope, "undefined element fh:%s (RFC 5005 defines fh:archive and fh:complete)", k.name.Local)
		}
	}
	for _, name := range []string{"archive", "complete"} {
		if c := len(n.children(NSHistory, name)); c > 1 {
			r.add(scope, "%d fh:%s elements, want at most one", c, name)
		}
	}
	if h.Archive && h.Complete {
		r.add(scope, "fh:archive and fh:complete together: a document is either an archive or a complete feed")
	}
	counts := map[string]int{}
	for _, l := range n.children(nsAtom, "link") {
		rel, _ := l.attr("", "rel")
		switch rel {
		case "current", "prev-archive", "next-archive":
		default:
			continue
		}
		counts[rel]++
		ls := join(scope, fmt.Sprintf("%s rel=%q", linkTag, rel))
		href, _ := l.attr("", "href")
		if err := httpURL(href); err != nil {
			r.add(ls, "href: %v", err)
		}
		if typ, ok := l.attr("", "type"); ok && typ != mediaType {
			r.add(ls, "type %q, want %q (the documents of one feed share its format)", typ, mediaType)
		}
	}
	for rel, c := range counts {
		if c > 1 {
			r.add(scope, "%d %s rel=%q, want at most one", c, linkTag, rel)
		}
	}
	if h.Archive && h.Current == "" {
		r.add(scope, `archive document (fh:archive) without a link rel="current" to its subscription document`)
	}
	if !h.Archive && h.Next != "" {
		r.add(scope, `link rel="next-archive" in a document that is not an archive (no fh:archive)`)
	}
	if h.Complete && (h.Prev != "" || h.Next != "") {
		r.add(scope, "a complete feed (fh:complete) links no archive")
	}
	seen := map[string]string{}
	for _, l := range [][2]string{{"self", h.Self}, {"current", h.Current}, {"prev-archive", h.Prev}, {"next-archive", h.Next}} {
		if l[1] == "" {
			continue
		}
		if other, dup := seen[l[1]]; dup && !(other == "self" && l[0] == "current" && !h.Archive) {
			r.add(scope, "links %s and %s both point at %s", other, l[0], l[1])
		}
		seen[l[1]] = l[0]
	}
}
