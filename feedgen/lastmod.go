package feedgen

import (
	"feedgen/feedgen/doc"
	"time"
)

// Last-Modified times: the rule (from the content, never going backwards)
// is doc.NotBefore's; these are the feeds' and the site files'.

// feedLastModified is the Last-Modified of a feed whose newest item time is
// updated, given what the feed was (nil for a new feed).
func feedLastModified(old *feedOut, updated time.Time) time.Time {
	if old == nil {
		return doc.NotBefore(updated, time.Time{})
	}
	return doc.NotBefore(updated, old.lastMod)
}

// lastModified is the Last-Modified of the index page and the OPML list:
// the newest of the feeds', and never before what they were served with
// (they are both rendered from the same feeds, so they share it).
func (out *output) lastModified() time.Time {
	var lm time.Time
	for _, o := range out.feeds {
		if o.lastMod.After(lm) {
			lm = o.lastMod
		}
		if o.info.Updated.After(lm) {
			lm = o.info.Updated
		}
	}
	if out.indexFile != nil && out.indexFile.ModTime.After(lm) {
		lm = out.indexFile.ModTime
	}
	return lm.UTC().Truncate(time.Second)
}
