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

// The archiver's documents after planning: rendering them, recording them
// in the state and handing their files to the output.

// render renders the planned archive documents, a few at a time in
// parallel (a busy month is megabytes), as the output does the feeds.
func (a *archiver) render(emit func(*snapshot.File)) int {
	jobs := a.jobs
	a.jobs = nil
	a.rendered += len(jobs)
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
		parallel(len(group), func(i int) { files[i], sizes[i], errs[i] = a.renderDoc(group[i], emit) })
		for i, j := range group {
			if errs[i] != nil {
				a.log.Error("rendering an archive document", "path", j.key.ArchivePath(j.month, layout.RSS), "err", errs[i])
				// Its month left the plan's queue and is in its
				// neighbours' links already: the next plan goes over
				// every month again, so the chain is whole once more.
				a.full = true
				continue
			}
			o := &archOut{sig: j.sig, links: j.info.Archive, items: j.paths, files: files[i], updated: j.info.Updated, sizes: sizes[i]}
			for f, file := range files[i] {
				o.etags[f] = file.ETag
			}
			if emit != nil {
				o.files = [3]*snapshot.File{} // handed over already
			}
			a.hold(j.key, j.month, o)
			a.done = append(a.done, archRef{j.key, j.month})
		}
	}
	return len(jobs)
}

// hold keeps o as feed k's document of month m.
func (a *archiver) hold(k layout.FeedKey, m layout.Month, o *archOut) {
	if a.docs[k] == nil {
		a.docs[k] = map[layout.Month]*archOut{}
	}
	a.docs[k][m] = o
}

// archCacheControl is the Cache-Control of the archive document with the
// given links. Only the newest document changes as items roll into it; the
// others change with an edit in their month alone.
func archCacheControl(links render.ArchiveInfo) string {
	if links.Next.IsZero() {
		return ""
	}
	return layout.ArchiveCacheControl
}

// renderDoc renders one archive document in the three formats. With emit
// set, each file is handed over as soon as it is rendered, and only its
// path and validator are returned.
func (a *archiver) renderDoc(j *archJob, emit func(*snapshot.File)) ([3]*snapshot.File, [3]int, error) {
	var files [3]*snapshot.File
	var sizes [3]int
	old := a.docs[j.key][j.month]
	cc := archCacheControl(j.info.Archive)
	err := a.ix.View(func(t *index.Tx) error {
		items, err := readItems(t, j.paths)
		if err != nil {
			return err
		}
		for _, f := range layout.Formats {
			body := items.render(&a.cfg, f, j.info) // copies the parts out of the index
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
			file := reuse(prev, j.key.ArchivePath(j.month, f), f.ContentType(), body, lm).WithCacheControl(cc)
			sizes[f] = len(body)
			if a.lazy && emit == nil {
				// Its bytes are rendered again when a request needs them,
				// from these items and info: a lazy file reuse kept (same
				// bytes) may name items that have moved since.
				file = a.lazyFile(j.key.ArchivePath(j.month, f), f, file.ETag, len(body), file.ModTime, cc, j.info, j.paths)
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

// shown adds the items of every archive document to set.
func (a *archiver) shown(set map[string]bool) {
	for _, ms := range a.docs {
		for _, o := range ms {
			for _, p := range o.items {
				set[p] = true
			}
		}
	}
}

// unrecorded reports whether documents were rendered or dropped since the
// state last heard of them.
func (a *archiver) unrecorded() bool { return len(a.done) > 0 || len(a.gone) > 0 }

// remember records the rendered archive documents in the state and forgets
// the ones that are gone; recorded clears the list once t is committed.
func (a *archiver) remember(t *index.Tx) error {
	for _, r := range a.done {
		o := a.docs[r.key][r.month]
		if o == nil {
			continue
		}
		d := &index.ArchiveDoc{Sig: o.sig, ETags: o.etags, Items: o.items, Prev: o.links.Prev, Next: o.links.Next, Updated: o.updated, Sizes: o.sizes}
		if err := t.PutArchive(r.key, r.month, d); err != nil {
			return err
		}
	}
	for _, r := range a.gone {
		if a.docs[r.key][r.month] != nil {
			continue // back since
		}
		if err := t.PutArchive(r.key, r.month, nil); err != nil {
			return err
		}
	}
	return nil
}

// recorded clears what remember recorded.
func (a *archiver) recorded() { a.done, a.gone = a.done[:0], a.gone[:0] }

// load takes the archive documents known from the state.
func (a *archiver) load(t *index.Tx) error {
	return t.EachArchive(func(k layout.FeedKey, m layout.Month, d index.ArchiveDoc) error {
		a.hold(k, m, &archOut{sig: d.Sig, links: render.ArchiveInfo{Doc: m, Prev: d.Prev, Next: d.Next}, etags: d.ETags, items: d.Items, updated: d.Updated, sizes: d.Sizes})
		return nil
	})
}

// forgetUnheld drops the documents known only from a state that is gone
// (damaged): they are planned again from the articles.
func (a *archiver) forgetUnheld() {
	for k, ms := range a.docs {
		for m, o := range ms {
			if o.files[0] == nil {
				delete(ms, m)
			}
		}
		if len(ms) == 0 {
			delete(a.docs, k)
		}
	}
	a.done, a.gone = nil, nil
	a.full = true // the months the index saw change are lost with it
}

// eachFile calls fn with the slot of every held archive file.
func (a *archiver) eachFile(fn func(**snapshot.File)) {
	for _, ms := range a.docs {
		for _, o := range ms {
			for i := range o.files {
				if o.files[i] != nil {
					fn(&o.files[i])
				}
			}
		}
	}
}

// monthsOf lists the months of feed k's archive documents as held (after
// render), oldest first: for the site index and its pages.
func (a *archiver) monthsOf(k layout.FeedKey) []layout.Month {
	ms := make([]layout.Month, 0, len(a.docs[k]))
	for m := range a.docs[k] {
		ms = append(ms, m)
	}
	slices.SortFunc(ms, layout.Month.Compare)
	return ms
}

// spanText is what the index page says of feed k's archive: the months it
// spans and how many archive documents it has, or "".
func spanText(months []layout.Month) string {
	switch n := len(months); n {
	case 0:
		return ""
	case 1:
		return "archive: " + months[0].String()
	default:
		return fmt.Sprintf("archive: %s – %s, %d months", months[0], months[n-1], n)
	}
}
