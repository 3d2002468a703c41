package feedcheck

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
)

// CheckOPML validates body as an OPML 2.0 subscription list: well-formed
// XML, <opml version="2.0"> with a titled head and a body of outlines, a
// text on every outline, an absolute xmlUrl on every type="rss" outline and
// no feed listed twice, so that importing it into a reader subscribes to
// every feed exactly once.
func CheckOPML(body []byte) error {
	r := newReport("opml")
	root := parseXML(r, body)
	if root == nil {
		return r.err()
	}
	if root.name.Local != "opml" || root.name.Space != "" {
		r.add("", "root element is <%s>, want <opml>", root.name.Local)
		return r.err()
	}
	if v, _ := root.attr("", "version"); v != "2.0" {
		r.add("", `<opml version=%q>, want version="2.0"`, v)
	}
	heads := root.children("", "head")
	if len(heads) != 1 {
		r.add("", "<opml> must contain exactly one <head>, found %d", len(heads))
	}
	if len(heads) > 0 {
		h := heads[0]
		if t := h.child("", "title"); t == nil || strings.TrimSpace(t.text) == "" {
			r.add("head", "title is missing or empty")
		}
		for _, name := range []string{"dateCreated", "dateModified"} {
			if d := h.child("", name); d != nil {
				if _, err := parseRFC822(d.text); err != nil {
					r.add("head", "%s: %v", name, err)
				}
			}
		}
	}
	bodies := root.children("", "body")
	if len(bodies) != 1 {
		r.add("", "<opml> must contain exactly one <body>, found %d", len(bodies))
		if len(bodies) == 0 {
			return r.err()
		}
	}
	b := bodies[0]
	if len(b.children("", "outline")) == 0 {
		r.add("body", "has no <outline> elements")
	}
	seen := map[string]string{}
	var walk func(n *xnode, path string, depth int)
	walk = func(n *xnode, path string, depth int) {
		if depth > maxDepth {
			return
		}
		for i, o := range n.children("", "outline") {
			scope := fmt.Sprintf("%soutline %d", path, i+1)
			if t, ok := o.attr("", "text"); !ok || strings.TrimSpace(t) == "" {
				r.add(scope, "text attribute is missing or empty")
			}
			typ, _ := o.attr("", "type")
			xmlURL, hasXML := o.attr("", "xmlUrl")
			if typ == "rss" || hasXML {
				if !hasXML {
					r.add(scope, `type="rss" outline without xmlUrl`)
				} else if err := httpURL(xmlURL); err != nil {
					r.add(scope, "xmlUrl: %v", err)
				} else if first, dup := seen[xmlURL]; dup {
					r.add(scope, "xmlUrl %q duplicates %s", xmlURL, first)
				} else {
					seen[xmlURL] = scope
				}
				if hasXML && typ != "rss" {
					r.add(scope, `outline with xmlUrl has type=%q, want "rss"`, typ)
				}
			}
			if h, ok := o.attr("", "htmlUrl"); ok {
				if err := httpURL(h); err != nil {
					r.add(scope, "htmlUrl: %v", err)
				}
			}
			walk(o, scope+": ", depth+1)
		}
	}
	walk(b, "", 0)
	return r.err()
}

// feedTypes are the media types an index page may advertise feeds with.
var feedTypes = map[string]bool{
	"application/rss+xml":   true,
	"application/atom+xml":  true,
	"application/feed+json": true,
}

// CheckHTML validates body as the HTML index page: it must parse, have a
// non-empty <title>, and every <link rel="alternate"> must carry a feed
// media type and a non-empty href, because that is how browsers and readers
// discover the feeds (autodiscovery).
func CheckHTML(body []byte) error {
	r := newReport("html")
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		r.add("", "cannot parse: %v", err)
		return r.err()
	}
	titled := false
	links := 0
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth {
			return
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "title":
				if n.FirstChild != nil && strings.TrimSpace(n.FirstChild.Data) != "" {
					titled = true
				}
			case "link":
				var rel, typ, href string
				hasHref := false
				for _, a := range n.Attr {
					switch a.Key {
					case "rel":
						rel = a.Val
					case "type":
						typ = a.Val
					case "href":
						href, hasHref = a.Val, true
					}
				}
				isAlt := false
				for _, f := range strings.Fields(strings.ToLower(rel)) {
					isAlt = isAlt || f == "alternate"
				}
				if isAlt {
					links++
					scope := fmt.Sprintf("link %d", links)
					if !feedTypes[strings.ToLower(strings.TrimSpace(typ))] {
						r.add(scope, `<link rel="alternate"> type %q is not application/rss+xml, application/atom+xml or application/feed+json`, typ)
					}
					if !hasHref || strings.TrimSpace(href) == "" {
						r.add(scope, `<link rel="alternate"> has no href`)
					} else if _, err := parseURL(href); err != nil {
						r.add(scope, "href: %v", err)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
	if !titled {
		r.add("", "<title> is missing or empty")
	}
	return r.err()
}
