package feedgen

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
	*shared
	now   func() time.Time
	scan  *scanner      // source directory → index
	items *itemRenderer // article bodies → rendered items in the index
	arch  *archiver     // the RFC 5005 archive documents

	out  map[layout.FeedKey]*feedOut // rendered feeds
	gone []layout.FeedKey            // feeds removed since the state last heard of them

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
	host := ""
	if u, err := url.Parse(cfg.BaseURL); err == nil {
		host = u.Hostname()
	}
	g := &Generator{
		shared: &shared{
			cfg:   cfg,
			root:  root,
			abs:   abs,
			rd:    article.NewReader(abs, cfg.MaxArticleSize, article.ParseOptions{Location: cfg.Location, TagAuthority: host, DefaultBase: cmp.Or(cfg.Link, cfg.BaseURL)}),
			log:   opt.Logger,
			dirty: map[layout.FeedKey]bool{{Kind: layout.KindAll}: true},
			frags: map[string]bool{},
		},
		now:        opt.Now,
		out:        map[layout.FeedKey]*feedOut{},
		indexParts: render.IndexCache{},
	}
	g.scan = &scanner{shared: g.shared, links: map[string]bool{}}
	g.items = &itemRenderer{shared: g.shared, scan: g.scan}
	g.arch = newArchiver(g.shared, opt.LazyArchives)
	if g.now == nil {
		g.now = time.Now
	}
	if g.log == nil {
		g.log = slog.New(slog.DiscardHandler)
	}
	g.ix, err = index.Open(index.Options{Dir: opt.StateDir, Source: abs, Config: cfg.Fingerprint(), Logger: g.log})
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
		if err := g.arch.load(t); err != nil {
			return err
		}
		return t.FragPaths(func(p string) error { g.frags[p] = true; return nil })
	})
}

// DefaultStateDir is the state directory used for the source directory src
// unless told otherwise: a folder under the user's cache directory named
// after the absolute source path, so that two sources never share one.
func DefaultStateDir(src string) (string, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the state (use -state DIR): %w", err)
	}
	sum := sha256.Sum256([]byte(abs))
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

// ArchiveSpan is the first and last month of feed k's archive and the
// number of its documents; zero months when it has none.
func (g *Generator) ArchiveSpan(k layout.FeedKey) (first, last layout.Month, n int) {
	ms := g.arch.monthsOf(k)
	if len(ms) == 0 {
		return
	}
	return ms[0], ms[len(ms)-1], len(ms)
}

// Root returns the source directory as given to New.
func (g *Generator) Root() string { return g.root }

// damaged handles an index that failed under us (a state damaged on disk
// while we ran, a fault reading it): the index is thrown away and rebuilt
// from the articles, and every feed is planned again. Published bytes do not
// change, since they depend on the articles only.
func (g *Generator) damaged(cause error) error {
	if err := g.ix.Reset(cause); err != nil {
		return err
	}
	clear(g.frags)
	for k, o := range g.out {
		g.dirty[k] = true
		if o.files[0] == nil {
			delete(g.out, k) // known only from the state that is gone
		}
	}
	g.dirty[layout.FeedKey{Kind: layout.KindAll}] = true
	g.arch.forgetUnheld()
	if _, err := g.scan.rebuild(); err != nil {
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

// Scan reads the whole source directory, as for a first build, a restart or
// after events were lost. A file whose stamp matches what the index holds is
// not opened again. It returns the number of files whose state changed.
func (g *Generator) Scan() (int, error) {
	n, err := g.scan.all()
	if errors.Is(err, errIndex) {
		return n, g.damaged(err)
	}
	return n, err
}

// Update re-reads the given paths (absolute, or relative to the working
// directory). A path that vanished removes its article, or every article
// below it if it was a directory; a directory is read recursively. Paths
// outside the source directory are ignored. It returns the number of files
// whose state changed.
func (g *Generator) Update(paths []string) int {
	n, err := g.scan.paths(paths, g.Scan)
	if errors.Is(err, errIndex) {
		if err := g.damaged(err); err != nil {
			g.log.Error("state: cannot be rebuilt", "err", err)
		}
	}
	return n
}

// CheckAll reads and parses the body of every article that no feed has
// needed yet, and files those that turn out to be bad input. Indexing reads
// only heads and tails; this is for a build that must report every bad
// file. It returns the number of articles found bad.
func (g *Generator) CheckAll() int { return g.scan.check() }
