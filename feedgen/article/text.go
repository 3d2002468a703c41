package article

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

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
