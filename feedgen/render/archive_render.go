package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"

	"feedgen/feedgen/config"
	"feedgen/layout"
)

// NSHistory is the namespace of RFC 5005's <fh:archive/>.
const NSHistory = "http://purl.org/syndication/history/1.0"

// archiveHead adds a document's RFC 5005 elements to the rendered head of
// a feed (everything but the items; at is where they go) and returns the
// new head and position. The renderers stay unaware of archives: the
// links go right after the document's self link (whose target an archive
// document replaces with its own URL), the namespace onto the root element.
//
// A subscription document gains a prev-archive link (RSS, Atom) or
// next_url (JSON Feed) to its newest archive document; an archive document
// gains <fh:archive/>, current, prev-archive and next-archive (JSON Feed:
// next_url to the older month, which is where a reader walking back goes).
// The Atom id stays the subscription document's: every document is part of
// the same logical feed.
func archiveHead(cfg *config.Config, f layout.Format, fi FeedInfo, head []byte, at int) ([]byte, int) {
	a := fi.Archive
	if a == (ArchiveInfo{}) {
		return head, at
	}
	k, base := fi.Key, cfg.BaseURL
	var b strings.Builder
	switch f {
	case layout.RSS, layout.Atom:
		self := []byte(`rel="self"`)
		i := bytes.Index(head, self)
		if i < 0 {
			return head, at
		}
		start := bytes.LastIndexByte(head[:i], '\n') + 1
		end := i + bytes.IndexByte(head[i:], '\n') + 1
		indent := string(head[start : start+len(head[start:])-len(bytes.TrimLeft(head[start:], " "))])
		link := func(href, rel string) {
			tag := "link"
			if f == layout.RSS {
				tag = "atom:link"
			}
			b.WriteString(indent + "<" + tag + ` href="`)
			_ = xml.EscapeText(&b, []byte(href)) // a strings.Builder cannot fail
			b.WriteString(`" rel="` + rel + `" type="` + f.MediaType() + "\"></" + tag + ">\n")
		}
		if a.Doc.IsZero() {
			b.Write(head[start:end]) // the subscription document's own self link
		} else {
			link(k.ArchiveURL(base, a.Doc, f), "self")
			link(k.URL(base, f), "current")
		}
		if !a.Prev.IsZero() {
			link(k.ArchiveURL(base, a.Prev, f), "prev-archive")
		}
		if !a.Next.IsZero() {
			link(k.ArchiveURL(base, a.Next, f), "next-archive")
		}
		if !a.Doc.IsZero() {
			b.WriteString(indent + "<fh:archive></fh:archive>\n")
		}
		out := make([]byte, 0, len(head)+b.Len()+64)
		out = append(out, head[:start]...)
		out = append(out, b.String()...)
		out = append(out, head[end:]...)
		at += b.Len() - (end - start)
		if !a.Doc.IsZero() {
			// Declare fh on the root element, after its first attribute.
			root := []byte(`<rss version="2.0"`)
			if f == layout.Atom {
				root = []byte(`<feed xmlns="` + nsAtom + `"`)
			}
			if j := bytes.Index(out, root); j >= 0 {
				ns := ` xmlns:fh="` + NSHistory + `"`
				out = append(out[:j+len(root)], append([]byte(ns), out[j+len(root):]...)...)
				at += len(ns)
			}
		}
		return out, at
	case layout.JSON:
		if a.Prev.IsZero() {
			return head, at
		}
		i := bytes.Index(head, []byte("\n  \"feed_url\": "))
		if i < 0 {
			return head, at
		}
		i++
		end := i + bytes.IndexByte(head[i:], '\n') + 1
		u, _ := json.Marshal(k.ArchiveURL(base, a.Prev, f)) // a string: cannot fail
		u = bytes.ReplaceAll(u, []byte(`\u0026`), []byte("&"))
		ins := "  \"next_url\": " + string(u) + ",\n"
		out := make([]byte, 0, len(head)+len(ins))
		out = append(out, head[:end]...)
		out = append(out, ins...)
		out = append(out, head[end:]...)
		return out, at + len(ins)
	}
	return head, at
}
