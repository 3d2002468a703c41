package feedgen

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"feedgen/snapshot"
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

	files   map[string]*fileState           // by slash path relative to root
	byID    map[string][]string             // article id → paths that claim it, sorted
	members map[FeedKey]map[string]*Article // feed → its articles by path
	dirty   map[FeedKey]bool                // feeds whose items may have changed

	out       map[FeedKey]*feedOut
	indexFile *snapshot.File
	opmlFile  *snapshot.File
}

// fileState is what the generator knows of one file.
type fileState struct {
	sum [32]byte // of the bytes last read: a file read again unchanged costs no parse
	art *Article // nil when err is set or the article is not published
	err error
}

// feedOut is a rendered feed.
type feedOut struct {
	sig   [32]byte // of everything the feed's bytes depend on
	info  FeedInfo
	count int
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

		files:   map[string]*fileState{},
		byID:    map[string][]string{},
		members: map[FeedKey]map[string]*Article{},
		dirty:   map[FeedKey]bool{{Kind: KindAll}: true},
		out:     map[FeedKey]*feedOut{},
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
// events were lost. Files that did not change since they were last read are
// not parsed again. It returns the number of files whose state changed.
func (g *Generator) Scan() (int, error) {
	if fi, err := os.Stat(g.abs); err != nil {
		return 0, fmt.Errorf("%s: %w", g.root, err)
	} else if !fi.IsDir() {
		return 0, fmt.Errorf("%s: not a directory", g.root)
	}
	seen := map[string]bool{}
	changed := 0
	_ = filepath.WalkDir(g.abs, func(p string, d fs.DirEntry, err error) error {
		rel := g.rel(p)
		if err != nil {
			if rel != "" && d != nil && !d.IsDir() {
				seen[rel] = true
				if g.setError(rel, readError(err)) {
					changed++
				}
			}
			return nil // an unreadable sub-directory must not stop the build
		}
		if rel == "" {
			return nil
		}
		if d.IsDir() {
			if skipName(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !IsArticlePath(rel) {
			return nil
		}
		seen[rel] = true
		if g.load(rel) {
			changed++
		}
		return nil
	})
	for rel := range g.files {
		if !seen[rel] {
			g.remove(rel)
			changed++
		}
	}
	return changed, nil
}

// Update re-reads the given paths (absolute, or relative to the working
// directory). A path that vanished removes its article, or every article
// below it if it was a directory; a directory is read recursively. Paths
// outside the source directory are ignored. It returns the number of files
// whose state changed.
func (g *Generator) Update(paths []string) int {
	changed := 0
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
		case hasSkippedComponent(rel) || !IsArticlePath(rel):
			// not an article: nothing to do
		default:
			if g.load(rel) {
				changed++
			}
		}
	}
	return changed
}

// updateDir re-reads a directory that appeared or changed: its files are
// loaded and articles below it that are gone are removed.
func (g *Generator) updateDir(rel string) int {
	if hasSkippedComponent(rel) {
		return 0
	}
	changed := 0
	seen := map[string]bool{}
	_ = filepath.WalkDir(filepath.Join(g.abs, filepath.FromSlash(rel)), func(p string, d fs.DirEntry, err error) error {
		r := g.rel(p)
		if err != nil || r == "" || d == nil {
			return nil
		}
		if d.IsDir() {
			if skipName(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if IsArticlePath(r) {
			seen[r] = true
			if g.load(r) {
				changed++
			}
		}
		return nil
	})
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

// load reads and parses one file and files the result. It reports whether
// anything changed.
func (g *Generator) load(rel string) bool {
	data, err := g.read(rel)
	if err != nil {
		return g.setError(rel, err)
	}
	sum := sha256.Sum256(data)
	if old := g.files[rel]; old != nil && old.sum == sum && old.err == nil {
		return false
	}
	a, err := Parse(rel, data, g.popt)
	if errors.Is(err, ErrNotPublished) {
		changed := g.files[rel] == nil || g.files[rel].art != nil || g.files[rel].err != nil
		g.unindex(rel)
		g.files[rel] = &fileState{sum: sum}
		return changed
	}
	if err != nil {
		return g.setError(rel, err)
	}
	g.unindex(rel)
	g.files[rel] = &fileState{sum: sum, art: a}
	g.index(a)
	return true
}

// read returns the bytes of the article file rel, refusing what is not a
// regular file, what is larger than the limit, and symbolic links that lead
// outside the source directory.
func (g *Generator) read(rel string) ([]byte, error) {
	p := filepath.Join(g.abs, filepath.FromSlash(rel))
	lfi, err := os.Lstat(p)
	if err != nil {
		return nil, readError(err)
	}
	if lfi.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, fmt.Errorf("broken symbolic link: %w", readError(err))
		}
		rootReal, err := filepath.EvalSymlinks(g.abs)
		if err != nil {
			return nil, readError(err)
		}
		if r, err := filepath.Rel(rootReal, target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, errors.New("symbolic link points outside the source directory")
		}
	}
	f, err := os.OpenFile(p, os.O_RDONLY|syscallNonblock, 0)
	if err != nil {
		return nil, readError(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, readError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	max := g.cfg.MaxArticleSize
	if fi.Size() > max {
		return nil, fmt.Errorf("file is %d bytes, more than the maximum article size of %d bytes", fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, readError(err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("file is more than the maximum article size of %d bytes", max)
	}
	return data, nil
}

// readError strips the path that os errors repeat, since every problem is
// reported as "path: reason" already.
func readError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}

// setError records that rel is bad input, reporting whether that is news.
func (g *Generator) setError(rel string, err error) bool {
	old := g.files[rel]
	g.unindex(rel)
	g.files[rel] = &fileState{err: err}
	return old == nil || old.err == nil || old.err.Error() != err.Error()
}

// remove forgets a file that is gone.
func (g *Generator) remove(rel string) {
	g.unindex(rel)
	delete(g.files, rel)
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
		m := g.members[k]
		if m == nil {
			m = map[string]*Article{}
			g.members[k] = m
		}
		m[a.Path] = a
	}
	ids := append(g.byID[a.ID], a.Path)
	sort.Strings(ids)
	g.byID[a.ID] = ids
	g.touchID(a.ID)
}

// unindex removes the article at rel, if any, from its feeds.
func (g *Generator) unindex(rel string) {
	st := g.files[rel]
	if st == nil || st.art == nil {
		return
	}
	a := st.art
	for _, k := range feedKeys(a) {
		g.dirty[k] = true
		if m := g.members[k]; m != nil {
			delete(m, rel)
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
	g.touchID(a.ID)
}

// touchID marks dirty the feeds of every article claiming id: which of them
// is published depends on all of them.
func (g *Generator) touchID(id string) {
	for _, p := range g.byID[id] {
		for _, k := range feedKeys(g.files[p].art) {
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
	var ps []Problem
	for rel, st := range g.files {
		switch {
		case st.err != nil:
			ps = append(ps, Problem{Path: g.display(rel), Reason: st.err.Error()})
		case st.art != nil && !g.published(st.art):
			ps = append(ps, Problem{Path: g.display(rel), Reason: fmt.Sprintf("id %s is already used by %s", st.art.ID, g.display(g.byID[st.art.ID][0]))})
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// display is how a problem names the file rel.
func (g *Generator) display(rel string) string {
	return filepath.Join(g.root, filepath.FromSlash(rel))
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
	rendered := 0
	for k := range g.dirty {
		if g.renderFeed(k, now) {
			rendered++
		}
	}
	clear(g.dirty)

	keys := make([]FeedKey, 0, len(g.out))
	for k := range g.out {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	outs := make([]*feedOut, len(keys))
	files := make([]*snapshot.File, 0, 3*len(keys)+2)
	for i, k := range keys {
		outs[i] = g.out[k]
		files = append(files, outs[i].files[:]...)
	}
	g.indexFile = reuse(g.indexFile, "/index.html", snapshot.TypeHTML, renderIndex(&g.cfg, infos(outs)), now)
	g.opmlFile = reuse(g.opmlFile, "/feeds.opml", snapshot.TypeOPML, renderOPML(&g.cfg, infos(outs)), now)
	files = append(files, g.indexFile, g.opmlFile)
	invalid := 0
	for _, st := range g.files {
		if st.err != nil || (st.art != nil && !g.published(st.art)) {
			invalid++
		}
	}
	s := snapshot.New(files, snapshot.Stats{Articles: g.Articles(), Invalid: invalid, Feeds: len(keys), Updated: now})
	return Result{Snapshot: s, Rendered: rendered, Feeds: len(keys)}
}

// reuse returns old when it holds exactly body, so that an unchanged file
// keeps its identity, modification time and compressed form.
func reuse(old *snapshot.File, p, ct string, body []byte, now time.Time) *snapshot.File {
	if old != nil && string(old.Body) == string(body) {
		return old
	}
	return snapshot.NewFile(p, ct, body, now)
}

// infos lists the feeds for the index page and the OPML file.
func infos(outs []*feedOut) []IndexEntry {
	es := make([]IndexEntry, len(outs))
	for i, o := range outs {
		es[i] = IndexEntry{FeedInfo: o.info, Items: o.count}
	}
	return es
}

// renderFeed brings feed k up to date. It reports whether it rendered.
func (g *Generator) renderFeed(k FeedKey, now time.Time) bool {
	items := g.top(k)
	if len(items) == 0 && k.Kind != KindAll {
		delete(g.out, k)
		delete(g.members, k)
		return false
	}
	fi := g.feedInfo(k, items)
	sig := feedSignature(fi, items, g.files)
	old := g.out[k]
	if old != nil && old.sig == sig {
		return false
	}
	o := &feedOut{sig: sig, info: fi, count: len(items)}
	bodies := [3][]byte{
		renderRSS(&g.cfg, fi, items),
		renderAtom(&g.cfg, fi, items),
		renderJSON(&g.cfg, fi, items),
	}
	types := [3]string{snapshot.TypeRSS, snapshot.TypeAtom, snapshot.TypeJSON}
	for _, f := range Formats {
		var prev *snapshot.File
		if old != nil {
			prev = old.files[f]
		}
		o.files[f] = reuse(prev, k.Path(f), types[f], bodies[f], now)
	}
	g.out[k] = o
	return true
}

// top returns the newest Limit published articles of feed k: newest first,
// ties broken by id so that the order never depends on reading order.
func (g *Generator) top(k FeedKey) []*Article {
	limit := g.cfg.Limit
	m := g.members[k]
	items := make([]*Article, 0, min(len(m), max(limit, 0)+1))
	for _, a := range m {
		if !g.published(a) {
			continue
		}
		if limit > 0 && len(items) == limit && !newer(a, items[limit-1]) {
			continue
		}
		i := sort.Search(len(items), func(i int) bool { return newer(a, items[i]) })
		items = append(items, nil)
		copy(items[i+1:], items[i:])
		items[i] = a
		if limit > 0 && len(items) > limit {
			items = items[:limit]
		}
	}
	return items
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
		sum := files[a.Path].sum
		h.Write([]byte(a.Path))
		h.Write(sum[:])
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}

// articleExts are the file name extensions read as articles. Everything
// else in the source directory (images, notes, archives) is not an article
// and is skipped without a word.
var articleExts = map[string]bool{".txt": true, ".md": true, ".markdown": true, ".html": true, ".htm": true}

// IsArticlePath reports whether the file at slash path rel (relative to the
// source directory) is read as an article: its extension is one of .txt,
// .md, .markdown, .html, .htm, and no part of the path is hidden or an
// editor's temporary, swap or backup file.
func IsArticlePath(rel string) bool {
	if hasSkippedComponent(rel) {
		return false
	}
	return articleExts[strings.ToLower(path.Ext(rel))]
}

func hasSkippedComponent(rel string) bool {
	for _, c := range strings.Split(rel, "/") {
		if skipName(c) {
			return true
		}
	}
	return false
}

// skipName reports whether a file or directory name is hidden or belongs to
// an editor (swap, backup, lock and temporary files).
func skipName(name string) bool {
	switch {
	case name == "":
		return false
	case strings.HasPrefix(name, "."), strings.HasPrefix(name, "#"), strings.HasSuffix(name, "~"):
		return true
	case name == "4913": // vim's write-permission probe
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload", ".bak":
		return true
	}
	return false
}
