package feedgen

import "time"

// Last-Modified times.
//
// A file's Last-Modified comes from its content, not from the clock: a
// feed's is the newest updated time of its items (what the feed itself
// says in <lastBuildDate>, <updated>), and the index page's and the OPML
// list's the newest of all feeds'. So a restart, a rebuild or another
// replica with the same articles sends the same Last-Modified, and a poll
// with If-Modified-Since after a restart still earns a 304 (with the
// process start time, every restart made every reader download every feed
// again).
//
// It never goes backwards: when a feed's newest time drops (its newest
// article deleted, or a date edited back), the file keeps the time it was
// last served with, which the state records (index.Shown.LastModified) so
// that this holds across restarts too. Otherwise a client polling with
// If-Modified-Since alone could be told about an older version than the
// one it holds. The price is that after such a drop the time depends on
// history (the state), not only on the articles: a replica started without
// that history sends the content time. Either way the ETag, which every
// common reader sends and which takes precedence (RFC 9110 13.2.2), changes
// with every byte.
//
// A change that leaves the newest time where it was (an older article
// edited without a new last_modified_at) keeps Last-Modified too, so a
// client that sends only If-Modified-Since misses it until the next dated
// change; the ETag does not.

// feedLastModified is the Last-Modified of a feed whose newest item time is
// updated, given what the feed was (nil for a new feed).
func feedLastModified(old *feedOut, updated time.Time) time.Time {
	if old == nil {
		return notBefore(updated, time.Time{})
	}
	return notBefore(updated, old.lastMod)
}

// notBefore is the Last-Modified of a document whose content time is
// updated and that was last served with served (zero for none): the
// content time, never going backwards.
func notBefore(updated, served time.Time) time.Time {
	if served.After(updated) {
		updated = served
	}
	return updated.UTC().Truncate(time.Second)
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
