package render

import (
	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/layout"

	"github.com/gorilla/feeds"
)

// jsonFeed extends gorilla's JSONFeed so that items is always written (the
// spec requires it even when empty; gorilla omits an empty list).
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*feeds.JSONItem `json:"items"`
}

// jsonDocFor builds a JSON Feed 1.1 document with the given items.
func jsonDocFor(cfg *config.Config, fi FeedInfo, items []*feeds.JSONItem) jsonFeed {
	return jsonFeed{
		JSONFeed: &feeds.JSONFeed{
			Version:     "https://jsonfeed.org/version/1.1",
			Title:       fi.Title,
			Language:    cfg.Language,
			HomePageUrl: fi.Link,
			FeedUrl:     fi.Key.URL(cfg.BaseURL, layout.JSON),
			Description: fi.Description,
			Authors:     []*feeds.JSONAuthor{{Name: cfg.Title}},
			Hubs:        jsonHubs(fi.Hubs),
		},
		Items: items,
	}
}

// jsonItemFor builds the JSON Feed item of an article.
func jsonItemFor(cfg *config.Config, a *article.Article) *feeds.JSONItem {
	pub, upd := a.Published, a.Updated
	it := &feeds.JSONItem{
		Id:            a.ID,
		Url:           itemLink(cfg, a),
		Title:         a.Title,
		ContentHTML:   a.Content,
		Summary:       a.Summary,
		Image:         a.Image,
		PublishedDate: &pub,
		ModifiedDate:  &upd,
	}
	if a.Author != "" {
		it.Authors = []*feeds.JSONAuthor{{Name: a.Author}}
	}
	for _, c := range a.Categories {
		it.Tags = append(it.Tags, categoryLabel(cfg, a, c))
	}
	for _, t := range a.Tags {
		if !contains(it.Tags, t) {
			it.Tags = append(it.Tags, t)
		}
	}
	if it.ContentHTML == "" {
		// JSON Feed requires content_html or content_text on every item.
		it.ContentText = a.Summary
	}
	return it
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
