package feedgen

import (
	"errors"

	"feedgen/feedgen/internal/parallel"
	"feedgen/snapshot"
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
	return Result{Snapshot: g.assemble(), Rendered: rendered, Feeds: len(g.out.feeds)}
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
	// A build renders every feed and archive document at once: in bulk,
	// its commits do not each wait for the disk and the pages its reads
	// map stay within the index's budget instead of being dropped after
	// every document (index.Index.Bulk). Rendering goes on without it.
	if err := g.ix.Bulk(true); err != nil {
		g.log.Warn("state: cannot start a bulk write", "err", err)
	}
	rendered := g.renderAll(emit)
	if err := g.ix.Bulk(false); err != nil {
		g.log.Error("state: cannot finish a bulk write", "err", err)
	}
	emit(g.out.indexFile)
	emit(g.out.opmlFile)
	for _, f := range g.out.listFiles {
		emit(f)
	}
	g.assets.emitAll(emit)
	return Result{Rendered: rendered, Feeds: len(g.out.feeds)}
}

// renderAll plans and renders the dirty feeds, the index page and the OPML
// list. With emit set, each file goes to emit instead of being kept.
func (g *Generator) renderAll(emit func(*snapshot.File)) int {
	now := g.now()
	jobs, err := g.plan.plan()
	if errors.Is(err, errIndex) {
		if err := g.damaged(err); err != nil {
			g.log.Error("state: cannot be rebuilt", "err", err)
		}
		jobs, err = g.plan.plan()
	}
	if err != nil {
		g.log.Error("state: planning failed", "err", err)
	}
	rendered := g.out.render(jobs, emit)
	rendered += g.arch.Render(emit)
	g.out.remember(jobs)
	g.out.site()
	g.assets.flush()
	g.stats = snapshot.Stats{Articles: g.Articles(), Invalid: g.invalid(), Feeds: len(g.out.feeds), Updated: now}
	return rendered
}

// assemble makes a snapshot of the current files.
func (g *Generator) assemble() *snapshot.Snapshot {
	files := make([]*snapshot.File, 0, 4*len(g.out.feeds)+2)
	g.eachFile(func(p **snapshot.File) { files = append(files, *p) })
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
	return g.Compressed(CompactAll(todo, nil))
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
// Once stop is closed (nil never is), files not yet begun are left out of
// the map, so they stay uncompressed: a daemon asked to stop does not wait
// for a whole pass, which at start-up takes seconds.
func CompactAll(files []*snapshot.File, stop <-chan struct{}) map[*snapshot.File]*snapshot.File {
	out := make([]*snapshot.File, len(files))
	parallel.Run(len(files), func(i int) {
		select {
		case <-stop:
			return
		default:
		}
		out[i] = files[i].Compact()
	})
	m := make(map[*snapshot.File]*snapshot.File, len(files))
	for i, f := range files {
		if out[i] != nil {
			m[f] = out[i]
		}
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
	g.out.eachFile(fn)
	g.arch.EachFile(fn)
	g.assets.eachFile(fn)
}
