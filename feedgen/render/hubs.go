package render

import (
	"encoding/xml"

	"github.com/gorilla/feeds"
)

// WebSub discovery (W3C WebSub, section 4): a feed names the hubs that push
// it to subscribers. RSS and Atom carry <atom:link rel="hub">, JSON Feed
// 1.1 a "hubs" list. The HTTP Link header that goes with them is the
// server's (package websub). With no hub configured nothing is written, so
// the output is byte-identical to what it was before WebSub.

// rssHubLinks are the <atom:link rel="hub"> elements of an RSS channel.
// encoding/xml refuses two fields with the same tag in one struct (the
// channel's self link is already an atom:link), so they write themselves.
// They have no type attribute: a hub is not a document.
type rssHubLinks []string

// MarshalXML writes one atom:link per hub and nothing for none; the
// element name it is given is not used.
func (l rssHubLinks) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	for _, h := range l {
		start := xml.StartElement{Name: xml.Name{Local: "atom:link"}, Attr: []xml.Attr{
			{Name: xml.Name{Local: "href"}, Value: h},
			{Name: xml.Name{Local: "rel"}, Value: "hub"},
		}}
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		if err := e.EncodeToken(start.End()); err != nil {
			return err
		}
	}
	return nil
}

func rssHubLinksFor(hubs []string) rssHubLinks { return rssHubLinks(hubs) }

func atomHubLinks(hubs []string) []feeds.AtomLink {
	var l []feeds.AtomLink
	for _, h := range hubs {
		l = append(l, feeds.AtomLink{Href: h, Rel: "hub"})
	}
	return l
}

// jsonHubs is JSON Feed 1.1's hubs list; "WebSub" is the type the spec
// names.
func jsonHubs(hubs []string) []*feeds.JSONHub {
	var l []*feeds.JSONHub
	for _, h := range hubs {
		l = append(l, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	return l
}
