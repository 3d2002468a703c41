package feedgen

import (
	"fmt"
	"slices"
	"time"

	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Archived feeds (RFC 5005 section 4), with Config.Archive.
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

// archiver owns the archive documents: which months each feed's archive
// has, which of them a change touches (this file), rendering them and
// recording them in the state (archive_render.go), and lazy files for a
// daemon (archive_lazy.go). It is a job of its own because its state grows
// with the archive, a document per feed and month, while the planner's and
// the output's follow the feeds; and a site without archives never uses it
// beyond taking the months the index saw change.
type archiver struct {
	*shared
	lazy bool // the documents are lazy files (Options.LazyArchives)
	// rendered counts the documents rendered (all formats once), for tests
	// and benchmarks of what a start-up costs.
	rendered int

	docs        map[layout.FeedKey]map[layout.Month]*archOut // rendered or known from the state
	plans       map[layout.FeedKey]*archPlan                 // found by plan's dirty loop, per feed
	dirtyMonths map[layout.FeedKey]map[layout.Month]bool     // months the index saw change, per feed
	jobs        []*archJob                                   // planned documents whose bytes change
	done, gone  []archRef                                    // rendered and dropped since the state last heard
	full        bool                                         // plan every month of every feed (the index was rebuilt)
}

func newArchiver(sh *shared, lazy bool) *archiver {
	return &archiver{
		shared:      sh,
		lazy:        lazy,
		docs:        map[layout.FeedKey]map[layout.Month]*archOut{},
		plans:       map[layout.FeedKey]*archPlan{},
		dirtyMonths: map[layout.FeedKey]map[layout.Month]bool{},
	}
}

// archOut is a rendered archive document.
type archOut struct {
	sig   [32]byte
	links render.ArchiveInfo // its month and neighbours
	etags [3]string
	items []string
	// updated and sizes are what a lazy file needs besides the tags
	// (archive_lazy.go); recorded in the state with them.
	updated time.Time
	sizes   [3]int
	// files are nil for a document known from the state or handed over by
	// Emit; lazy files (archive_lazy.go) in a daemon with LazyArchives.
	files [3]*snapshot.File
}

// archJob is an archive document whose bytes changed.
type archJob struct {
	key   layout.FeedKey
	month layout.Month
	// paths are its items, newest first: all that rendering needs. A first
	// build holds a job for every month of every feed until they are
	// written, so a job keeps no more than that.
	paths []string
	info  render.FeedInfo
	sig   [32]byte
}

// archRef names one archive document.
type archRef struct {
	key   layout.FeedKey
	month layout.Month
}

// on reports whether feeds have archives at all: with no limit the
// subscription document shows everything.
func (a *archiver) on() bool { return a.cfg.Archive && a.cfg.Limit > 0 }

// archPlan is what the dirty loop of plan found for a feed's archive: the
// months to plan again with their archived items (newest first; none for
// a month left empty), and whether that is every month of the feed. A full
// pass records only which months have items (reread): their items are read
// again, a month at a time, by plan. Keeping them from the pass would
// hold the header of every archived item of every feed until the plan ends,
// which grows with the archive (three headers per article on a first build).
type archPlan struct {
	full   bool
	months map[layout.Month][]shown
	reread map[layout.Month]bool
}

// takeMonths collects the feed months the index saw change. Without
// archives they are taken and forgotten: nothing would ever plan them, and
// a daemon would hold every month it ever saw change (archives turned on
// later start with a full pass: nothing is known of their documents).
func (a *archiver) takeMonths() {
	months := a.ix.TakeMonths()
	if !a.on() {
		return
	}
	for fm := range months {
		if a.dirtyMonths[fm.Feed] == nil {
			a.dirtyMonths[fm.Feed] = map[layout.Month]bool{}
		}
		a.dirtyMonths[fm.Feed][fm.Month] = true
	}
}

// candidates decides which archive months of feed k must be planned again,
// now that its subscription document shows top (and showed what old says;
// nil for a new feed), and returns their archived items so that the
// planner makes sure their rendered items are current. The months are
// those the index saw change, and those of the items that entered or left
// the subscription document; every month when nothing is known of the
// feed's archive or the feed's own fields changed (a full pass over the
// feed: a first build, a new feed). So a change costs its months, not the
// archive.
func (a *archiver) candidates(t *index.Tx, k layout.FeedKey, top []shown, old *feedOut) ([]shown, error) {
	inTop := pathSet(top)
	p := &archPlan{months: map[layout.Month][]shown{}}
	a.plans[k] = p
	if len(top) < a.cfg.Limit {
		p.full = true // no archive: every month of it is gone
		return nil, nil
	}
	if a.full || old == nil || (a.docs[k] == nil && t.Members(k) > len(top)) || !sameFeedFields(old.info, feedInfo(&a.cfg, k, top)) {
		p.full = true
		p.reread = map[layout.Month]bool{}
		var all []shown
		err := t.Top(k, func(path string, e index.Entry) (bool, error) {
			if !inTop[path] {
				p.reread[layout.MonthOf(e.Header.Published)] = true
				// plan needs only the path and the stamp to check the
				// rendered item; the header is let go now.
				all = append(all, shown{path: path, stamp: e.Stamp})
			}
			return true, nil
		})
		return all, err
	}
	months := map[layout.Month]bool{}
	for m := range a.dirtyMonths[k] {
		months[m] = true
	}
	for _, it := range top {
		if !slices.Contains(old.items, it.path) {
			months[layout.MonthOf(it.hdr.Published)] = true
		}
	}
	for _, path := range old.items {
		if inTop[path] {
			continue
		}
		e, ok, err := t.Entry(path)
		if err != nil {
			return nil, err
		}
		if ok && e.Header != nil {
			months[layout.MonthOf(e.Header.Published)] = true
		} // else: gone, and its month was marked when it went
	}
	var more []shown
	for m := range months {
		items, err := monthItems(t, k, m, inTop)
		if err != nil {
			return nil, err
		}
		p.months[m] = items
		more = append(more, items...)
	}
	return more, nil
}

// pathSet is the set of the items' paths.
func pathSet(items []shown) map[string]bool {
	set := make(map[string]bool, len(items))
	for _, it := range items {
		set[it.path] = true
	}
	return set
}

// sameFeedFields reports whether two renderings of a feed share the fields
// its archive documents copy.
func sameFeedFields(a, b render.FeedInfo) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Link == b.Link
}

// monthItems lists the archived items of feed k in month m: its members of
// that month that the subscription document (inTop) does not show.
func monthItems(t *index.Tx, k layout.FeedKey, m layout.Month, inTop map[string]bool) ([]shown, error) {
	var items []shown
	err := t.MonthMembers(k, m, func(path string, e index.Entry) (bool, error) {
		if !inTop[path] {
			items = append(items, shown{path: path, hdr: e.Header, stamp: e.Stamp})
		}
		return true, nil
	})
	return items, err
}

// beginPlan drops the documents a plan that failed part way left queued.
func (a *archiver) beginPlan() { a.jobs = a.jobs[:0] }

// endPlan says a plan went over every feed it had to: a full pass, when
// one was due, is done.
func (a *archiver) endPlan() { a.full = false }

// plan plans the archive documents of the feed of job j, sets the
// subscription document's prev-archive and the months its page lists,
// queues the documents whose bytes change (those of the months candidates
// chose, and those whose neighbours changed or whose files are not in
// place) and forgets the months that have no item left.
func (a *archiver) plan(t *index.Tx, j *renderJob) error {
	k := j.key
	p := a.plans[k]
	if p == nil {
		return fmt.Errorf("archive of %s: not planned", k.Path(layout.RSS))
	}
	delete(a.plans, k)
	held := a.docs[k]
	months := a.months(k, p, held) // newest first
	if len(months) > 0 {
		j.info.Archive.Prev = months[0]
	}
	inTop := pathSet(j.items)
	for i, m := range months {
		links := render.ArchiveInfo{Doc: m}
		if i+1 < len(months) {
			links.Prev = months[i+1]
		}
		if i > 0 {
			links.Next = months[i-1]
		}
		old := held[m]
		items, replan := p.months[m]
		if !replan && !p.reread[m] && a.inPlace(k, old, links, j.info) {
			continue // unchanged, in place
		}
		if items == nil {
			var err error
			if items, err = monthItems(t, k, m, inTop); err != nil {
				return err
			}
		}
		if err := fillSums(t, items); err != nil {
			return err
		}
		aj := newArchJob(k, m, links, j.info, items)
		if old != nil && old.sig == aj.sig && a.inPlace(k, old, links, j.info) {
			// Unchanged, items included: the signature covers their paths.
			continue
		}
		a.jobs = append(a.jobs, aj)
	}
	j.info.ArchiveMonths = months // the page lists them (archivepage.go)
	delete(a.dirtyMonths, k)
	return nil
}

// months lists the months of feed k's archive after plan p, newest first,
// and drops the documents held of the months that have no item left.
func (a *archiver) months(k layout.FeedKey, p *archPlan, held map[layout.Month]*archOut) []layout.Month {
	set := map[layout.Month]bool{}
	if !p.full {
		for m := range held {
			set[m] = true
		}
	}
	for m, items := range p.months {
		set[m] = len(items) > 0
	}
	for m := range p.reread {
		set[m] = true
	}
	var months []layout.Month
	for m, ok := range set {
		if ok {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, func(a, b layout.Month) int { return b.Compare(a) })
	for m := range held {
		if !set[m] {
			a.drop(k, m)
		}
	}
	return months
}

// newArchJob is the document of feed k's month m with the given links and
// archived items (their sums filled), sharing the fields of the feed's
// subscription document fi.
func newArchJob(k layout.FeedKey, m layout.Month, links render.ArchiveInfo, fi render.FeedInfo, items []shown) *archJob {
	info := fi
	info.Hubs = nil // a subscription is to the feed, not to one of its months
	info.Updated = render.Epoch
	for n, it := range items {
		if n == 0 || it.hdr.Updated.After(info.Updated) {
			info.Updated = it.hdr.Updated
		}
	}
	info.Archive = links
	return &archJob{key: k, month: m, paths: pathsOf(items), info: info, sig: feedSignature(info, items)}
}

// inPlace reports whether the held document old of feed k has the links
// it must have (its month included) and its files are in place: held, kept
// on disk (Emit), or made lazy from what the state knows of it. fi is the
// feed's subscription document.
func (a *archiver) inPlace(k layout.FeedKey, old *archOut, links render.ArchiveInfo, fi render.FeedInfo) bool {
	return old != nil && old.links == links && (old.files[0] != nil || a.kept(k, links.Doc, old) || a.lazyKnown(k, old, fi))
}

// drop forgets one archive document (m zero: all of feed k's, and what is
// being planned for it: the feed is gone).
func (a *archiver) drop(k layout.FeedKey, m layout.Month) {
	if m.IsZero() {
		delete(a.plans, k)
		delete(a.dirtyMonths, k)
	}
	for mm := range a.docs[k] {
		if m.IsZero() || mm == m {
			delete(a.docs[k], mm)
			a.gone = append(a.gone, archRef{k, mm})
		}
	}
	if len(a.docs[k]) == 0 {
		delete(a.docs, k)
	}
}

// kept reports whether every file of the archive document o, feed k's of
// month m, is already where Emit would write it (shared.keep).
func (a *archiver) kept(k layout.FeedKey, m layout.Month, o *archOut) bool {
	return a.allKept(o.etags, func(f layout.Format) string { return k.ArchivePath(m, f) })
}
