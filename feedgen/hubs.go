package feedgen

import (
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"net/url"

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

// hubSignature adds the hubs to a feed's signature, so that a state made
// with other hubs re-renders the feeds. Nothing is added without hubs: a
// state made before WebSub stays valid.
func hubSignature(h hash.Hash, hubs []string) {
	for _, u := range hubs {
		fmt.Fprintf(h, "hub\x00%s\x00", u)
	}
}

// CheckHubURL says why h cannot be a WebSub hub (nil if it can), in words
// the CLI puts after the flag or key that gave it.
func CheckHubURL(h string) error {
	u, err := url.Parse(h)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		return errors.New("want an absolute http or https URL")
	}
	return nil
}

// normalizeHubs checks that every hub is an absolute http or https URL and
// drops repeats, keeping the first position: the order is the one given,
// so the output does not depend on anything else.
func normalizeHubs(c *Config) error {
	seen := map[string]bool{}
	var out []string
	for _, h := range c.Hubs {
		if err := CheckHubURL(h); err != nil {
			return fmt.Errorf("hub %q: %w", h, err)
		}
		u, _ := url.Parse(h)
		if s := u.String(); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	c.Hubs = out
	return nil
}
