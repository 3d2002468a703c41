package feedgen

import (
	"fmt"
	"slices"
	"sort"
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

// archiving reports whether feeds have archives at all: with no limit the
// subscription document shows everything.
func (g *Generator) archiving() bool { return g.cfg.Archive && g.cfg.Limit > 0 }

// archPlan is what the dirty loop of plan found for a feed's archive: the
// months to plan again with their archived items (newest first; none for
// a month left empty), and whether that is every month of the feed. A full
// pass records only which months have items (reread): their items are read
// again, a month at a time, by planArchive. Keeping them from the pass would
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
func (g *Generator) takeMonths() {
	months := g.ix.TakeMonths()
	if !g.archiving() {
		return
	}
	for fm := range months {
		if g.dirtyMonths[fm.Feed] == nil {
			g.dirtyMonths[fm.Feed] = map[layout.Month]bool{}
		}
		g.dirtyMonths[fm.Feed][fm.Month] = true
	}
}

// archiveCandidates decides which archive months of feed k must be planned
// again, now that its subscription document shows top, and returns their
// archived items so that plan makes sure their rendered items are current.
// The months are those the index saw change, and those of the items that
// entered or left the subscription document; every month when nothing is
// known of the feed's archive or the feed's own fields changed (a full pass
// over the feed: a first build, a new feed). So a change costs its months,
// not the archive.
func (g *Generator) archiveCandidates(t *index.Tx, k layout.FeedKey, top []shown) ([]shown, error) {
	inTop := make(map[string]bool, len(top))
	for _, it := range top {
		inTop[it.path] = true
	}
	p := &archPlan{months: map[layout.Month][]shown{}}
	g.archPlans[k] = p
	old := g.out[k]
	if len(top) < g.cfg.Limit {
		p.full = true // no archive: every month of it is gone
		return nil, nil
	}
	if g.archFull || old == nil || (g.arch[k] == nil && t.Members(k) > len(top)) || !sameFeedFields(old.info, g.feedInfo(k, top)) {
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
	for m := range g.dirtyMonths[k] {
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
		items, err := g.monthItems(t, k, m, inTop)
		if err != nil {
			return nil, err
		}
		p.months[m] = items
		more = append(more, items...)
	}
	return more, nil
}

// sameFeedFields reports whether two renderings of a feed share the fields
// its archive documents copy.
func sameFeedFields(a, b render.FeedInfo) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Link == b.Link
}

// monthItems lists the archived items of feed k in month m: its members of
// that month that the subscription document (inTop) does not show.
func (g *Generator) monthItems(t *index.Tx, k layout.FeedKey, m layout.Month, inTop map[string]bool) ([]shown, error) {
	var items []shown
	err := t.MonthMembers(k, m, func(path string, e index.Entry) (bool, error) {
		if !inTop[path] {
			items = append(items, shown{path: path, hdr: e.Header, stamp: e.Stamp})
		}
		return true, nil
	})
	return items, err
}

// planArchive plans the archive documents of the feed of job j, sets the
// subscription document's prev-archive, queues the documents whose bytes
// change (those of the months archiveCandidates chose, and those whose
// neighbours changed or whose files are not in place) and forgets the
// months that have no item left.
func (g *Generator) planArchive(t *index.Tx, j *renderJob) error {
	k := j.key
	p := g.archPlans[k]
	if p == nil {
		return fmt.Errorf("archive of %s: not planned", k.Path(layout.RSS))
	}
	delete(g.archPlans, k)
	held := g.arch[k]
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
	var months []layout.Month // newest first
	for m, ok := range set {
		if ok {
			months = append(months, m)
		}
	}
	slices.SortFunc(months, func(a, b layout.Month) int {
		if b.Before(a) {
			return -1
		}
		if a.Before(b) {
			return 1
		}
		return 0
	})
	for m := range held {
		if !set[m] {
			g.dropArchive(k, m)
		}
	}
	if len(months) > 0 {
		j.info.Archive.Prev = months[0]
	}
	inTop := make(map[string]bool, len(j.items))
	for _, it := range j.items {
		inTop[it.path] = true
	}
	for i, m := range months {
		a := render.ArchiveInfo{Doc: m}
		if i+1 < len(months) {
			a.Prev = months[i+1]
		}
		if i > 0 {
			a.Next = months[i-1]
		}
		old := held[m]
		items, replan := p.months[m]
		if !replan && !p.reread[m] {
			if old != nil && old.links == a && (old.files[0] != nil || g.keptArchive(k, m, old) || g.lazyKnown(k, old, j.info)) {
				continue // unchanged, in place
			}
		}
		if items == nil {
			var err error
			if items, err = g.monthItems(t, k, m, inTop); err != nil {
				return err
			}
		}
		if err := fillSums(t, items); err != nil {
			return err
		}
		info := j.info
		info.Hubs = nil // a subscription is to the feed, not to one of its months
		info.Updated = render.Epoch
		for n, it := range items {
			if n == 0 || it.hdr.Updated.After(info.Updated) {
				info.Updated = it.hdr.Updated
			}
		}
		info.Archive = a
		paths := make([]string, len(items))
		for n, it := range items {
			paths[n] = it.path
		}
		aj := &archJob{key: k, month: m, paths: paths, info: info, sig: feedSignature(info, items)}
		if old != nil && old.sig == aj.sig && old.links == a && (old.files[0] != nil || g.keptArchive(k, m, old) || g.lazyKnown(k, old, j.info)) {
			// Unchanged, items included: the signature covers their paths.
			continue
		}
		g.archJobs = append(g.archJobs, aj)
	}
	j.info.ArchiveMonths = months // the page lists them (archivepage.go)
	delete(g.dirtyMonths, k)
	return nil
}

// dropArchive forgets one archive document (m zero: all of feed k's, and
// what is being planned for it: the feed is gone).
func (g *Generator) dropArchive(k layout.FeedKey, m layout.Month) {
	if m.IsZero() {
		delete(g.archPlans, k)
		delete(g.dirtyMonths, k)
	}
	for mm := range g.arch[k] {
		if m.IsZero() || mm == m {
			delete(g.arch[k], mm)
			g.archGone = append(g.archGone, archRef{k, mm})
		}
	}
	if len(g.arch[k]) == 0 {
		delete(g.arch, k)
	}
}

// keptArchive is kept for an archive document.
func (g *Generator) keptArchive(k layout.FeedKey, m layout.Month, o *archOut) bool {
	if g.keep == nil {
		return false
	}
	for _, f := range layout.Formats {
		if !g.keep(k.ArchivePath(m, f), o.etags[f]) {
			return false
		}
	}
	return true
}

// renderArchives renders the planned archive documents, a few at a time in
// parallel (a busy month is megabytes), like render does the feeds.
func (g *Generator) renderArchives(emit func(*snapshot.File)) int {
	jobs := g.archJobs
	g.archJobs = nil
	g.archRendered += len(jobs)
	sort.Slice(jobs, func(i, k int) bool {
		if jobs[i].key != jobs[k].key {
			return jobs[i].key.Less(jobs[k].key)
		}
		return jobs[k].month.Before(jobs[i].month)
	})
	step := max(1, parallelism())
	if emit != nil {
		// A busy month is tens of megabytes per format: a build writes
		// one file at a time and keeps none.
		step = 1
	}
	for start := 0; start < len(jobs); start += step {
		group := jobs[start:min(len(jobs), start+step)]
		files := make([][3]*snapshot.File, len(group))
		sizes := make([][3]int, len(group))
		errs := make([]error, len(group))
		parallel(len(group), func(i int) { files[i], sizes[i], errs[i] = g.renderArchJob(group[i], emit) })
		for i, j := range group {
			if errs[i] != nil {
				g.log.Error("rendering an archive document", "path", j.key.ArchivePath(j.month, layout.RSS), "err", errs[i])
				// Its month left the plan's queue and is in its
				// neighbours' links already: the next plan goes over
				// every month again, so the chain is whole once more.
				g.archFull = true
				continue
			}
			o := &archOut{sig: j.sig, links: j.info.Archive, items: j.paths, files: files[i], updated: j.info.Updated, sizes: sizes[i]}
			for f, file := range files[i] {
				o.etags[f] = file.ETag
			}
			if emit != nil {
				o.files = [3]*snapshot.File{} // handed over already
			}
			if g.arch[j.key] == nil {
				g.arch[j.key] = map[layout.Month]*archOut{}
			}
			g.arch[j.key][j.month] = o
			g.archDone = append(g.archDone, archRef{j.key, j.month})
		}
	}
	return len(jobs)
}

// renderArchJob renders one archive document in the three formats. With
// emit set, each file is handed over as soon as it is rendered, and only
// its path and validator are returned.
func (g *Generator) renderArchJob(j *archJob, emit func(*snapshot.File)) ([3]*snapshot.File, [3]int, error) {
	var files [3]*snapshot.File
	var sizes [3]int
	var old *archOut
	if o := g.arch[j.key]; o != nil {
		old = o[j.month]
	}
	// Only the newest document changes as items roll into it; the others
	// change with an edit in their month alone.
	cc := layout.ArchiveCacheControl
	if j.info.Archive.Next.IsZero() {
		cc = ""
	}
	// The fragments are read in place from the mapped index, and handed
	// out one at a time (index.Items): the index lets go of the pages the
	// lookups and each format's copy map as they go (at 100k a month of the
	// global feed mapped 360 MB otherwise).
	err := g.ix.View(func(t *index.Tx) error {
		items, err := t.Items(j.paths)
		if err != nil {
			return err
		}
		for _, f := range layout.Formats {
			body := render.Feed(&g.cfg, f, j.info, items.Part(int(f)))
			var prev *snapshot.File
			if old != nil {
				prev = old.files[f]
			}
			// Last-Modified from the content, never going backwards
			// while this process holds the file (see lastmod.go).
			lm := j.info.Updated.UTC().Truncate(time.Second)
			if prev != nil && prev.ModTime.After(lm) {
				lm = prev.ModTime
			}
			file := g.reuse(prev, j.key.ArchivePath(j.month, f), f.ContentType(), body, lm).WithCacheControl(cc)
			sizes[f] = len(body)
			if g.lazy && emit == nil {
				// Its bytes are rendered again when a request needs them,
				// from these items and info: a lazy file reuse kept (same
				// bytes) may name items that have moved since.
				file = g.lazyArchiveFile(j.key.ArchivePath(j.month, f), f, file.ETag, len(body), file.ModTime, cc, j.info, j.paths)
			}
			files[f] = file
			if emit != nil {
				emit(file)
				files[f] = &snapshot.File{Path: file.Path, ETag: file.ETag}
			}
		}
		return nil
	})
	return files, sizes, err
}

// archiveShown adds the items of every archive document to shown.
func (g *Generator) archiveShown(shown map[string]bool) {
	for _, ms := range g.arch {
		for _, o := range ms {
			for _, p := range o.items {
				shown[p] = true
			}
		}
	}
}

// rememberArchives records the rendered archive documents in the state and
// forgets the ones that are gone.
func (g *Generator) rememberArchives(t *index.Tx) error {
	for _, r := range g.archDone {
		o := g.arch[r.key][r.month]
		if o == nil {
			continue
		}
		d := &index.ArchiveDoc{Sig: o.sig, ETags: o.etags, Items: o.items, Prev: o.links.Prev, Next: o.links.Next, Updated: o.updated, Sizes: o.sizes}
		if err := t.PutArchive(r.key, r.month, d); err != nil {
			return err
		}
	}
	for _, r := range g.archGone {
		if g.arch[r.key][r.month] != nil {
			continue // back since
		}
		if err := t.PutArchive(r.key, r.month, nil); err != nil {
			return err
		}
	}
	return nil
}

// archiveRemembered clears what rememberArchives recorded.
func (g *Generator) archiveRemembered() {
	g.archDone, g.archGone = g.archDone[:0], g.archGone[:0]
}

// loadArchives takes the archive documents known from the state.
func (g *Generator) loadArchives(t *index.Tx) error {
	return t.EachArchive(func(k layout.FeedKey, m layout.Month, d index.ArchiveDoc) error {
		if g.arch[k] == nil {
			g.arch[k] = map[layout.Month]*archOut{}
		}
		g.arch[k][m] = &archOut{sig: d.Sig, links: render.ArchiveInfo{Doc: m, Prev: d.Prev, Next: d.Next}, etags: d.ETags, items: d.Items, updated: d.Updated, sizes: d.Sizes}
		return nil
	})
}

// forgetUnheldArchives drops the documents known only from a state that is
// gone (damaged): they are planned again from the articles.
func (g *Generator) forgetUnheldArchives() {
	for k, ms := range g.arch {
		for m, o := range ms {
			if o.files[0] == nil {
				delete(ms, m)
			}
		}
		if len(ms) == 0 {
			delete(g.arch, k)
		}
	}
	g.archDone, g.archGone = nil, nil
	g.archFull = true // the months the index saw change are lost with it
}

// archiveFiles lists the held files of every archive document.
func (g *Generator) archiveFiles(files []*snapshot.File) []*snapshot.File {
	for _, ms := range g.arch {
		for _, o := range ms {
			if o.files[0] != nil {
				files = append(files, o.files[:]...)
			}
		}
	}
	return files
}

// eachArchiveFile calls fn with the slot of every held archive file.
func (g *Generator) eachArchiveFile(fn func(**snapshot.File)) {
	for _, ms := range g.arch {
		for _, o := range ms {
			for i := range o.files {
				if o.files[i] != nil {
					fn(&o.files[i])
				}
			}
		}
	}
}

// ArchiveSpan is the first and last month of feed k's archive and the
// number of its documents; zero months when it has none.
func (g *Generator) ArchiveSpan(k layout.FeedKey) (first, last layout.Month, n int) {
	ms := make([]layout.Month, 0, len(g.arch[k]))
	for m := range g.arch[k] {
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return
	}
	slices.SortFunc(ms, func(a, b layout.Month) int {
		if a.Before(b) {
			return -1
		}
		if b.Before(a) {
			return 1
		}
		return 0
	})
	return ms[0], ms[len(ms)-1], len(ms)
}

// archiveSpanText is what the index page says of feed k's archive: the
// months it spans and how many archive documents it has, or "".
func (g *Generator) archiveSpanText(k layout.FeedKey) string {
	first, last, n := g.ArchiveSpan(k)
	switch {
	case n == 0:
		return ""
	case n == 1:
		return "archive: " + first.String()
	}
	return fmt.Sprintf("archive: %s – %s, %d months", first, last, n)
}
