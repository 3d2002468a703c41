package feedgen

import (
	"errors"
	"html/template"
	"slices"
	"sort"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// Result describes what one Snapshot call did.
type Result struct {
	Snapshot *snapshot.Snapshot
	Rendered int // feeds rendered again (each in three formats)
	Feeds    int // feeds in the snapshot
}

// Snapshot renders the feeds whose items changed since the last call and
// returns the complete set of files. Files whose bytes did not change are
// the same *snapshot.File values as before.
func (g *Generator) Snapshot() Result {
	rendered := g.renderAll(nil)
	return Result{Snapshot: g.assemble(), Rendered: rendered, Feeds: len(g.out)}
}

// Emit renders every feed whose items changed and hands each file to emit
// as soon as it is rendered, keeping none of them: a build writes a million
// articles' feeds with the memory of a few. After Emit the Generator only
// serves further Emit calls (not Snapshot). emit keeps its own errors (a
// disk writer reports them when it finishes): one file that cannot be
// written must not stop the others.
//
// keep, when not nil, is asked whether an unchanged feed's file is already
// where it belongs (diskout.Stream.Keep); a feed whose three files are is
// neither rendered nor emitted.
func (g *Generator) Emit(emit func(*snapshot.File), keep func(path, etag string) bool) Result {
	g.keep = keep
	defer func() { g.keep = nil }()
	rendered := g.renderAll(emit)
	emit(g.indexFile)
	emit(g.opmlFile)
	return Result{Rendered: rendered, Feeds: len(g.out)}
}

// renderAll plans and renders the dirty feeds, the index page and the OPML
// list. With emit set, each file goes to emit instead of being kept.
func (g *Generator) renderAll(emit func(*snapshot.File)) int {
	now := g.now()
	jobs, err := g.plan()
	if err != nil && errors.Is(err, errIndex) {
		if err := g.damaged(err); err != nil {
			g.log.Error("state: cannot be rebuilt", "err", err)
		}
		jobs, err = g.plan()
	}
	if err != nil {
		g.log.Error("state: planning failed", "err", err)
	}
	rendered := g.render(jobs, emit)
	rendered += g.renderArchives(emit)
	g.remember(jobs)
	infos := make([]render.IndexEntry, 0, len(g.out))
	for _, k := range g.feedKeysSorted() {
		o := g.out[k]
		e := render.IndexEntry{FeedInfo: o.info, Items: len(o.items), Archive: g.archiveSpanText(k)}
		e.ArchiveMonths = g.archiveMonths(k) // as held, also when the feed was not rendered now
		infos = append(infos, e)
	}
	all, err := g.globalItems()
	if err != nil {
		g.log.Error("rendering the site index", "err", err)
	}
	siteLM := g.siteLastModified()
	g.indexFile = g.reuse(g.indexFile, layout.IndexPath, layout.TypeHTML, render.Index(&g.cfg, infos, g.indexParts, all.count, all.html), siteLM)
	g.opmlFile = g.reuse(g.opmlFile, layout.OPMLPath, layout.TypeOPML, render.OPML(&g.cfg, infos), siteLM)
	g.stats = snapshot.Stats{Articles: g.Articles(), Invalid: g.invalid(), Feeds: len(g.out), Updated: now}
	return rendered
}

// feedKeysSorted lists the rendered feeds in index order.
func (g *Generator) feedKeysSorted() []layout.FeedKey {
	keys := make([]layout.FeedKey, 0, len(g.out))
	for k := range g.out {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	return keys
}

// assemble makes a snapshot of the current files.
func (g *Generator) assemble() *snapshot.Snapshot {
	files := make([]*snapshot.File, 0, 4*len(g.out)+2)
	for _, o := range g.out {
		files = append(files, o.files[:]...)
		if o.page != nil {
			files = append(files, o.page)
		}
	}
	files = append(files, g.indexFile, g.opmlFile)
	files = g.archiveFiles(files)
	return snapshot.New(files, g.stats)
}

// Compress computes the compressed forms of every file that lacks them,
// drops the identity bytes (snapshot.File.Compact: the rare client that
// takes no compressed form is served from a bounded cache of decompressed
// files), and returns the snapshot with them, or nil when there was nothing
// to do. The daemon publishes a change uncompressed first and compresses
// right after: a reader sees the change sooner, and meanwhile a client just
// gets the identity encoding. It is Uncompressed, CompactAll and Compressed
// in one go; the daemon calls them apart so that only the first and the
// last hold the generator.
func (g *Generator) Compress() *snapshot.Snapshot {
	todo := g.Uncompressed()
	if len(todo) == 0 {
		return nil
	}
	return g.Compressed(CompactAll(todo))
}

// Uncompressed lists the current files that have no compressed forms yet.
func (g *Generator) Uncompressed() []*snapshot.File {
	var todo []*snapshot.File
	g.eachFile(func(p **snapshot.File) {
		if !(*p).Compressed {
			todo = append(todo, *p)
		}
	})
	return todo
}

// CompactAll compacts files in parallel and maps each to its compact form.
// It touches no generator state (a File is immutable), so it may run while
// the generator regenerates: compressing gzip and Brotli forms of a large
// archive takes seconds, which a change must not wait for.
func CompactAll(files []*snapshot.File) map[*snapshot.File]*snapshot.File {
	out := make([]*snapshot.File, len(files))
	parallel(len(files), func(i int) { out[i] = files[i].Compact() })
	m := make(map[*snapshot.File]*snapshot.File, len(files))
	for i, f := range files {
		m[f] = out[i]
	}
	return m
}

// Compressed puts the compact forms made by CompactAll in place of the
// files they were made from, where those are still current, and returns the
// snapshot, or nil when none of them was. A file replaced meanwhile by a
// regeneration keeps its newer, uncompressed version, which the next round
// compresses.
func (g *Generator) Compressed(done map[*snapshot.File]*snapshot.File) *snapshot.Snapshot {
	n := 0
	g.eachFile(func(p **snapshot.File) {
		if c, ok := done[*p]; ok {
			*p = c
			n++
		}
	})
	if n == 0 {
		return nil
	}
	return g.assemble()
}

// eachFile calls fn with the slot of every current file.
func (g *Generator) eachFile(fn func(**snapshot.File)) {
	for _, o := range g.out {
		for i := range o.files {
			if o.files[i] != nil {
				fn(&o.files[i])
			}
		}
		if o.page != nil {
			fn(&o.page)
		}
	}
	for _, f := range []**snapshot.File{&g.indexFile, &g.opmlFile} {
		if *f != nil {
			fn(f)
		}
	}
	g.eachArchiveFile(fn)
}

// render renders the planned feeds, in parallel (assembling and hashing are
// the expensive part), from the fragments the index keeps. With emit set,
// the files of each group of feeds are handed over in feed order and
// dropped.
func (g *Generator) render(jobs []*renderJob, emit func(*snapshot.File)) int {
	step := len(jobs)
	if emit != nil {
		step = 2 * max(1, parallelism())
	}
	for start := 0; start < len(jobs); start += step {
		group := jobs[start:min(len(jobs), start+step)]
		files := make([][3]*snapshot.File, len(group))
		pages := make([]jobPage, len(group))
		errs := make([]error, len(group))
		parallel(len(group), func(i int) {
			files[i], pages[i], errs[i] = g.renderJob(group[i])
		})
		for i, j := range group {
			if errs[i] != nil {
				g.log.Error("rendering a feed", "feed", j.key.Path(layout.RSS), "err", errs[i])
				continue
			}
			paths := make([]string, len(j.items))
			for n, it := range j.items {
				paths[n] = it.path
			}
			o := &feedOut{sig: j.sig, info: j.info, items: paths, files: files[i], page: pages[i].file, lastMod: files[i][0].ModTime}
			for f, file := range files[i] {
				o.etags[f] = file.ETag
			}
			if o.page != nil {
				o.pageETag = o.page.ETag
			}
			if j.key.Kind == layout.KindAll {
				g.all = allItems{sig: j.sig, count: len(paths), html: pages[i].items}
			}
			if emit != nil {
				for _, f := range files[i] {
					emit(f)
				}
				if o.page != nil {
					emit(o.page)
				}
				o.files, o.page = [3]*snapshot.File{}, nil
			}
			g.out[j.key] = o
		}
	}
	return len(jobs)
}

// jobPage is what renderJob made of a feed's page: the page, or for the
// global feed the item list of the site index.
type jobPage struct {
	file  *snapshot.File
	items template.HTML
}

// renderJob renders one feed in the three formats, and its page.
func (g *Generator) renderJob(j *renderJob) ([3]*snapshot.File, jobPage, error) {
	var files [3]*snapshot.File
	var page jobPage
	old := g.out[j.key]
	lm := feedLastModified(old, j.info.Updated)
	paths := make([]string, len(j.items))
	for i, it := range j.items {
		paths[i] = it.path
	}
	err := g.ix.View(func(t *index.Tx) error {
		items, err := t.Items(paths)
		if err != nil {
			return err
		}
		for _, f := range layout.Formats {
			body := render.Feed(&g.cfg, f, j.info, items.Part(int(f))) // copies the parts out of the index
			var prev *snapshot.File
			if old != nil {
				prev = old.files[f]
			}
			files[f] = g.reuse(prev, j.key.Path(f), f.ContentType(), body, lm)
		}
		page.file, page.items, err = g.pageOf(j.key, j.info, slices.Collect(items.Part(int(layout.JSON)).All()), old, lm)
		return err
	})
	return files, page, err
}

// remember records in the state what the rendered feeds show and forgets
// the feeds that are gone, so that a later build knows them without
// rendering them; and it drops the rendered items no feed shows any more,
// so that what the index keeps follows what is published, not the size of
// the archive. One transaction: each costs a synced commit.
func (g *Generator) remember(jobs []*renderJob) {
	shownBy := map[string]bool{}
	for _, o := range g.out {
		for _, p := range o.items {
			shownBy[p] = true
		}
	}
	g.archiveShown(shownBy)
	var unshown []string
	for p := range g.frags {
		if !shownBy[p] {
			unshown = append(unshown, p)
		}
	}
	if len(jobs) == 0 && len(g.gone) == 0 && len(unshown) == 0 && len(g.archDone) == 0 && len(g.archGone) == 0 {
		return
	}
	_, err := g.ix.Update(func(t *index.Tx) error {
		for _, j := range jobs {
			o := g.out[j.key]
			if o == nil {
				continue
			}
			s := &index.Shown{Sig: o.sig, ETags: o.etags, PageETag: o.pageETag, Title: o.info.Title, Description: o.info.Description,
				Link: o.info.Link, Updated: o.info.Updated, Items: o.items, LastModified: o.lastMod}
			if err := t.PutShown(j.key, s); err != nil {
				return err
			}
		}
		for _, k := range g.gone {
			if err := t.PutShown(k, nil); err != nil {
				return err
			}
		}
		for _, p := range unshown {
			if err := t.DeleteFrag(p); err != nil {
				return err
			}
		}
		return g.rememberArchives(t)
	})
	if err != nil {
		g.log.Warn("state: cannot record the rendered feeds", "err", err)
		return
	}
	g.gone = g.gone[:0]
	g.archiveRemembered()
	for _, p := range unshown {
		delete(g.frags, p)
	}
}

// reuse returns old when it holds exactly body, so that an unchanged file
// keeps its identity, modification time and compressed form. lm is the
// Last-Modified time of a new file (lastmod.go).
func (g *Generator) reuse(old *snapshot.File, p, ct string, body []byte, lm time.Time) *snapshot.File {
	f := snapshot.NewPlainFile(p, ct, body, lm) // compressed later, by Compress
	if old != nil && old.ETag == f.ETag && old.Path == p && old.ContentType == ct {
		return old
	}
	return f
}

// CheckAll reads and parses the body of every article that no feed has
// needed yet, and files those that turn out to be bad input. Indexing reads
// only heads and tails; this is for a build that must report every bad
// file. It returns the number of articles found bad.
func (g *Generator) CheckAll() int {
	bad, after := 0, ""
	for {
		var todo []string
		err := g.ix.View(func(t *index.Tx) error {
			return t.Walk("", after, func(p string, e index.Entry) (bool, error) {
				after = p
				if e.Header != nil && !g.frags[p] {
					todo = append(todo, p)
				}
				return len(todo) < scanChunk, nil
			})
		})
		if err != nil || len(todo) == 0 {
			return bad
		}
		errs := make([]error, len(todo))
		stamps := make([]source.Stamp, len(todo))
		parallel(len(todo), func(i int) {
			data, st, err := g.rd.ReadWhole(todo[i])
			if err == nil {
				_, err = article.Parse(todo[i], data, g.rd.Options())
			}
			errs[i], stamps[i] = err, st
		})
		_ = g.update(func(t *index.Tx) error {
			for i, err := range errs {
				if err != nil && !errors.Is(err, article.ErrNotPublished) {
					if _, _, err := g.apply(t, article.HeaderRead{Rel: todo[i], Stamp: stamps[i], Err: err}, false); err != nil {
						return err
					}
					bad++
				}
			}
			return nil
		})
	}
}
