package render

import (
	"encoding/xml"

	"feedgen/feedgen/config"
	"feedgen/layout"
)

// opmlDoc is an OPML 2.0 subscription list.
type opmlDoc struct {
	XMLName xml.Name    `xml:"opml"`
	Version string      `xml:"version,attr"`
	Title   string      `xml:"head>title"`
	Body    []opmlGroup `xml:"body>outline"`
}

type opmlGroup struct {
	Text     string        `xml:"text,attr"`
	Outlines []opmlOutline `xml:"outline"`
}

type opmlOutline struct {
	Type    string `xml:"type,attr"`
	Text    string `xml:"text,attr"`
	Title   string `xml:"title,attr"`
	XMLURL  string `xml:"xmlUrl,attr"`
	HTMLURL string `xml:"htmlUrl,attr,omitempty"`
}

// OPML writes an OPML 2.0 subscription list. It names each feed once,
// in RSS: a reader importing it would otherwise subscribe three times.
func OPML(cfg *config.Config, entries []IndexEntry) []byte {
	doc := opmlDoc{Version: "2.0", Title: cfg.Title}
	groups := map[layout.Kind]int{}
	names := map[layout.Kind]string{layout.KindAll: "All articles", layout.KindCategory: "Categories", layout.KindTag: "Tags"}
	for _, e := range entries {
		i, ok := groups[e.Key.Kind]
		if !ok {
			i = len(doc.Body)
			groups[e.Key.Kind] = i
			doc.Body = append(doc.Body, opmlGroup{Text: names[e.Key.Kind]})
		}
		doc.Body[i].Outlines = append(doc.Body[i].Outlines, opmlOutline{
			Type: "rss", Text: e.Title, Title: e.Title,
			XMLURL: e.Key.URL(cfg.BaseURL, layout.RSS), HTMLURL: e.Link,
		})
	}
	return marshalXML(doc)
}
