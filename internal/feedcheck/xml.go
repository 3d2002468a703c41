package feedcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds element nesting so that the recursive walks below cannot
// exhaust the stack on hostile input. No real feed comes close.
const maxDepth = 256

// xnode is an element of a parsed XML document. The package keeps its own
// tree rather than unmarshalling into structs because the checks need what
// struct unmarshalling hides: elements in the wrong namespace, duplicates,
// unknown children and exact text.
type xnode struct {
	name  xml.Name
	attrs []xml.Attr
	kids  []*xnode
	text  string // direct character data (including CDATA), concatenated
	line  int
}

// attr returns the value of the attribute with the given namespace and
// local name.
func (n *xnode) attr(space, local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// children returns the child elements with the given namespace and local
// name.
func (n *xnode) children(space, local string) []*xnode {
	var out []*xnode
	for _, k := range n.kids {
		if k.name.Space == space && k.name.Local == local {
			out = append(out, k)
		}
	}
	return out
}

// child returns the first child element with the given name, or nil.
func (n *xnode) child(space, local string) *xnode {
	for _, k := range n.kids {
		if k.name.Space == space && k.name.Local == local {
			return k
		}
	}
	return nil
}

// xmlChar reports whether r is allowed in an XML 1.0 document.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD ||
		(r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) ||
		(r >= 0x10000 && r <= 0x10FFFF)
}

// scanChars reports invalid UTF-8 and characters that XML 1.0 forbids (most
// C0 controls, U+FFFE, U+FFFF), which strict parsers reject outright. It
// reports at most a few, with line numbers, and returns whether it found any.
func scanChars(r *report, body []byte) bool {
	line, found := 1, 0
	for i := 0; i < len(body); {
		c, size := utf8.DecodeRune(body[i:])
		switch {
		case c == utf8.RuneError && size <= 1:
			r.add("xml", "line %d: invalid UTF-8 byte 0x%02x (feeds must be UTF-8)", line, body[i])
			found++
		case !xmlChar(c):
			r.add("xml", "line %d: character U+%04X is not allowed in XML 1.0", line, c)
			found++
		case c == '\n':
			line++
		}
		if found >= 5 {
			break
		}
		i += size
	}
	return found > 0
}

// parseXML decodes body strictly into a tree, reporting every
// well-formedness problem it can see: illegal characters, what the strict
// encoding/xml decoder rejects (mismatched tags, unknown entities, bad
// syntax) and what it lets through (duplicate attributes, undeclared
// namespace prefixes, several root elements, text outside the root, an XML
// declaration that is not first or declares another encoding than UTF-8). It
// returns nil if the document is not well-formed.
func parseXML(r *report, body []byte) *xnode {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")) // a UTF-8 BOM is allowed
	if scanChars(r, body) {
		return nil
	}
	if bytes.HasPrefix(body, []byte("<?xml")) {
		decl := body
		if end := bytes.Index(body, []byte("?>")); end >= 0 {
			decl = body[:end]
		}
		if enc := procInstAttr(string(decl), "encoding"); enc != "" && !strings.EqualFold(enc, "utf-8") {
			r.add("xml", "XML declaration says encoding %q; feeds must be UTF-8", enc)
			return nil
		}
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	d.CharsetReader = func(charset string, _ io.Reader) (io.Reader, error) {
		return nil, errors.New("encoding " + charset + " is not UTF-8")
	}
	var (
		root  *xnode
		stack []*xnode
		text  []*strings.Builder
		ok    = true
	)
	for {
		start := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.add("xml", "not well-formed: %v", err)
			return nil
		}
		line, _ := d.InputPos()
		switch t := tok.(type) {
		case xml.ProcInst:
			if t.Target == "xml" {
				if start != 0 {
					r.add("xml", "line %d: the XML declaration must be at the very start of the document", line)
					ok = false
				}
			}
		case xml.StartElement:
			n := &xnode{name: t.Name, attrs: t.Attr, line: line}
			checkNames(r, n)
			if len(stack) == 0 {
				if root != nil {
					r.add("xml", "line %d: second root element <%s>", line, t.Name.Local)
					return nil
				}
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			if len(stack) >= maxDepth {
				r.add("xml", "line %d: elements nested more than %d deep", line, maxDepth)
				return nil
			}
			stack = append(stack, n)
			text = append(text, new(strings.Builder))
		case xml.EndElement:
			if len(stack) == 0 { // cannot happen with Strict, but never panic
				return nil
			}
			stack[len(stack)-1].text = text[len(text)-1].String()
			stack, text = stack[:len(stack)-1], text[:len(text)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					r.add("xml", "line %d: text outside the root element", line)
					ok = false
				}
				continue
			}
			text[len(text)-1].Write(t)
		}
	}
	if root == nil {
		r.add("xml", "no root element")
		return nil
	}
	if !ok {
		return nil
	}
	return root
}

// checkNames reports duplicate attributes and undeclared namespace prefixes
// on n. encoding/xml leaves an undeclared prefix in Name.Space, where a
// declared one is replaced by its namespace URI; a prefix cannot contain a
// colon and a namespace URI always does, which tells them apart.
func checkNames(r *report, n *xnode) {
	if n.name.Space != "" && !strings.Contains(n.name.Space, ":") {
		r.add("xml", "line %d: element <%s:%s> uses an undeclared namespace prefix", n.line, n.name.Space, n.name.Local)
	}
	seen := make(map[xml.Name]bool, len(n.attrs))
	for _, a := range n.attrs {
		if seen[a.Name] {
			r.add("xml", "line %d: element <%s> has attribute %q twice", n.line, n.name.Local, a.Name.Local)
		}
		seen[a.Name] = true
		if a.Name.Space != "" && a.Name.Space != "xmlns" && !strings.Contains(a.Name.Space, ":") {
			r.add("xml", "line %d: attribute %s:%s uses an undeclared namespace prefix", n.line, a.Name.Space, a.Name.Local)
		}
	}
}

// procInstAttr extracts a pseudo-attribute such as encoding="…" from the
// body of a processing instruction.
func procInstAttr(inst, name string) string {
	i := strings.Index(inst, name)
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(inst[i+len(name):], " \t\r\n")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	rest = rest[1:]
	if j := strings.IndexByte(rest, q); j >= 0 {
		return rest[:j]
	}
	return ""
}

// sniffRoot returns the local name of the root element of an XML document,
// or "" if there is none.
func sniffRoot(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errors.New("no charset") }
	for i := 0; i < 1000; i++ {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if s, ok := tok.(xml.StartElement); ok {
			return s.Name.Local
		}
	}
	return ""
}
