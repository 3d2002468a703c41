package render

import (
	"encoding/xml"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/layout"

	"github.com/gorilla/feeds"
)

// rssDoc wraps gorilla's channel with the namespaces it omits.
type rssDoc struct {
	XMLName   xml.Name   `xml:"rss"`
	Version   string     `xml:"version,attr"`
	NSAtom    string     `xml:"xmlns:atom,attr"`
	NSContent string     `xml:"xmlns:content,attr"`
	NSDC      string     `xml:"xmlns:dc,attr"`
	NSMedia   string     `xml:"xmlns:media,attr"`
	Channel   rssChannel `xml:"channel"`
}

// rssChannel extends gorilla's RssFeed with the atom:link rel="self" that RSS
// best practice asks for; Items shadows gorilla's to carry the richer items.
type rssChannel struct {
	AtomLink rssAtomLink `xml:"atom:link"`
	HubLinks rssHubLinks `xml:"hub"` // written as atom:link elements (hubs.go)
	feeds.RssFeed
	Items []*rssItem `xml:"item"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

// rssItem extends gorilla's item: several categories (gorilla has one),
// dc:creator for a source that is a name and not an e-mail address, and a
// media:thumbnail for the image (an enclosure would need a length and type
// that we do not know, and readers treat enclosures as downloads).
type rssItem struct {
	feeds.RssItem
	Creator    string         `xml:"dc:creator,omitempty"`
	Categories []rssCategory  `xml:"category"`
	Thumbnail  *rssMediaThumb `xml:"media:thumbnail"`
}

type rssCategory struct {
	Domain string `xml:"domain,attr,omitempty"`
	Name   string `xml:",chardata"`
}

type rssMediaThumb struct {
	URL string `xml:"url,attr"`
}

func rfc822(t time.Time) string { return t.Format(time.RFC1123Z) }

// rssDocFor builds an RSS 2.0 document with the given items.
func rssDocFor(cfg *config.Config, fi FeedInfo, items []*rssItem) rssDoc {
	updated := fi.Updated
	return rssDoc{
		Version: "2.0", NSAtom: nsAtom, NSContent: nsContent, NSDC: nsDC, NSMedia: nsMedia,
		Channel: rssChannel{
			AtomLink: rssAtomLink{Href: fi.Key.URL(cfg.BaseURL, layout.RSS), Rel: "self", Type: layout.RSS.MediaType()},
			HubLinks: rssHubLinksFor(fi.Hubs),
			RssFeed: feeds.RssFeed{
				Title:         fi.Title,
				Link:          fi.Link,
				Description:   fi.Description,
				Language:      cfg.Language,
				LastBuildDate: rfc822(updated),
				PubDate:       rfc822(updated),
				Generator:     generator,
				Docs:          "https://www.rssboard.org/rss-specification",
			},
			Items: items,
		},
	}
}

// rssItemFor builds the RSS item of an article. It depends on the article
// and the configuration only, so it renders the same in every feed.
func rssItemFor(cfg *config.Config, a *article.Article) *rssItem {
	it := &rssItem{
		RssItem: feeds.RssItem{
			Title:       a.Title,
			Link:        itemLink(cfg, a),
			Description: htmlText.Replace(a.Summary),
			PubDate:     rfc822(a.Published),
			Guid:        &feeds.RssGuid{Id: a.ID, IsPermaLink: "false"},
		},
		Creator: a.Author,
	}
	if a.ID == a.Link {
		it.Guid.IsPermaLink = "true"
	}
	if a.Content != "" {
		it.Content = &feeds.RssContent{Content: a.Content}
	}
	for _, c := range a.Categories {
		it.Categories = append(it.Categories, rssCategory{Domain: kindURL(cfg, layout.KindCategory), Name: categoryLabel(cfg, a, c)})
	}
	for _, t := range a.Tags {
		it.Categories = append(it.Categories, rssCategory{Domain: kindURL(cfg, layout.KindTag), Name: t})
	}
	if a.Image != "" {
		it.Thumbnail = &rssMediaThumb{URL: a.Image}
	}
	return it
}
