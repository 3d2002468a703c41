package feedcheck

import (
	"fmt"
	"strings"
	"time"
)

// atomFeedElements and atomEntryElements are the Atom elements RFC 4287
// allows in atom:feed and atom:entry; the value is whether it may repeat.
var (
	atomFeedElements = map[string]bool{
		"author": true, "category": true, "contributor": true, "generator": false,
		"icon": false, "id": false, "link": true, "logo": false, "rights": false,
		"subtitle": false, "title": false, "updated": false, "entry": true,
	}
	atomEntryElements = map[string]bool{
		"author": true, "category": true, "content": false, "contributor": true,
		"id": false, "link": true, "published": false, "rights": false,
		"source": false, "summary": false, "title": false, "updated": false,
	}
)

func checkAtom(body []byte, fileName string) error {
	r := newReport("atom")
	gofeedItems := gofeedCheck(r, body, "atom")
	root := parseXML(r, body)
	if root == nil {
		return r.err()
	}
	if root.name.Local != "feed" || root.name.Space != nsAtom {
		r.add("", "root element is <%s> in namespace %q, want <feed> in %s", root.name.Local, root.name.Space, nsAtom)
		return r.err()
	}
	const feed = "feed"
	checkAtomChildren(r, feed, root, atomFeedElements)
	checkAtomID(r, feed, root)
	checkAtomText(r, join(feed, "title"), root.children(nsAtom, "title"), true)
	checkAtomText(r, join(feed, "subtitle"), root.children(nsAtom, "subtitle"), false)
	checkAtomText(r, join(feed, "rights"), root.children(nsAtom, "rights"), false)
	updated := checkAtomDate(r, feed, root, "updated", true)
	for _, name := range []string{"icon", "logo"} {
		if e := root.child(nsAtom, name); e != nil {
			if err := absIRI(e.text); err != nil {
				r.add(feed, "%s: %v", name, err)
			}
		}
	}
	if g := root.child(nsAtom, "generator"); g != nil {
		if u, ok := g.attr("", "uri"); ok {
			if err := absIRI(u); err != nil {
				r.add(feed, "generator uri: %v", err)
			}
		}
	}
	self, alt := checkAtomLinks(r, feed, root, fileName)
	if self == 0 {
		r.add(feed, `missing link rel="self" (type application/atom+xml, absolute href)`)
	}
	if !alt {
		r.add(feed, `missing link rel="alternate"`)
	}
	checkHistory(r, feed, root, "atom", "application/atom+xml")
	feedAuthor := checkAtomPeople(r, feed, root)
	checkAtomCategories(r, feed, root)

	entries := root.children(nsAtom, "entry")
	if gofeedItems >= 0 && gofeedItems != len(entries) {
		r.add("gofeed", "saw %d entries, the XML has %d", gofeedItems, len(entries))
	}
	ids := map[string]int{}
	for i, e := range entries {
		scope := fmt.Sprintf("entry %d", i+1)
		checkAtomChildren(r, scope, e, atomEntryElements)
		if id := checkAtomID(r, scope, e); id != "" {
			if first, dup := ids[id]; dup {
				r.add(scope, "id %q duplicates entry %d's", id, first)
			} else {
				ids[id] = i + 1
			}
		}
		checkAtomText(r, join(scope, "title"), e.children(nsAtom, "title"), true)
		checkAtomText(r, join(scope, "rights"), e.children(nsAtom, "rights"), false)
		up := checkAtomDate(r, scope, e, "updated", true)
		pub := checkAtomDate(r, scope, e, "published", false)
		if !pub.IsZero() && !up.IsZero() && pub.After(up) {
			r.add(scope, "published %s is after updated %s", pub.Format(time.RFC3339), up.Format(time.RFC3339))
		}
		if !up.IsZero() && !updated.IsZero() && up.After(updated) {
			r.add(scope, "updated %s is after the feed's updated %s", up.Format(time.RFC3339), updated.Format(time.RFC3339))
		}
		if _, alt := checkAtomLinks(r, scope, e, ""); !alt {
			r.add(scope, `missing link rel="alternate" to the entry's page`)
		}
		if !checkAtomPeople(r, scope, e) && !feedAuthor {
			r.add(scope, "no author: the feed has no author, so every entry needs one")
		}
		checkAtomCategories(r, scope, e)
		checkAtomContent(r, scope, e)
	}
	return r.err()
}

// checkAtomChildren reports Atom-namespace children that RFC 4287 does not
// define here and duplicates of elements allowed once.
func checkAtomChildren(r *report, scope string, n *xnode, known map[string]bool) {
	seen := map[string]bool{}
	for _, k := range n.kids {
		if k.name.Space != nsAtom {
			if k.name.Space == "" {
				r.add(scope, "element <%s> has no namespace (the Atom namespace is %s)", k.name.Local, nsAtom)
			}
			continue
		}
		repeat, ok := known[k.name.Local]
		if !ok {
			r.add(scope, "undefined Atom element <%s>", k.name.Local)
			continue
		}
		if seen[k.name.Local] && !repeat {
			r.add(scope, "duplicate <%s> element", k.name.Local)
		}
		seen[k.name.Local] = true
	}
}

// checkAtomID checks the single atom:id of n and returns it ("" if bad).
func checkAtomID(r *report, scope string, n *xnode) string {
	id := n.child(nsAtom, "id")
	if id == nil {
		r.add(scope, "id is missing")
		return ""
	}
	if err := absIRI(id.text); err != nil {
		r.add(scope, "id: %v", err)
		return ""
	}
	if err := canonicalURI(id.text); err != nil {
		r.add(scope, "id: %v", err)
	}
	return id.text
}

// checkAtomDate checks the date element name of n and returns its value
// (zero if absent or invalid).
func checkAtomDate(r *report, scope string, n *xnode, name string, required bool) time.Time {
	d := n.child(nsAtom, name)
	if d == nil {
		if required {
			r.add(scope, "%s is missing", name)
		}
		return time.Time{}
	}
	t, err := parseRFC3339(d.text)
	if err != nil {
		r.add(scope, "%s: %v", name, err)
		return time.Time{}
	}
	return t
}

// checkAtomText checks Atom text constructs (title, subtitle, summary,
// rights): the type attribute, the xhtml div wrapper, and the safety of
// html and xhtml content. required demands one non-empty element.
func checkAtomText(r *report, scope string, ns []*xnode, required bool) {
	if len(ns) == 0 {
		if required {
			r.add(scope, "is missing")
		}
		return
	}
	for _, n := range ns {
		typ, _ := n.attr("", "type")
		switch typ {
		case "", "text", "html":
			if len(n.kids) > 0 {
				r.add(scope, "type %q must not contain child elements (escape the markup or use type=\"xhtml\")", typ)
			}
			if required && strings.TrimSpace(n.text) == "" {
				r.add(scope, "is empty")
			}
			if typ == "html" {
				checkHTML(r, scope, n.text)
			} else if err := plainText(n.text); err != nil {
				r.add(scope, `%v (or declare type="html")`, err)
			}
		case "xhtml":
			checkXHTMLDiv(r, scope, n)
		default:
			r.add(scope, `type %q is not "text", "html" or "xhtml"`, typ)
		}
	}
}

// checkXHTMLDiv checks xhtml content: exactly one xhtml:div child and
// nothing else but white space, then the safety of what is inside.
func checkXHTMLDiv(r *report, scope string, n *xnode) {
	if strings.TrimSpace(n.text) != "" || len(n.kids) != 1 || n.kids[0].name.Space != nsXHTML || n.kids[0].name.Local != "div" {
		r.add(scope, `type="xhtml" must contain exactly one <div xmlns="%s">`, nsXHTML)
	}
	for _, k := range n.kids {
		checkXHTML(r, scope, k, 0)
	}
}

// checkAtomLinks checks every atom:link of n. It returns the number of
// rel="self" links and whether there is a rel="alternate" one.
func checkAtomLinks(r *report, scope string, n *xnode, fileName string) (self int, alt bool) {
	type key struct{ typ, lang string }
	alts := map[key]bool{}
	for _, l := range n.children(nsAtom, "link") {
		href, _ := l.attr("", "href")
		rel, hasRel := l.attr("", "rel")
		if !hasRel {
			rel = "alternate"
		}
		ls := join(scope, fmt.Sprintf("link rel=%q", rel))
		typ, hasType := l.attr("", "type")
		if hasType && !isMIMEType(typ) {
			r.add(ls, "type %q is not a MIME type", typ)
		}
		if length, ok := l.attr("", "length"); ok && !isNonNegInt(length) {
			r.add(ls, "length %q is not an integer", length)
		}
		switch rel {
		case "":
			r.add(ls, "rel is empty")
		case "self", "alternate":
			if err := httpURL(href); err != nil {
				r.add(ls, "href: %v", err)
			}
		default:
			if err := absIRI(href); err != nil {
				r.add(ls, "href: %v", err)
			}
		}
		switch rel {
		case "self":
			self++
			if typ != "application/atom+xml" {
				r.add(ls, `type %q, want "application/atom+xml"`, typ)
			}
			checkSelfName(r, ls, href, fileName)
		case "alternate":
			alt = true
			lang, _ := l.attr("", "hreflang")
			k := key{typ, lang}
			if alts[k] {
				r.add(ls, "more than one alternate link with type %q and hreflang %q (RFC 4287 4.1.1)", typ, lang)
			}
			alts[k] = true
		}
	}
	if self > 1 {
		r.add(scope, `%d links with rel="self", want one`, self)
	}
	return self, alt
}

// checkAtomPeople checks the authors and contributors of n and returns
// whether it has at least one valid author.
func checkAtomPeople(r *report, scope string, n *xnode) bool {
	ok := false
	for _, role := range []string{"author", "contributor"} {
		for _, p := range n.children(nsAtom, role) {
			ps := join(scope, role)
			names := p.children(nsAtom, "name")
			switch {
			case len(names) == 0:
				r.add(ps, "name is missing")
			case len(names) > 1:
				r.add(ps, "more than one name")
			case strings.TrimSpace(names[0].text) == "":
				r.add(ps, "name is empty")
			default:
				if role == "author" {
					ok = true
				}
			}
			if u := p.child(nsAtom, "uri"); u != nil {
				if err := absIRI(u.text); err != nil {
					r.add(ps, "uri: %v", err)
				}
			}
			if e := p.child(nsAtom, "email"); e != nil && !isEmail(e.text) {
				r.add(ps, "email %q is not an e-mail address", e.text)
			}
		}
	}
	return ok
}

// checkAtomCategories checks that every category has a term.
func checkAtomCategories(r *report, scope string, n *xnode) {
	for _, c := range n.children(nsAtom, "category") {
		term, _ := c.attr("", "term")
		if strings.TrimSpace(term) == "" {
			r.add(scope, "category without a non-empty term attribute")
		}
		if s, ok := c.attr("", "scheme"); ok {
			if err := absIRI(s); err != nil {
				r.add(scope, "category scheme: %v", err)
			}
		}
	}
}

// checkAtomContent checks an entry's content and summary (RFC 4287 4.1.3
// and 4.2.13).
func checkAtomContent(r *report, scope string, e *xnode) {
	summaries := e.children(nsAtom, "summary")
	checkAtomText(r, join(scope, "summary"), summaries, false)
	c := e.child(nsAtom, "content")
	if c == nil {
		if len(summaries) == 0 {
			r.add(scope, "summary is required when there is no content")
		}
		return
	}
	cs := join(scope, "content")
	typ, _ := c.attr("", "type")
	if src, ok := c.attr("", "src"); ok {
		if err := absIRI(src); err != nil {
			r.add(cs, "src: %v", err)
		}
		if strings.TrimSpace(c.text) != "" || len(c.kids) > 0 {
			r.add(cs, "must be empty when src is present")
		}
		if typ == "text" || typ == "html" || typ == "xhtml" {
			r.add(cs, "with src, type must be a MIME type, not %q", typ)
		}
		if len(summaries) == 0 {
			r.add(scope, "summary is required when content has src")
		}
		return
	}
	switch typ {
	case "", "text":
		if len(c.kids) > 0 {
			r.add(cs, `type "text" must not contain child elements`)
		}
	case "html":
		if len(c.kids) > 0 {
			r.add(cs, `type "html" must contain escaped markup, not child elements`)
		}
		checkHTML(r, cs, c.text)
	case "xhtml":
		checkXHTMLDiv(r, cs, c)
	default:
		if !isMIMEType(typ) {
			r.add(cs, `type %q is not "text", "html", "xhtml" or a MIME type`, typ)
		} else if mt := strings.ToLower(typ); !strings.HasPrefix(mt, "text/") && !strings.HasSuffix(mt, "+xml") && !strings.HasSuffix(mt, "/xml") && len(summaries) == 0 {
			r.add(scope, "summary is required when content is not textual (%s)", typ)
		}
	}
}
