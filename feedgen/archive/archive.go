// Package archive is the generator's archive job: every feed's older items
// as RFC 5005 archive documents (section 4), with Config.Archive.
//
// A feed's subscription document shows its newest Limit items; every older
// item is in exactly one archive document, the one of its month of
// publication in UTC (layout.MonthOf). The chain therefore partitions the
// feed: following prev-archive from the subscription document visits every
// item once. A month is one contiguous range of the feed's members (they
// are kept in order of the instant), and its document depends on that range
// only, so an edit, a deletion or a backdated addition rewrites the
// documents of its own month; an edit of an article the subscription
// document shows rewrites none. The one document that moves with new
// articles is a feed's newest archive document, the month the items leaving
// the subscription document roll into; it is served with the feeds' own
// short Cache-Control, the others with layout.ArchiveCacheControl.
//
// The archive documents of a feed carry its title, description and links,
// the items of their month newest first, <fh:archive/>, and links rel
// "self", "current" (the subscription document) and "prev-archive" /
// "next-archive" to the neighbouring months that have items; JSON Feed
// walks the same chain with next_url. Items are the same rendered
// fragments the feeds use, kept in the index: an article is read and
// rendered once for every document that shows it.
//
// The job has two parts. A Planner decides, as package feedgen's planner
// goes over the feeds a change made dirty, which months of each feed's
// archive change, and queues their documents (plan.go). Docs holds the
// documents, rendered or known from the state, renders the queued ones,
// records them in the state (docs.go) and, for a daemon, makes them lazy
// files (lazy.go). The archive is a job of its own because its state grows
// with the archive, a document per feed and month, while the planner's and
// the output's follow the feeds; and a site without archives never uses it
// beyond taking the months the index saw change.
//
// The generator hands it what it needs as an Env; the archive knows
// nothing of the generator.
package archive

import (
	"log/slog"
	"time"

	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Env is what the archive is handed by the generator that runs it.
type Env struct {
	Config *config.Config // normalised; fixed for the generator's life
	Index  *index.Index   // the feeds' members, the rendered items, the known documents
	Log    *slog.Logger   // told of a document that cannot be rendered
}

// document is a rendered archive document, or one known from the state.
type document struct {
	sig   [32]byte
	links render.ArchiveInfo // its month and neighbours
	etags [3]string
	items []string
	// updated and sizes are what a lazy file needs besides the tags
	// (lazy.go); recorded in the state with them.
	updated time.Time
	sizes   [3]int
	// files are nil for a document known from the state or handed over by
	// a build; lazy files (lazy.go) in a daemon with lazy documents.
	files [3]*snapshot.File
}

// job is an archive document whose bytes changed.
type job struct {
	key   layout.FeedKey
	month layout.Month
	// paths are its items, newest first: all that rendering needs. A first
	// build holds a job for every month of every feed until they are
	// written, so a job keeps no more than that.
	paths []string
	info  render.FeedInfo
	sig   [32]byte
}

// ref names one archive document.
type ref struct {
	key   layout.FeedKey
	month layout.Month
}

// cacheControl is the Cache-Control of the archive document with the given
// links. Only the newest document changes as items roll into it; the
// others change with an edit in their month alone.
func cacheControl(links render.ArchiveInfo) string {
	if links.Next.IsZero() {
		return ""
	}
	return layout.ArchiveCacheControl
}
