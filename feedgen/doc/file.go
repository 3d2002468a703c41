package doc

import (
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

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

// NotBefore is the Last-Modified of a document whose content time is
// updated and that was last served with served (zero for none): the
// content time, never going backwards.
func NotBefore(updated, served time.Time) time.Time {
	if served.After(updated) {
		updated = served
	}
	return updated.UTC().Truncate(time.Second)
}

// Reuse returns old when it holds exactly body, so that an unchanged file
// keeps its identity, modification time and compressed form. lm is the
// Last-Modified time of a new file (NotBefore).
func Reuse(old *snapshot.File, p, ct string, body []byte, lm time.Time) *snapshot.File {
	f := snapshot.NewPlainFile(p, ct, body, lm) // compressed later, by Compress
	if old != nil && old.ETag == f.ETag && old.Path == p && old.ContentType == ct {
		return old
	}
	return f
}

// Kept reports whether, during a build's Emit, the file of a document in
// every format is already where it belongs with the tag it would have, so
// that the document need not be rendered: keep asks of one file
// (diskout.Stream.Keep; nil outside Emit, when nothing is kept), etags are
// the tags of the formats and path names each format's file.
func Kept(keep func(path, etag string) bool, etags [3]string, path func(layout.Format) string) bool {
	if keep == nil {
		return false
	}
	for _, f := range layout.Formats {
		if !keep(path(f), etags[f]) {
			return false
		}
	}
	return true
}
