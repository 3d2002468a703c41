package feedcheck

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// unsafeElements may run code, restyle or re-target the reader's page, or
// embed foreign content; feed readers strip them and validators warn.
var unsafeElements = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true,
	"applet": true, "frame": true, "frameset": true, "base": true, "meta": true,
	"link": true,
}

// urlAttrs are the attributes whose values are URLs.
var urlAttrs = map[string]bool{
	"href": true, "src": true, "cite": true, "action": true, "formaction": true,
	"poster": true, "background": true, "longdesc": true, "usemap": true,
	"data": true, "codebase": true, "lowsrc": true, "dynsrc": true, "icon": true,
	"manifest": true, "profile": true, "srcset": true,
}

// checkHTML parses an HTML fragment from feed content and reports what makes
// it unsafe or unportable: script-like elements, event-handler attributes,
// javascript:, vbscript: and data: URLs, and URLs that are not absolute
// (http, https, mailto) or a "#fragment". Feed content is shown outside the
// site, where relative URLs resolve against the wrong base.
func checkHTML(r *report, scope, src string) {
	checkHTMLText(r, scope, src)
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil {
		r.add(scope, "cannot parse HTML: %v", err)
		return
	}
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if depth > maxDepth {
			r.add(scope, "HTML nested more than %d deep", maxDepth)
			return
		}
		if n.Type == html.ElementNode {
			attrs := make([][2]string, 0, len(n.Attr))
			for _, a := range n.Attr {
				key := a.Key
				if a.Namespace != "" {
					key = a.Namespace + ":" + a.Key
				}
				attrs = append(attrs, [2]string{key, a.Val})
			}
			checkElement(r, scope, strings.ToLower(n.Data), attrs)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
		}
	}
	walk(doc, 0)
}

// checkXHTML applies the checks of checkHTML to inline XHTML content (Atom
// type="xhtml"), which arrives as XML elements rather than escaped markup.
func checkXHTML(r *report, scope string, n *xnode, depth int) {
	if depth > maxDepth {
		return
	}
	attrs := make([][2]string, 0, len(n.attrs))
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
			continue
		}
		key := a.Name.Local
		if a.Name.Space == "http://www.w3.org/1999/xlink" {
			key = "xlink:" + key
		}
		attrs = append(attrs, [2]string{key, a.Value})
	}
	checkElement(r, scope, strings.ToLower(n.name.Local), attrs)
	for _, k := range n.kids {
		checkXHTML(r, scope, k, depth+1)
	}
}

// checkElement checks one element of embedded (X)HTML.
func checkElement(r *report, scope, tag string, attrs [][2]string) {
	if unsafeElements[tag] {
		r.add(scope, "<%s> element is not allowed in feed content (unsafe)", tag)
	}
	for _, a := range attrs {
		key := strings.ToLower(a[0])
		if strings.HasPrefix(key, "on") {
			r.add(scope, "<%s %s> event-handler attribute is not allowed in feed content (unsafe)", tag, a[0])
			continue
		}
		local := key
		if i := strings.LastIndexByte(local, ':'); i >= 0 {
			local = local[i+1:]
		}
		if !urlAttrs[local] {
			continue
		}
		if local == "srcset" {
			for _, cand := range strings.Split(a[1], ",") {
				f := strings.Fields(cand)
				if len(f) > 0 {
					checkContentURL(r, scope, tag, a[0], f[0])
				}
			}
			continue
		}
		checkContentURL(r, scope, tag, a[0], a[1])
	}
}

// checkContentURL checks one URL found in embedded HTML.
func checkContentURL(r *report, scope, tag, attr, v string) {
	// Browsers ignore white space and control characters inside a scheme
	// ("java\tscript:"), so compare a squeezed, lower-cased copy.
	squeezed := strings.Map(func(c rune) rune {
		if c <= ' ' {
			return -1
		}
		return c
	}, strings.ToLower(v))
	for _, bad := range []string{"javascript:", "vbscript:", "data:"} {
		if strings.HasPrefix(squeezed, bad) {
			r.add(scope, "<%s %s=%q> uses a %s URL (unsafe)", tag, attr, truncate(v), strings.TrimSuffix(bad, ":"))
			return
		}
	}
	if strings.HasPrefix(v, "#") {
		return
	}
	u, err := parseURL(v)
	if err != nil {
		r.add(scope, "<%s %s>: %v", tag, attr, err)
		return
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" || u.Opaque != "" {
			r.add(scope, "<%s %s=%q> has no host", tag, attr, v)
		}
	case "mailto":
	case "":
		r.add(scope, "<%s %s=%q> is a relative URL; feed content needs absolute URLs", tag, attr, v)
	default:
		r.add(scope, "<%s %s=%q> uses scheme %q; only http, https, mailto and #fragment are allowed", tag, attr, truncate(v), u.Scheme)
	}
}

// truncate shortens long values (data: URLs) in messages.
func truncate(s string) string {
	if len(s) > 60 {
		for i := 60; i > 0; i-- {
			if i < len(s) && s[i]&0xC0 != 0x80 {
				return s[:i] + "…"
			}
		}
	}
	return s
}

// charRef matches what may follow "&" in HTML text: a named, decimal or
// hexadecimal character reference ended by ";".
var charRef = regexp.MustCompile(`^&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);`)

// checkHTMLText reports a bare "&" or "<" in the text of an HTML fragment.
// Browsers recover from both, but they are parse errors: the W3C feed
// validator, which parses HTML content strictly (html5lib), warns "Invalid
// HTML", and a "<" before a letter would open an element. Plain text that a
// feed carries as HTML (the RSS description) must be escaped twice for that
// reason.
func checkHTMLText(r *report, scope, src string) {
	z := html.NewTokenizer(strings.NewReader(src))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return
		case html.TextToken:
			raw := string(z.Raw())
			for i := 0; i < len(raw); i++ {
				switch {
				case raw[i] == '<':
					r.add(scope, "unescaped %q in HTML text near %q", "<", truncate(raw[i:]))
					return
				case raw[i] == '&' && !charRef.MatchString(raw[i:]):
					r.add(scope, "unescaped %q in HTML text near %q", "&", truncate(raw[i:]))
					return
				}
			}
		}
	}
}
