package feedgen

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// Problem is one file that could not be published, and why.
type Problem struct {
	Path   string // as the user names it: the source directory joined with the file
	Reason string
}

func (p Problem) String() string { return p.Path + ": " + p.Reason }

// Generator holds the parsed state of a source directory and turns it into
// snapshots. Build and serve share it: build calls Scan and Snapshot once,
// the daemon calls Update with each batch of changed paths and Snapshot
// after it. A Generator is not safe for concurrent use; the snapshots it
// returns are.
type Generator struct {
	cfg  Config
	root string // as given, for messages
	abs  string // absolute, for path arithmetic
	popt ParseOptions
	now  func() time.Time

	files   map[string]*fileState  // by slash path relative to root
	byID    map[string][]string    // article id → paths that claim it, sorted
	members map[FeedKey]*feedIndex // feed → its articles, newest first
	dirty   map[FeedKey]bool       // feeds whose items may have changed

	loaded map[string]bool   // paths whose complete article is in memory
	strs   map[string]string // interned names

	realOnce sync.Once
	real     string // root with symbolic links resolved
	seed     maphash.Seed

	out        map[FeedKey]*feedOut
	stats      snapshot.Stats
	errs       map[string]bool     // files with an error
	indexParts indexCache          // the index page's rendered rows
	dups       map[string][]string // ids claimed by more than one file
	links      map[string]bool     // article files that are symbolic links
	indexFile  *snapshot.File
	opmlFile   *snapshot.File
}

// fileState is what the generator knows of one file.
type fileState struct {
	stamp stamp    // of the file when last read: a rescan skips unchanged files
	sum   uint64   // hash of the bytes the header was parsed from
	hdr   *Article // header fields only; nil when err is set or not published
	// full is the complete article (cleaned body), read only while a feed
	// shows it; fullSum is the hash of the bytes it was parsed from.
	full    *Article
	fullSum uint64
	frags   [3][]byte // the article's item in each format, rendered with full
	err     error
}

// feedOut is a rendered feed.
type feedOut struct {
	sig   [32]byte // of everything the feed's bytes depend on
	info  FeedInfo
	items []string // paths of the articles shown
	files [3]*snapshot.File
}

// Options configure a Generator beyond the site Config.
type Options struct {
	// Now is the clock for Last-Modified times; nil means time.Now. No byte of
	// any feed depends on it.
	Now func() time.Time
}

// New returns a Generator for the source directory root. cfg must have been
// normalised (Config.Normalize).
func New(root string, cfg Config, opt Options) (*Generator, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	host := ""
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		host = u.Hostname()
	}
	g := &Generator{
		cfg:  cfg,
		root: root,
		abs:  abs,
		popt: ParseOptions{Location: cfg.Location, TagAuthority: host, DefaultBase: firstNonEmpty(cfg.Link, cfg.BaseURL)},
		now:  opt.Now,

		files:      map[string]*fileState{},
		byID:       map[string][]string{},
		members:    map[FeedKey]*feedIndex{},
		dirty:      map[FeedKey]bool{{Kind: KindAll}: true},
		out:        map[FeedKey]*feedOut{},
		loaded:     map[string]bool{},
		strs:       map[string]string{},
		seed:       maphash.MakeSeed(),
		dups:       map[string][]string{},
		links:      map[string]bool{},
		errs:       map[string]bool{},
		indexParts: indexCache{},
	}
	if g.now == nil {
		g.now = time.Now
	}
	return g, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// Root returns the source directory as given to New.
func (g *Generator) Root() string { return g.root }

// Scan reads the whole source directory, as for a first build or after
// events were lost. A file whose size, times and inode did not change since
// it was last read is not read again. It returns the number of files whose
// state changed.
func (g *Generator) Scan() (int, error) {
	if fi, err := os.Stat(g.abs); err != nil {
		return 0, fmt.Errorf("%s: %w", g.root, err)
	} else if !fi.IsDir() {
		return 0, fmt.Errorf("%s: not a directory", g.root)
	}
	seen := map[string]bool{}
	changed := g.readTree(g.abs, seen)
	for rel := range g.files {
		if !seen[rel] {
			g.remove(rel)
			changed++
		}
	}
	return changed, nil
}

// readTree reads every article file below dir whose stamp changed, marking
// each article path it meets in seen. Unreadable sub-directories are
// skipped: they must not stop the build.
func (g *Generator) readTree(dir string, seen map[string]bool) int {
	var todo []string
	changed := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		rel := g.rel(p)
		if rel == "" || d == nil {
			return nil
		}
		if d.IsDir() {
			if source.SkipName(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !source.IsArticlePath(rel) {
			return nil
		}
		seen[rel] = true
		if err != nil {
			if g.setError(rel, stamp{}, readError(err)) {
				changed++
			}
			return nil
		}
		if st := g.files[rel]; st != nil && st.stamp != (stamp{}) && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil && stampOf(fi) == st.stamp {
				return nil
			}
		}
		todo = append(todo, rel)
		return nil
	})
	return changed + g.readMany(todo)
}

// readMany reads the headers of files in parallel and files the results in
// the order given, so that the outcome does not depend on timing.
func (g *Generator) readMany(rels []string) int {
	results := make([]headerRead, len(rels))
	parallel(len(rels), func(i int) { results[i] = g.readHeader(rels[i]) })
	changed := 0
	for _, r := range results {
		if g.apply(r) {
			changed++
		}
	}
	return changed
}

// Update re-reads the given paths (absolute, or relative to the working
// directory). A path that vanished removes its article, or every article
// below it if it was a directory; a directory is read recursively. Paths
// outside the source directory are ignored. It returns the number of files
// whose state changed.
func (g *Generator) Update(paths []string) int {
	changed := 0
	var files []string
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		rel := g.rel(abs)
		if rel == "" {
			if abs == g.abs {
				n, _ := g.Scan()
				changed += n
			}
			continue
		}
		if strings.HasPrefix(rel, "../") || rel == ".." {
			continue
		}
		fi, err := os.Lstat(abs)
		switch {
		case err != nil:
			changed += g.removeTree(rel)
		case fi.IsDir():
			changed += g.updateDir(rel)
		case !source.IsArticlePath(rel):
			// not an article: nothing to do
		default:
			files = append(files, rel)
		}
	}
	// A symbolic link's target may be what changed, and the watcher names
	// only the target: links are read again with every batch.
	for rel := range g.links {
		if _, err := os.Lstat(filepath.Join(g.abs, filepath.FromSlash(rel))); err != nil {
			changed += g.removeTree(rel)
			continue
		}
		files = append(files, rel)
	}
	sort.Strings(files)
	files = slices.Compact(files)
	for _, rel := range files {
		// An event may mean a change that keeps size and times (two writes
		// within one clock tick): what is shown is read again at render.
		if st := g.files[rel]; st != nil {
			st.stamp = stamp{}
			g.dropFull(rel)
		}
	}
	return changed + g.readMany(files)
}

// updateDir re-reads a directory that appeared or changed: its files are
// read and articles below it that are gone are removed.
func (g *Generator) updateDir(rel string) int {
	if source.Skipped(rel) {
		return 0
	}
	seen := map[string]bool{}
	changed := g.readTree(filepath.Join(g.abs, filepath.FromSlash(rel)), seen)
	prefix := rel + "/"
	for r := range g.files {
		if strings.HasPrefix(r, prefix) && !seen[r] {
			g.remove(r)
			changed++
		}
	}
	return changed
}

// removeTree forgets the file rel, or every file below it.
func (g *Generator) removeTree(rel string) int {
	n := 0
	if _, ok := g.files[rel]; ok {
		g.remove(rel)
		n++
	}
	prefix := rel + "/"
	for r := range g.files {
		if strings.HasPrefix(r, prefix) {
			g.remove(r)
			n++
		}
	}
	return n
}

// rel returns the slash path of abs relative to the root, "" for the root
// itself, or a path starting with "../" for one outside it.
func (g *Generator) rel(abs string) string {
	r, err := filepath.Rel(g.abs, abs)
	if err != nil {
		return "../"
	}
	if r == "." {
		return ""
	}
	return filepath.ToSlash(r)
}

// apply files the result of reading a file's header. It reports whether
// the file's state changed.
func (g *Generator) apply(r headerRead) bool {
	rel := r.rel
	old := g.files[rel]
	if r.link {
		g.links[rel] = true
	} else {
		delete(g.links, rel)
	}
	switch {
	case errors.Is(r.err, ErrNotPublished):
		changed := old == nil || old.hdr != nil || old.err != nil
		g.unindex(rel)
		g.put(rel, &fileState{stamp: r.stamp, sum: r.sum})
		return changed
	case r.err != nil:
		return g.setError(rel, r.stamp, r.err)
	}
	if old != nil && old.err == nil && old.hdr != nil && old.sum == r.sum {
		if old.stamp != r.stamp {
			// Same head and tail, but the file changed: the body may have.
			// It is read again if a feed shows it.
			g.dropFull(rel)
		}
		old.stamp = r.stamp
		return false
	}
	g.unindex(rel)
	r.hdr.Title = "" // indexing does not need it, and a hundred thousand of them add up
	g.put(rel, &fileState{stamp: r.stamp, sum: r.sum, hdr: g.intern(r.hdr)})
	g.index(g.files[rel].hdr)
	return true
}

// intern makes articles share one copy of each category and tag name and
// of the navigation strings, which repeat across thousands of articles.
func (g *Generator) intern(a *Article) *Article {
	in := func(s string) string {
		if v, ok := g.strs[s]; ok {
			return v
		}
		g.strs[s] = s
		return s
	}
	for i, c := range a.Categories {
		a.Categories[i] = in(c)
	}
	for i, t := range a.Tags {
		a.Tags[i] = in(t)
	}
	a.CategoryName, a.CategoryHome, a.SiteHome = in(a.CategoryName), in(a.CategoryHome), in(a.SiteHome)
	return a
}

// dropFull forgets the complete article of rel, keeping its header.
func (g *Generator) dropFull(rel string) {
	if st := g.files[rel]; st != nil && st.full != nil {
		st.full, st.frags = nil, [3][]byte{}
		for _, k := range feedKeys(st.hdr) {
			g.dirty[k] = true
		}
	}
	delete(g.loaded, rel)
}

// setError records that rel is bad input, reporting whether that is news.
func (g *Generator) setError(rel string, st stamp, err error) bool {
	old := g.files[rel]
	g.unindex(rel)
	delete(g.loaded, rel)
	g.put(rel, &fileState{stamp: st, err: err})
	return old == nil || old.err == nil || old.err.Error() != err.Error()
}

// remove forgets a file that is gone.
func (g *Generator) remove(rel string) {
	delete(g.links, rel)
	g.unindex(rel)
	g.put(rel, nil)
	delete(g.loaded, rel)
}

// put sets (or, with nil, deletes) the state of file rel, keeping the set
// of files in error: the daemon asks for the problems after every change,
// and that must not cost a pass over the whole archive.
func (g *Generator) put(rel string, st *fileState) {
	delete(g.errs, rel)
	if st == nil {
		delete(g.files, rel)
		return
	}
	if st.err != nil {
		g.errs[rel] = true
	}
	g.files[rel] = st
}

// feedKeys lists the feeds an article belongs to.
func feedKeys(a *Article) []FeedKey {
	keys := make([]FeedKey, 0, 1+len(a.Categories)+len(a.Tags))
	keys = append(keys, FeedKey{Kind: KindAll})
	for _, c := range a.Categories {
		keys = append(keys, FeedKey{Kind: KindCategory, Name: c})
	}
	for _, t := range a.Tags {
		keys = append(keys, FeedKey{Kind: KindTag, Name: t})
	}
	return keys
}

// index adds a to its feeds and marks them dirty.
func (g *Generator) index(a *Article) {
	for _, k := range feedKeys(a) {
		fx := g.members[k]
		if fx == nil {
			fx = &feedIndex{}
			g.members[k] = fx
		}
		fx.insert(a)
	}
	ids := append(g.byID[a.ID], a.Path)
	sort.Strings(ids)
	g.byID[a.ID] = ids
	if len(ids) > 1 {
		g.dups[a.ID] = ids
	}
	g.touchID(a.ID)
}

// unindex removes the article at rel, if any, from its feeds.
func (g *Generator) unindex(rel string) {
	st := g.files[rel]
	if st == nil || st.hdr == nil {
		return
	}
	a := st.hdr
	for _, k := range feedKeys(a) {
		g.dirty[k] = true
		if fx := g.members[k]; fx != nil {
			fx.remove(a)
		}
	}
	ids := g.byID[a.ID]
	for i, p := range ids {
		if p == rel {
			ids = append(ids[:i:i], ids[i+1:]...)
			break
		}
	}
	if len(ids) == 0 {
		delete(g.byID, a.ID)
	} else {
		g.byID[a.ID] = ids
	}
	if len(ids) > 1 {
		g.dups[a.ID] = ids
	} else {
		delete(g.dups, a.ID)
	}
	g.touchID(a.ID)
}

// touchID marks dirty the feeds of every article claiming id: which of them
// is published depends on all of them.
func (g *Generator) touchID(id string) {
	for _, p := range g.byID[id] {
		for _, k := range feedKeys(g.files[p].hdr) {
			g.dirty[k] = true
		}
	}
}

// published reports whether a is the one article published under its id:
// when several files claim an id, the one with the smallest path wins, so
// the choice does not depend on the order files were read in.
func (g *Generator) published(a *Article) bool {
	ids := g.byID[a.ID]
	return len(ids) > 0 && ids[0] == a.Path
}

// Problems returns every file that could not be published, sorted by path.
func (g *Generator) Problems() []Problem {
	ps := make([]Problem, 0, g.invalid())
	for rel := range g.errs {
		ps = append(ps, Problem{Path: g.display(rel), Reason: g.files[rel].err.Error()})
	}
	for id, paths := range g.dups {
		for _, rel := range paths[1:] {
			ps = append(ps, Problem{Path: g.display(rel), Reason: fmt.Sprintf("id %s is already used by %s", id, g.display(paths[0]))})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// display is how a problem names the file rel.
func (g *Generator) display(rel string) string {
	return filepath.Join(g.root, filepath.FromSlash(rel))
}

// CheckAll reads and parses the body of every article that no feed has
// needed yet, and files those that turn out to be bad input. Indexing reads
// only heads and tails; this is for a build that must report every bad
// file. It returns the number of articles found bad.
func (g *Generator) CheckAll() int {
	var todo []string
	for rel, st := range g.files {
		if st.hdr != nil && st.full == nil {
			todo = append(todo, rel)
		}
	}
	sort.Strings(todo)
	errs := make([]error, len(todo))
	stamps := make([]stamp, len(todo))
	parallel(len(todo), func(i int) {
		data, st, err := g.readWhole(todo[i])
		if err == nil {
			_, err = Parse(todo[i], data, g.popt)
		}
		errs[i], stamps[i] = err, st
	})
	bad := 0
	for i, err := range errs {
		if err != nil && !errors.Is(err, ErrNotPublished) {
			g.setError(todo[i], stamps[i], err)
			bad++
		}
	}
	return bad
}

// Articles is the number of published articles.
func (g *Generator) Articles() int { return len(g.byID) }

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
	now := g.now()
	jobs := g.plan()
	rendered := g.render(jobs, now)
	g.evict()
	infos := make([]IndexEntry, 0, len(g.out))
	for _, k := range g.feedKeysSorted() {
		o := g.out[k]
		infos = append(infos, IndexEntry{FeedInfo: o.info, Items: len(o.items)})
	}
	g.indexFile = g.reuse(g.indexFile, layout.IndexPath, layout.TypeHTML, renderIndex(&g.cfg, infos, g.indexParts), now)
	g.opmlFile = g.reuse(g.opmlFile, layout.OPMLPath, layout.TypeOPML, renderOPML(&g.cfg, infos), now)
	g.stats = snapshot.Stats{Articles: g.Articles(), Invalid: g.invalid(), Feeds: len(g.out), Updated: now}
	return Result{Snapshot: g.assemble(), Rendered: rendered, Feeds: len(g.out)}
}

// feedKeysSorted lists the rendered feeds in index order.
func (g *Generator) feedKeysSorted() []FeedKey {
	keys := make([]FeedKey, 0, len(g.out))
	for k := range g.out {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Less(keys[j]) })
	return keys
}

// assemble makes a snapshot of the current files.
func (g *Generator) assemble() *snapshot.Snapshot {
	files := make([]*snapshot.File, 0, 3*len(g.out)+2)
	for _, o := range g.out {
		files = append(files, o.files[:]...)
	}
	files = append(files, g.indexFile, g.opmlFile)
	return snapshot.New(files, g.stats)
}

// invalid counts the files that are not published for a reason to report.
func (g *Generator) invalid() int {
	n := len(g.errs)
	for _, paths := range g.dups {
		n += len(paths) - 1
	}
	return n
}

// Compress computes the gzip form of every file that lacks it and returns
// the snapshot with them, or nil when there was nothing to do. The daemon
// publishes a change uncompressed first and compresses right after: a
// reader sees the change sooner, and a gzip client meanwhile just gets the
// identity encoding.
func (g *Generator) Compress() *snapshot.Snapshot {
	var slots []**snapshot.File
	for _, o := range g.out {
		for i := range o.files {
			if !o.files[i].Compressed {
				slots = append(slots, &o.files[i])
			}
		}
	}
	for _, f := range []**snapshot.File{&g.indexFile, &g.opmlFile} {
		if *f != nil && !(*f).Compressed {
			slots = append(slots, f)
		}
	}
	if len(slots) == 0 {
		return nil
	}
	parallel(len(slots), func(i int) { *slots[i] = (*slots[i]).WithGzip() })
	return g.assemble()
}

// renderJob is a feed whose items may have changed.
type renderJob struct {
	key   FeedKey
	items []*Article // complete articles, newest first
	info  FeedInfo
	sig   [32]byte
	files [3]*snapshot.File
}

// plan decides the items of every dirty feed. The complete articles a feed
// shows are read here, in parallel; one that turns out to be bad input (its
// body, which indexing did not read) drops out, and the feeds it was in are
// planned again.
func (g *Generator) plan() []*renderJob {
	tops := map[FeedKey][]*Article{}
	for len(g.dirty) > 0 {
		for k := range g.dirty {
			tops[k] = g.top(k)
		}
		clear(g.dirty)
		var need []string
		for _, items := range tops {
			for _, a := range items {
				if st := g.files[a.Path]; st.full == nil && !slices.Contains(need, a.Path) {
					need = append(need, a.Path)
				}
			}
		}
		sort.Strings(need)
		type fullRead struct {
			a     *Article
			st    stamp
			sum   uint64
			frags [3][]byte
			err   error
		}
		res := make([]fullRead, len(need))
		parallel(len(need), func(i int) {
			data, st, err := g.readWhole(need[i])
			r := fullRead{st: st, err: err, sum: g.hash(data)}
			if err == nil {
				r.a, r.err = Parse(need[i], data, g.popt)
			}
			if r.err == nil {
				r.frags = itemFragments(&g.cfg, r.a)
				// The fragments hold the content now; what stays of the
				// article is what feed fields and the index need.
				r.a.Content, r.a.Summary = "", ""
			}
			res[i] = r
		})
		for i, rel := range need {
			r, st := res[i], g.files[rel]
			switch {
			case errors.Is(r.err, ErrNotPublished):
				g.apply(headerRead{rel: rel, stamp: r.st, err: r.err})
			case r.err != nil:
				g.setError(rel, r.st, r.err) // dirties its feeds: they are planned again
			case st.stamp != (stamp{}) && r.st != st.stamp && !sameHeader(st.hdr, r.a):
				// Changed since its header was read: index what is there now.
				g.unindex(rel)
				g.put(rel, &fileState{stamp: r.st, hdr: g.intern(r.a), full: r.a, fullSum: r.sum, frags: r.frags})
				g.index(g.files[rel].hdr)
				g.loaded[rel] = true
			default:
				st.full, st.fullSum, st.frags, st.stamp = r.a, r.sum, r.frags, r.st
				g.loaded[rel] = true
			}
		}
	}
	jobs := make([]*renderJob, 0, len(tops))
	for k, hdrs := range tops {
		if len(hdrs) == 0 && k.Kind != KindAll {
			delete(g.out, k)
			// The index may still hold articles that are not published
			// because another file claims their id: they come back when it
			// goes. Only an empty index is forgotten.
			if fx := g.members[k]; fx != nil && len(fx.list) == 0 {
				delete(g.members, k)
			}
			continue
		}
		items := make([]*Article, len(hdrs))
		for i, a := range hdrs {
			items[i] = g.files[a.Path].full
		}
		j := &renderJob{key: k, items: items, info: g.feedInfo(k, items)}
		j.sig = feedSignature(j.info, items, g.files)
		if old := g.out[k]; old != nil && old.sig == j.sig {
			continue
		}
		jobs = append(jobs, j)
	}
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].key.Less(jobs[k].key) })
	return jobs
}

// sameHeader reports whether two parses of a file index the same way.
func sameHeader(a, b *Article) bool {
	return a != nil && b != nil && a.ID == b.ID && a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) &&
		slices.Equal(a.Categories, b.Categories) && slices.Equal(a.Tags, b.Tags) &&
		a.CategoryName == b.CategoryName && a.CategoryHome == b.CategoryHome && a.SiteHome == b.SiteHome
}

// render renders the planned feeds in parallel (serialising and
// compressing are the expensive part) and files the results.
func (g *Generator) render(jobs []*renderJob, now time.Time) int {
	parallel(len(jobs), func(i int) {
		j := jobs[i]
		old := g.out[j.key]
		frags := make([][]byte, len(j.items))
		for _, f := range Formats {
			for i, a := range j.items {
				frags[i] = g.files[a.Path].frags[f]
			}
			body := renderFeed(&g.cfg, f, j.info, frags)
			var prev *snapshot.File
			if old != nil {
				prev = old.files[f]
			}
			j.files[f] = g.reuse(prev, j.key.Path(f), f.ContentType(), body, now)
		}
	})
	for _, j := range jobs {
		paths := make([]string, len(j.items))
		for i, a := range j.items {
			paths[i] = a.Path
		}
		g.out[j.key] = &feedOut{sig: j.sig, info: j.info, items: paths, files: j.files}
	}
	return len(jobs)
}

// evict drops the complete articles that no feed shows any more: memory
// follows what is published, not the size of the archive.
func (g *Generator) evict() {
	shown := map[string]bool{}
	for _, o := range g.out {
		for _, p := range o.items {
			shown[p] = true
		}
	}
	for p := range g.loaded {
		if !shown[p] {
			if st := g.files[p]; st != nil {
				st.full, st.frags = nil, [3][]byte{}
			}
			delete(g.loaded, p)
		}
	}
}

// reuse returns old when it holds exactly body, so that an unchanged file
// keeps its identity, modification time and compressed form.
func (g *Generator) reuse(old *snapshot.File, p, ct string, body []byte, now time.Time) *snapshot.File {
	if old != nil && string(old.Body) == string(body) {
		return old
	}
	return snapshot.NewPlainFile(p, ct, body, now) // compressed later, by Compress
}

// top returns the newest Limit published articles of feed k: newest first,
// ties broken by id so that the order never depends on reading order. The
// index is kept in that order, so this costs the limit, not the archive.
func (g *Generator) top(k FeedKey) []*Article {
	limit := g.cfg.Limit
	var list []*Article
	if fx := g.members[k]; fx != nil {
		list = fx.list
	}
	if limit <= 0 {
		limit = len(list)
	}
	items := make([]*Article, 0, min(limit, len(list)))
	for _, a := range list {
		if len(items) == limit {
			break
		}
		if g.published(a) {
			items = append(items, a)
		}
	}
	return items
}

// feedIndex is a feed's articles in feed order.
type feedIndex struct {
	list []*Article
}

func (fx *feedIndex) insert(a *Article) {
	i := sort.Search(len(fx.list), func(i int) bool { return !newer(fx.list[i], a) })
	fx.list = slices.Insert(fx.list, i, a)
}

// remove deletes a (by identity: several files may share a date and id).
func (fx *feedIndex) remove(a *Article) {
	i := sort.Search(len(fx.list), func(i int) bool { return !newer(fx.list[i], a) })
	for ; i < len(fx.list) && !newer(a, fx.list[i]); i++ {
		if fx.list[i] == a {
			fx.list = slices.Delete(fx.list, i, i+1)
			return
		}
	}
}

// newer orders articles newest first, then by id.
func newer(a, b *Article) bool {
	if !a.Published.Equal(b.Published) {
		return a.Published.After(b.Published)
	}
	return a.ID < b.ID
}

// feedInfo derives a feed's own fields from the configuration and its items.
func (g *Generator) feedInfo(k FeedKey, items []*Article) FeedInfo {
	fi := FeedInfo{Key: k, Updated: epoch}
	for _, a := range items {
		if a.Updated.After(fi.Updated) || fi.Updated.Equal(epoch) {
			fi.Updated = a.Updated
		}
	}
	site := g.cfg.Link
	for _, a := range items {
		if site != "" {
			break
		}
		site = a.SiteHome
	}
	if site == "" {
		site = g.cfg.BaseURL
	}
	switch k.Kind {
	case KindAll:
		fi.Title = g.cfg.Title
		fi.Description = firstNonEmpty(g.cfg.Description, g.cfg.Title)
		fi.Link = site
	case KindCategory:
		cc := g.cfg.Categories[k.Name]
		name, home := cc.Title, cc.Link
		for _, a := range items {
			if len(a.Categories) > 0 && a.Categories[0] == k.Name {
				if name == "" {
					name = a.CategoryName
				}
				if home == "" {
					home = a.CategoryHome
				}
			}
		}
		fi.Title = firstNonEmpty(name, k.Name)
		fi.Description = firstNonEmpty(cc.Description, fi.Title+" · "+g.cfg.Title)
		fi.Link = firstNonEmpty(home, site)
	case KindTag:
		fi.Title = "#" + k.Name
		fi.Description = "#" + k.Name + " · " + g.cfg.Title
		fi.Link = site
	}
	return fi
}

// feedSignature hashes everything a feed's bytes depend on: its own fields
// and the exact bytes of each item's file. The configuration is fixed for a
// Generator's life.
func feedSignature(fi FeedInfo, items []*Article, files map[string]*fileState) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00", fi.Key.Kind, fi.Key.Name, fi.Title, fi.Description, fi.Link, fi.Updated.Format(time.RFC3339Nano))
	for _, a := range items {
		h.Write([]byte(a.Path))
		h.Write(binary.LittleEndian.AppendUint64(nil, files[a.Path].fullSum))
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}
