package archive

import (
	"fmt"
	"slices"

	"feedgen/feedgen/doc"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
)

// Planner decides which months of each feed's archive change. Package
// feedgen's planner tells it of every dirty feed twice: first what its
// subscription document shows (Candidates, which returns the archived
// items whose rendered items must be current), then, with the rendered
// items current, to plan its months (Plan), which queues in Docs the
// documents whose bytes change. So a change costs its months, not the
// archive.
type Planner struct {
	env   Env
	docs  *Docs
	plans map[layout.FeedKey]*feedPlan             // found by Candidates, per feed, for Plan
	dirty map[layout.FeedKey]map[layout.Month]bool // months the index saw change, per feed
	// keep is a build's, during its Emit (Begin): it confirms that a
	// document's files are in place.
	keep func(path, etag string) bool
}

// NewPlanner returns the planner of the documents docs holds.
func NewPlanner(env Env, docs *Docs) *Planner {
	return &Planner{env: env, docs: docs, plans: map[layout.FeedKey]*feedPlan{}, dirty: map[layout.FeedKey]map[layout.Month]bool{}}
}

// feedPlan is what Candidates found for a feed's archive: the months to
// plan again with their archived items (newest first; none for a month
// left empty), and whether that is every month of the feed. A full pass
// records only which months have items (reread): their items are read
// again, a month at a time, by Plan. Keeping them from the pass would hold
// the header of every archived item of every feed until the plan ends,
// which grows with the archive (three headers per article on a first
// build).
type feedPlan struct {
	full   bool
	months map[layout.Month][]doc.Item
	reread map[layout.Month]bool
}

// Shown is what a feed's subscription document showed when it was last
// rendered: its own fields and its items' paths.
type Shown struct {
	Info  render.FeedInfo
	Items []string
}

// On reports whether feeds have archives at all: with no limit the
// subscription document shows everything.
func (p *Planner) On() bool { return p.env.Config.Archive && p.env.Config.Limit > 0 }

// TakeMonths collects the feed months the index saw change. Without
// archives they are taken and forgotten: nothing would ever plan them, and
// a daemon would hold every month it ever saw change (archives turned on
// later start with a full pass: nothing is known of their documents).
func (p *Planner) TakeMonths() {
	months := p.env.Index.TakeMonths()
	if !p.On() {
		return
	}
	for fm := range months {
		if p.dirty[fm.Feed] == nil {
			p.dirty[fm.Feed] = map[layout.Month]bool{}
		}
		p.dirty[fm.Feed][fm.Month] = true
	}
}

// Candidates decides which archive months of feed k must be planned again,
// now that its subscription document shows top with the fields info (and
// showed old; nil for a new feed), and returns their archived items so
// that the planner makes sure their rendered items are current. The months
// are those the index saw change, and those of the items that entered or
// left the subscription document; every month when nothing is known of the
// feed's archive or the feed's own fields changed (a full pass over the
// feed: a first build, a new feed).
func (p *Planner) Candidates(t *index.Tx, k layout.FeedKey, top []doc.Item, info render.FeedInfo, old *Shown) ([]doc.Item, error) {
	inTop := pathSet(top)
	fp := &feedPlan{months: map[layout.Month][]doc.Item{}}
	p.plans[k] = fp
	if len(top) < p.env.Config.Limit {
		fp.full = true // no archive: every month of it is gone
		return nil, nil
	}
	if p.docs.full || old == nil || (p.docs.held[k] == nil && t.Members(k) > len(top)) || !sameFeedFields(old.Info, info) {
		fp.full = true
		fp.reread = map[layout.Month]bool{}
		var all []doc.Item
		err := t.Top(k, func(path string, e index.Entry) (bool, error) {
			if !inTop[path] {
				fp.reread[layout.MonthOf(e.Header.Published)] = true
				// Plan needs only the path and the stamp to check the
				// rendered item; the header is let go now.
				all = append(all, doc.Item{Path: path, Stamp: e.Stamp})
			}
			return true, nil
		})
		return all, err
	}
	months := map[layout.Month]bool{}
	for m := range p.dirty[k] {
		months[m] = true
	}
	for _, it := range top {
		if !slices.Contains(old.Items, it.Path) {
			months[layout.MonthOf(it.Header.Published)] = true
		}
	}
	for _, path := range old.Items {
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
	var more []doc.Item
	for m := range months {
		items, err := monthItems(t, k, m, inTop)
		if err != nil {
			return nil, err
		}
		fp.months[m] = items
		more = append(more, items...)
	}
	return more, nil
}

// pathSet is the set of the items' paths.
func pathSet(items []doc.Item) map[string]bool {
	set := make(map[string]bool, len(items))
	for _, it := range items {
		set[it.Path] = true
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
func monthItems(t *index.Tx, k layout.FeedKey, m layout.Month, inTop map[string]bool) ([]doc.Item, error) {
	var items []doc.Item
	err := t.MonthMembers(k, m, func(path string, e index.Entry) (bool, error) {
		if !inTop[path] {
			items = append(items, doc.Item{Path: path, Header: e.Header, Stamp: e.Stamp})
		}
		return true, nil
	})
	return items, err
}

// Begin starts planning the feeds' months: it drops the documents a plan
// that failed part way left queued. keep is a build's during its Emit (nil
// otherwise): it confirms that an unchanged document's files are in place
// (diskout.Stream.Keep), so that it is not rendered at all.
func (p *Planner) Begin(keep func(path, etag string) bool) {
	p.docs.queue = p.docs.queue[:0]
	p.keep = keep
}

// End says a plan went over every feed it had to: a full pass, when one
// was due, is done.
func (p *Planner) End() {
	p.docs.full = false
	p.keep = nil
}

// Plan plans the archive documents of feed k, whose subscription document
// shows top with the fields info: it sets info's prev-archive and the months its page lists,
// queues the documents whose bytes change (those of the months Candidates
// chose, and those whose neighbours changed or whose files are not in
// place) and forgets the months that have no item left.
func (p *Planner) Plan(t *index.Tx, k layout.FeedKey, top []doc.Item, info *render.FeedInfo) error {
	fp := p.plans[k]
	if fp == nil {
		return fmt.Errorf("archive of %s: not planned", k.Path(layout.RSS))
	}
	delete(p.plans, k)
	held := p.docs.held[k]
	months := p.months(k, fp, held) // newest first
	if len(months) > 0 {
		info.Archive.Prev = months[0]
	}
	inTop := pathSet(top)
	for i, m := range months {
		links := render.ArchiveInfo{Doc: m}
		if i+1 < len(months) {
			links.Prev = months[i+1]
		}
		if i > 0 {
			links.Next = months[i-1]
		}
		old := held[m]
		items, replan := fp.months[m]
		if !replan && !fp.reread[m] && p.inPlace(k, old, links, *info) {
			continue // unchanged, in place
		}
		if items == nil {
			var err error
			if items, err = monthItems(t, k, m, inTop); err != nil {
				return err
			}
		}
		if err := doc.FillSums(t, items); err != nil {
			return err
		}
		j := newJob(k, m, links, *info, items)
		if old != nil && old.sig == j.sig && p.inPlace(k, old, links, *info) {
			// Unchanged, items included: the signature covers their paths.
			continue
		}
		p.docs.queue = append(p.docs.queue, j)
	}
	info.ArchiveMonths = months // the page lists them (render/archivepage.go)
	delete(p.dirty, k)
	return nil
}

// Drop forgets feed k's archive, its documents and what is being planned
// for it: the feed is gone.
func (p *Planner) Drop(k layout.FeedKey) {
	delete(p.plans, k)
	delete(p.dirty, k)
	p.docs.drop(k, layout.Month{})
}

// months lists the months of feed k's archive after plan fp, newest first,
// and drops the documents held of the months that have no item left.
func (p *Planner) months(k layout.FeedKey, fp *feedPlan, held map[layout.Month]*document) []layout.Month {
	set := map[layout.Month]bool{}
	if !fp.full {
		for m := range held {
			set[m] = true
		}
	}
	for m, items := range fp.months {
		set[m] = len(items) > 0
	}
	for m := range fp.reread {
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
			p.docs.drop(k, m)
		}
	}
	return months
}

// newJob is the document of feed k's month m with the given links and
// archived items (their sums filled), sharing the fields of the feed's
// subscription document fi.
func newJob(k layout.FeedKey, m layout.Month, links render.ArchiveInfo, fi render.FeedInfo, items []doc.Item) *job {
	info := fi
	info.Hubs = nil // a subscription is to the feed, not to one of its months
	info.Updated = render.Epoch
	for n, it := range items {
		if n == 0 || it.Header.Updated.After(info.Updated) {
			info.Updated = it.Header.Updated
		}
	}
	info.Archive = links
	return &job{key: k, month: m, paths: doc.Paths(items), info: info, sig: doc.Signature(info, items)}
}

// inPlace reports whether the held document old of feed k has the links it
// must have (its month included) and its files are in place: held, kept on
// disk by a build (keep), or made lazy from what the state knows of it. fi
// is the feed's subscription document.
func (p *Planner) inPlace(k layout.FeedKey, old *document, links render.ArchiveInfo, fi render.FeedInfo) bool {
	if old == nil || old.links != links {
		return false
	}
	return old.files[0] != nil ||
		doc.Kept(p.keep, old.etags, func(f layout.Format) string { return k.ArchivePath(links.Doc, f) }) ||
		(p.keep == nil && p.docs.lazyKnown(k, old, fi)) // a build (keep) writes files, not lazy ones
}
