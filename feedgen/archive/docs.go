package archive

import (
	"slices"
	"sort"
	"time"

	"feedgen/feedgen/doc"
	"feedgen/feedgen/internal/parallel"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Docs holds the archive documents of every feed, rendered or known from
// the state, and the ones the Planner queued: it renders them, records
// them in the state and hands their files to the output.
type Docs struct {
	env  Env
	lazy bool // the documents are lazy files (lazy.go)
	// rendered counts the documents rendered (all formats once), for tests
	// and benchmarks of what a start-up costs.
	rendered   int
	held       map[layout.FeedKey]map[layout.Month]*document // rendered or known from the state
	queue      []*job                                        // planned documents whose bytes change
	done, gone []ref                                         // rendered and dropped since the state last heard
	// full makes the next plan go over every month of every feed: the
	// documents held may not be what the articles give (a document could
	// not be rendered, or the state was rebuilt).
	full bool
}

// NewDocs returns an empty set of documents. With lazy (a daemon, whose
// memory must follow the feeds, not the archive) the documents are lazy
// files, rendered from the state when a request needs their bytes.
func NewDocs(env Env, lazy bool) *Docs {
	return &Docs{env: env, lazy: lazy, held: map[layout.FeedKey]map[layout.Month]*document{}}
}

// Rendered is how many documents were rendered (all formats once).
func (d *Docs) Rendered() int { return d.rendered }

// Render renders the queued archive documents, a few at a time in parallel
// (a busy month is megabytes), as the output does the feeds. With emit set,
// each file is handed over as soon as it is rendered and not kept. It
// returns how many documents it rendered.
func (d *Docs) Render(emit func(*snapshot.File)) int {
	jobs := d.queue
	d.queue = nil
	d.rendered += len(jobs)
	sort.Slice(jobs, func(i, k int) bool {
		if jobs[i].key != jobs[k].key {
			return jobs[i].key.Less(jobs[k].key)
		}
		return jobs[k].month.Before(jobs[i].month)
	})
	step := max(1, parallel.Width())
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
		parallel.Run(len(group), func(i int) { files[i], sizes[i], errs[i] = d.renderDoc(group[i], emit) })
		for i, j := range group {
			if errs[i] != nil {
				d.env.Log.Error("rendering an archive document", "path", j.key.ArchivePath(j.month, layout.RSS), "err", errs[i])
				// Its month left the plan's queue and is in its
				// neighbours' links already: the next plan goes over
				// every month again, so the chain is whole once more.
				d.full = true
				continue
			}
			o := &document{sig: j.sig, links: j.info.Archive, items: j.paths, files: files[i], updated: j.info.Updated, sizes: sizes[i]}
			for f, file := range files[i] {
				o.etags[f] = file.ETag
			}
			if emit != nil {
				o.files = [3]*snapshot.File{} // handed over already
			}
			d.hold(j.key, j.month, o)
			d.done = append(d.done, ref{j.key, j.month})
		}
	}
	return len(jobs)
}

// hold keeps o as feed k's document of month m.
func (d *Docs) hold(k layout.FeedKey, m layout.Month, o *document) {
	if d.held[k] == nil {
		d.held[k] = map[layout.Month]*document{}
	}
	d.held[k][m] = o
}

// drop forgets one archive document (m zero: all of feed k's).
func (d *Docs) drop(k layout.FeedKey, m layout.Month) {
	for mm := range d.held[k] {
		if m.IsZero() || mm == m {
			delete(d.held[k], mm)
			d.gone = append(d.gone, ref{k, mm})
		}
	}
	if len(d.held[k]) == 0 {
		delete(d.held, k)
	}
}

// renderDoc renders one archive document in the three formats. With emit
// set, each file is handed over as soon as it is rendered, and only its
// path and validator are returned.
func (d *Docs) renderDoc(j *job, emit func(*snapshot.File)) ([3]*snapshot.File, [3]int, error) {
	var files [3]*snapshot.File
	var sizes [3]int
	old := d.held[j.key][j.month]
	cc := cacheControl(j.info.Archive)
	err := d.env.Index.View(func(t *index.Tx) error {
		items, err := doc.Read(t, j.paths)
		if err != nil {
			return err
		}
		for _, f := range layout.Formats {
			body := items.Render(d.env.Config, f, j.info) // copies the parts out of the index
			var prev *snapshot.File
			if old != nil {
				prev = old.files[f]
			}
			// Last-Modified from the content, never going backwards
			// while this process holds the file (doc.NotBefore).
			var served time.Time
			if prev != nil {
				served = prev.ModTime
			}
			lm := doc.NotBefore(j.info.Updated, served)
			file := doc.Reuse(prev, j.key.ArchivePath(j.month, f), f.ContentType(), body, lm).WithCacheControl(cc)
			sizes[f] = len(body)
			if d.lazy && emit == nil {
				// Its bytes are rendered again when a request needs them,
				// from these items and info: a lazy file Reuse kept (same
				// bytes) may name items that have moved since.
				file = d.lazyFile(j.key.ArchivePath(j.month, f), f, file.ETag, len(body), file.ModTime, cc, j.info, j.paths)
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

// Shown adds the items of every archive document to set: the rendered
// items the state must keep.
func (d *Docs) Shown(set map[string]bool) {
	for _, ms := range d.held {
		for _, o := range ms {
			for _, p := range o.items {
				set[p] = true
			}
		}
	}
}

// Unrecorded reports whether documents were rendered or dropped since the
// state last heard of them.
func (d *Docs) Unrecorded() bool { return len(d.done) > 0 || len(d.gone) > 0 }

// Remember records the rendered archive documents in the state and forgets
// the ones that are gone; Recorded clears the list once t is committed.
func (d *Docs) Remember(t *index.Tx) error {
	for _, r := range d.done {
		o := d.held[r.key][r.month]
		if o == nil {
			continue
		}
		ad := &index.ArchiveDoc{Sig: o.sig, ETags: o.etags, Items: o.items, Prev: o.links.Prev, Next: o.links.Next, Updated: o.updated, Sizes: o.sizes}
		if err := t.PutArchive(r.key, r.month, ad); err != nil {
			return err
		}
	}
	for _, r := range d.gone {
		if d.held[r.key][r.month] != nil {
			continue // back since
		}
		if err := t.PutArchive(r.key, r.month, nil); err != nil {
			return err
		}
	}
	return nil
}

// Recorded clears what Remember recorded.
func (d *Docs) Recorded() { d.done, d.gone = d.done[:0], d.gone[:0] }

// Load takes the archive documents known from the state.
func (d *Docs) Load(t *index.Tx) error {
	return t.EachArchive(func(k layout.FeedKey, m layout.Month, ad index.ArchiveDoc) error {
		d.hold(k, m, &document{sig: ad.Sig, links: render.ArchiveInfo{Doc: m, Prev: ad.Prev, Next: ad.Next}, etags: ad.ETags, items: ad.Items, updated: ad.Updated, sizes: ad.Sizes})
		return nil
	})
}

// ForgetUnheld drops the documents known only from a state that is gone
// (damaged): they are planned again from the articles.
func (d *Docs) ForgetUnheld() {
	for k, ms := range d.held {
		for m, o := range ms {
			if o.files[0] == nil {
				delete(ms, m)
			}
		}
		if len(ms) == 0 {
			delete(d.held, k)
		}
	}
	d.done, d.gone = nil, nil
	d.full = true // the months the index saw change are lost with it
}

// EachFile calls fn with the slot of every held archive file.
func (d *Docs) EachFile(fn func(**snapshot.File)) {
	for _, ms := range d.held {
		for _, o := range ms {
			for i := range o.files {
				if o.files[i] != nil {
					fn(&o.files[i])
				}
			}
		}
	}
}

// Months lists the months of feed k's archive documents as held (after
// Render), oldest first: for the site index and its pages.
func (d *Docs) Months(k layout.FeedKey) []layout.Month {
	ms := make([]layout.Month, 0, len(d.held[k]))
	for m := range d.held[k] {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, layout.Month.Compare)
	return ms
}
