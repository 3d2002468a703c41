package feedgen

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Problem is one file that could not be published, and why.
type Problem struct {
	Path   string // as the user names it: the source directory joined with the file
	Reason string
}

// String is the problem as feedgen reports it: "path: reason".
func (p Problem) String() string { return p.Path + ": " + p.Reason }

// Generator turns a source directory into snapshots of feeds. Build and
// serve share it: build calls Scan and Snapshot (or Emit) once, the daemon
// calls Update with each batch of changed paths and Snapshot after it.
//
// What it knows of the articles lives in the archive index (package index)
// in the state directory, not in memory: memory holds the rendered feeds and
// a few words per feed. The pipeline is
//
//	files → scan/update (scan.go) → index → plan: what each feed shows
//	(plan.go) → render (output.go, one file per format) → snapshot
//
// A Generator is not safe for concurrent use; the snapshots it returns are.
type Generator struct {
	cfg  config.Config
	root string          // as given, for messages
	abs  string          // absolute, for path arithmetic
	rd   *article.Reader // reads and parses the article files
	now  func() time.Time
	log  *slog.Logger
	ix   *index.Index
	// keep, during Emit, confirms that an unchanged feed's file is in
	// place (diskout.Stream.Keep), so that it is not rendered at all.
	keep func(path, etag string) bool
	// lazy: the archive documents are lazy files (Options.LazyArchives).
	lazy bool
	// archRendered counts the archive documents rendered (all formats
	// once), for tests and benchmarks of what a start-up costs.
	archRendered int

	dirty map[layout.FeedKey]bool     // feeds whose items may have changed
	out   map[layout.FeedKey]*feedOut // rendered feeds
	gone  []layout.FeedKey            // feeds removed since the state last heard of them
	links map[string]bool             // article files that are symbolic links
	frags map[string]bool             // articles whose rendered item the index keeps

	// Archive documents (archive.go): rendered or known from the state,
	// planned, rendered since the state last heard, and gone.
	arch               map[layout.FeedKey]map[layout.Month]*archOut
	archJobs           []*archJob
	archDone, archGone []archRef
	archPlans          map[layout.FeedKey]*archPlan
	dirtyMonths        map[layout.FeedKey]map[layout.Month]bool // months the index saw change, per feed
	archFull           bool                                     // plan every month of every feed (the index was rebuilt)

	cleaned atomic.Int64 // articles parsed and cleaned whole to render their item

	indexParts render.IndexCache // the index page's rendered rows
	all        allItems          // the global feed's rendered items, for the index page
	indexFile  *snapshot.File
	opmlFile   *snapshot.File
	stats      snapshot.Stats
}

// feedOut is a rendered feed.
type feedOut struct {
	sig   [32]byte // of everything the feed's bytes depend on
	info  render.FeedInfo
	items []string // paths of the articles shown
	etags [3]string
	// lastMod is the Last-Modified time of the feed's files (lastmod.go).
	lastMod time.Time
	// files are the rendered files; nil for a feed known from the state
	// (index.Shown) or handed over by Emit, whose bytes are not held.
	files [3]*snapshot.File
	// page is the feed's HTML page, like files; none for the global feed,
	// whose page is the site index.
	page     *snapshot.File
	pageETag string
}

// Options configure a Generator beyond the site Config.
type Options struct {
	// Now is the clock for the time /healthz reports; nil means time.Now.
	// No byte of any feed depends on it, nor does Last-Modified (lastmod.go).
	Now func() time.Time
	// StateDir is where the archive index is kept between runs (see
	// DefaultStateDir); "" keeps it in a temporary directory removed by
	// Close. Published bytes never depend on it.
	StateDir string
	// Logger receives the one line said when a state cannot be used.
	Logger *slog.Logger
	// LazyArchives makes the archive documents of Snapshot lazy files
	// (snapshot.NewLazyFile, archive_lazy.go): rendered from the state
	// when a request needs their bytes, not held. For a daemon, whose
	// memory must follow the feeds, not the archive.
	LazyArchives bool
}

// New returns a Generator for the source directory root. cfg must have been
// normalised (Config.Normalize). Close releases it.
func New(root string, cfg config.Config, opt Options) (*Generator, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", root, err)
	}
	g := &Generator{
		cfg:         cfg,
		root:        root,
		abs:         abs,
		rd:          article.NewReader(abs, cfg.MaxArticleSize, article.ParseOptions{Location: cfg.Location, TagAuthority: cfg.TagAuthority(), DefaultBase: cmp.Or(cfg.Link, cfg.BaseURL)}),
		now:         opt.Now,
		lazy:        opt.LazyArchives,
		log:         opt.Logger,
		dirty:       map[layout.FeedKey]bool{{Kind: layout.KindAll}: true},
		out:         map[layout.FeedKey]*feedOut{},
		links:       map[string]bool{},
		frags:       map[string]bool{},
		arch:        map[layout.FeedKey]map[layout.Month]*archOut{},
		archPlans:   map[layout.FeedKey]*archPlan{},
		dirtyMonths: map[layout.FeedKey]map[layout.Month]bool{},
		indexParts:  render.IndexCache{},
	}
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.ix, err = index.Open(index.Options{Dir: opt.StateDir, Source: abs, Scan: cfg.ScanFingerprint(), Render: cfg.RenderFingerprint(), Logger: g.log})
	if err != nil {
		return nil, err
	}
	if err := g.load(); err != nil {
		if err := g.ix.Reset(err); err != nil {
			g.ix.Close()
			return nil, err
		}
	}
	return g, nil
}

// load takes from the index what the generator keeps in memory: the feeds
// to render and the rendered items it holds.
func (g *Generator) load() error {
	return g.ix.View(func(t *index.Tx) error {
		if err := t.Feeds(func(k layout.FeedKey) error { g.dirty[k] = true; return nil }); err != nil {
			return err
		}
		if err := t.EachShown(func(k layout.FeedKey, s index.Shown) error {
			g.dirty[k] = true
			g.out[k] = &feedOut{sig: s.Sig, etags: s.ETags, pageETag: s.PageETag, items: s.Items, lastMod: s.LastModified, info: render.FeedInfo{
				Key: k, Title: s.Title, Description: s.Description, Link: s.Link, Updated: s.Updated,
			}}
			return nil
		}); err != nil {
			return err
		}
		if err := g.loadArchives(t); err != nil {
			return err
		}
		return t.FragPaths(func(p string) error { g.frags[p] = true; return nil })
	})
}

// DefaultStateDir is the state directory used for the source directory src
// and the configuration cfg unless told otherwise: a folder under the
// user's cache directory named after the absolute source path and the part
// of cfg the scan records depend on (ScanFingerprint), so that two sources
// never share one, and runs that parse the same source differently (a
// daemon on localhost, a build for the real base URL) each keep a warm one
// instead of rebuilding the other's.
func DefaultStateDir(src string, cfg *config.Config) (string, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the state (use -state DIR): %w", err)
	}
	sum := sha256.Sum256([]byte(abs + "\x00" + cfg.ScanFingerprint()))
	name := filepath.Base(abs)
	if name == string(filepath.Separator) || name == "." || strings.ContainsAny(name, `:\/`) {
		name = "root"
	}
	return filepath.Join(cache, "feedgen", name+"-"+hex.EncodeToString(sum[:6])), nil
}

// Outputs is the record, kept in the state, of what a build left in the
// output directory dir (absolute): the disk writer's manifest.
func (g *Generator) Outputs(dir string) *index.Outputs { return g.ix.Outputs(dir) }

// Warm reports whether the generator started from a usable state: what it
// knows of the archive is what it knew when it last ran, and a Snapshot
// before any Scan shows exactly that.
func (g *Generator) Warm() bool { return !g.ix.Fresh }

// Close releases the index; a temporary state is removed.
func (g *Generator) Close() error { return g.ix.Close() }

// Root returns the source directory as given to New.
func (g *Generator) Root() string { return g.root }

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

// display is how a problem names the file rel.
func (g *Generator) display(rel string) string {
	return filepath.Join(g.root, filepath.FromSlash(rel))
}

// damaged handles an index that failed under us (a state damaged on disk
// while we ran, a fault reading it): the index is thrown away and rebuilt
// from the articles, and every feed is planned again. Published bytes do not
// change, since they depend on the articles only.
func (g *Generator) damaged(cause error) error {
	if err := g.ix.Reset(cause); err != nil {
		return err
	}
	clear(g.frags)
	clear(g.links)
	for k, o := range g.out {
		g.dirty[k] = true
		if o.files[0] == nil {
			delete(g.out, k) // known only from the state that is gone
		}
	}
	g.dirty[layout.FeedKey{Kind: layout.KindAll}] = true
	g.forgetUnheldArchives()
	if _, err := g.scanTree(""); err != nil {
		return fmt.Errorf("rebuilding the state: %w", err)
	}
	return nil
}

// Problems returns every file that could not be published, sorted by path.
func (g *Generator) Problems() []Problem {
	var ps []Problem
	err := g.ix.View(func(t *index.Tx) error {
		return t.Problems(func(p, reason string) {
			ps = append(ps, Problem{Path: g.display(p), Reason: reason})
		}, func(p, id, winner string) {
			ps = append(ps, Problem{Path: g.display(p), Reason: fmt.Sprintf("id %s is already used by %s", id, g.display(winner))})
		})
	})
	if err != nil {
		ps = append(ps, Problem{Path: g.ix.Path(), Reason: err.Error()})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// Articles is the number of published articles.
func (g *Generator) Articles() int {
	n := 0
	_ = g.ix.View(func(t *index.Tx) error { n = t.Articles(); return nil })
	return n
}

// invalid counts the files that are not published for a reason to report.
func (g *Generator) invalid() int {
	n := 0
	_ = g.ix.View(func(t *index.Tx) error { n = t.Invalid(); return nil })
	return n
}

// errIndex marks an error of the index rather than of an article.
var errIndex = errors.New("state")
