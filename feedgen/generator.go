package feedgen

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"feedgen/feedgen/archive"
	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Generator turns a source directory into snapshots of feeds. Build and
// serve share it: build calls Scan and Snapshot (or Emit) once, the daemon
// calls Update with each batch of changed paths and Snapshot after it.
//
// What it knows of the articles lives in the archive index (package index)
// in the state directory, not in memory: memory holds the rendered feeds and
// a few words per feed. The Generator orders its jobs (the package doc
// names them) and recovers a damaged state; it does none of their work:
//
//	Scan, Update:   scanner → index
//	Snapshot, Emit: planner (itemRenderer, archive planner) → output, archive documents → files
//
// A Generator is not safe for concurrent use; the snapshots it returns are.
type Generator struct {
	*shared
	now   func() time.Time
	scan  *scanner      // source directory → index
	items *itemRenderer // article bodies → rendered items in the index
	plan  *planner      // index → what each feed shows, and which changed
	arch  *archive.Docs // RFC 5005 archive documents
	out   *output       // feeds, pages, site index and OPML list
	// assets are the images of the source, published as they are
	// (sitefiles.go).
	assets *assets
	stats  snapshot.Stats
}

// Options configure a Generator beyond the site Config.
type Options struct {
	// Now is the clock for the time /healthz reports; nil means time.Now.
	// No byte of any feed depends on it, nor does Last-Modified (doc.NotBefore).
	Now func() time.Time
	// StateDir is where the archive index is kept between runs (see
	// DefaultStateDir); "" keeps it in a temporary directory removed by
	// Close. Published bytes never depend on it.
	StateDir string
	// Logger receives the one line said when a state cannot be used.
	Logger *slog.Logger
	// LazyArchives makes the archive documents of Snapshot lazy files
	// (snapshot.NewLazyFile, package archive): rendered from the state
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
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sh := &shared{
		cfg:   cfg,
		root:  root,
		abs:   abs,
		rd:    article.NewReader(abs, cfg.MaxArticleSize, article.ParseOptions{Location: cfg.Location, TagAuthority: cfg.TagAuthority(), DefaultBase: cmp.Or(cfg.Link, cfg.BaseURL)}),
		log:   log,
		dirty: map[layout.FeedKey]bool{{Kind: layout.KindAll}: true},
		frags: map[string]bool{},
	}
	sh.ix, err = index.Open(index.Options{Dir: opt.StateDir, Source: abs, Scan: cfg.ScanFingerprint(), Render: cfg.RenderFingerprint(), Logger: log})
	if err != nil {
		return nil, err
	}
	g := &Generator{shared: sh, now: opt.Now}
	if g.now == nil {
		g.now = time.Now
	}
	g.assets = newAssets(sh)
	g.scan = &scanner{shared: sh, links: map[string]bool{}, assets: g.assets}
	g.items = &itemRenderer{shared: sh, scan: g.scan}
	env := archive.Env{Config: &sh.cfg, Index: sh.ix, Log: log}
	g.arch = archive.NewDocs(env, opt.LazyArchives)
	g.out = &output{shared: sh, arch: g.arch, feeds: map[layout.FeedKey]*feedOut{}, indexParts: render.IndexCache{}}
	g.plan = &planner{shared: sh, items: g.items, arch: archive.NewPlanner(env, g.arch), out: g.out}
	if err := g.load(); err != nil {
		if err := g.ix.Reset(err); err != nil {
			g.ix.Close()
			return nil, err
		}
	}
	return g, nil
}

// load takes from the index what the generator keeps in memory: the feeds
// to render, the archive documents and the rendered items it holds.
func (g *Generator) load() error {
	return g.ix.View(func(t *index.Tx) error {
		if err := t.Feeds(func(k layout.FeedKey) error { g.dirty[k] = true; return nil }); err != nil {
			return err
		}
		if err := g.out.load(t); err != nil {
			return err
		}
		if err := g.arch.Load(t); err != nil {
			return err
		}
		return t.FragPaths(func(p string) error { g.frags[p] = true; return nil })
	})
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

// damaged handles an index that failed under us (a state damaged on disk
// while we ran, a fault reading it): the index is thrown away and rebuilt
// from the articles, and every feed is planned again. Published bytes do not
// change, since they depend on the articles only.
func (g *Generator) damaged(cause error) error {
	if err := g.ix.Reset(cause); err != nil {
		return err
	}
	clear(g.frags)
	g.out.forgetUnheld()
	g.dirty[layout.FeedKey{Kind: layout.KindAll}] = true
	g.arch.ForgetUnheld()
	g.assets.rerecord()
	if _, err := g.scan.rebuild(); err != nil {
		return fmt.Errorf("rebuilding the state: %w", err)
	}
	return nil
}

// ArchiveSpan is the first and last month of feed k's archive and the
// number of its documents; zero months when it has none.
func (g *Generator) ArchiveSpan(k layout.FeedKey) (first, last layout.Month, n int) {
	ms := g.arch.Months(k)
	if len(ms) == 0 {
		return
	}
	return ms[0], ms[len(ms)-1], len(ms)
}

// Root returns the source directory as given to New.
func (g *Generator) Root() string { return g.root }
