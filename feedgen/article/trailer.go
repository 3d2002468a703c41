package article

import (
	"net/url"
	"path"
	"strings"

	"golang.org/x/net/idna"
)

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
