// Package pipeline wires the stages together: the generator reads the
// source directory into a snapshot, which goes to the disk writer (build) or
// to the HTTP handler and, optionally, the disk writer (serve), with the
// watcher feeding changes in. Both modes run the same code from directory to
// bytes; serve adds incremental updates on top.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"feedgen/bucket"
	"feedgen/diskout"
	"feedgen/feedgen"
	"feedgen/feedgen/config"
	"feedgen/layout"
	"feedgen/metrics"
	"feedgen/serve"
	"feedgen/snapshot"
	"feedgen/watch"
	"feedgen/websub"
)

// BuildOptions configure a one-shot build.
type BuildOptions struct {
	Src    string
	Out    string
	Site   config.Config
	Logger *slog.Logger
	// Strict reads and checks the body of every article, not only of those
	// a feed shows: slower (every byte is read), for CI that wants every
	// bad file reported.
	Strict bool
	// State is the state directory ("" keeps none; see feedgen.Options).
	State string
	// Ping sends a publish ping to each of Site.Hubs for every feed the
	// build wrote or removed, after writing (websub.go); PingOpts holds
	// the pinger's bounds, PingTimeout how long to wait for the hubs
	// (default two minutes).
	Ping        bool
	PingOpts    websub.PublisherOptions
	PingTimeout time.Duration
	// Precompress also writes NAME.gz and NAME.br beside every file.
	Precompress bool
	// Publish mirrors the output to object storage (publish.go); Out may
	// then be "" (no directory).
	Publish PublishOptions
}

// BuildResult is what a build did.
type BuildResult struct {
	Articles int
	Feeds    int
	Written  int
	Removed  int
	Problems []feedgen.Problem
	// Published is what the publish to object storage did.
	Published bucket.Result
}

// Build reads Src once and writes every feed under Out. Bad articles do not
// stop it: they are returned as Problems and every other article is
// published. An error means nothing useful could be written (no source
// directory, an unwritable output).
func Build(opts BuildOptions) (BuildResult, error) {
	var r BuildResult
	g, err := feedgen.New(opts.Src, opts.Site, feedgen.Options{StateDir: opts.State, Logger: opts.Logger})
	if err != nil {
		return r, err
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		return r, err
	}
	if opts.Strict {
		g.CheckAll()
	}
	var w *diskout.Writer
	var st *diskout.Stream
	if opts.Out != "" || !opts.Publish.on() {
		if w, err = diskout.New(opts.Out, opts.Logger); err != nil {
			return r, err
		}
		// The state remembers what this build leaves in the output
		// directory, so that the next one neither renders nor reads back
		// a feed that did not change.
		w.SetManifest(g.Outputs(w.Dir()))
		if st, err = w.Begin(); err != nil {
			return r, err
		}
	}
	pub, err := startPublish(opts, g, serve.DefaultCacheControl)
	if err != nil {
		if st != nil {
			st.Abort()
		}
		return r, err
	}
	defer pub.abort() // after finish, does nothing
	// Each file is written as soon as it is rendered and then dropped: a
	// build holds a few feeds at a time, not the whole output. A file that
	// cannot be written is reported by Finish; the others are still written.
	var changed []string // feeds written, for -ping
	pc := &precompressor{st: st, on: opts.Precompress}
	var keep func(path, etag string) bool
	switch {
	case st != nil && opts.Precompress:
		keep = pc.keep
	case st != nil:
		keep = st.Keep
	}
	res := g.Emit(func(f *snapshot.File) {
		if w := pc.put(f); w && opts.Ping && layout.IsFeed(f.Path) { // Finish returns Put's errors
			changed = append(changed, f.Path)
		}
		pub.put(f)
	}, pub.keep(keep))
	var wr diskout.Result
	if st != nil {
		wr, err = st.Finish()
		err = errors.Join(err, pc.err())
		changed = append(changed, st.RemovedPaths()...)
	}
	pr, perr := pub.finish(opts.Site.BaseURL)
	err = errors.Join(err, perr)
	r = BuildResult{Articles: g.Articles(), Feeds: res.Feeds, Written: wr.Written, Removed: wr.Removed, Problems: g.Problems(), Published: pr}
	if err == nil && opts.Ping {
		err = pingBuild(opts, append(changed, pr.Changed...))
	}
	return r, err
}

// ServeOptions configure the daemon.
type ServeOptions struct {
	Src  string
	Site config.Config
	// Addr is the listen address; Listener, when set, is used instead (tests
	// pass one bound to port 0).
	Addr     string
	Listener net.Listener
	// Out, when set, is a directory kept equal to what is served.
	Out string
	// Watch configures the watcher (debounce, polling).
	Watch        watch.Options
	CacheControl string
	Logger       *slog.Logger
	// State is the state directory ("" keeps none; see feedgen.Options).
	State string
	// WebSub configures pings to Site.Hubs and the built-in hub (websub.go).
	WebSub WebSubOptions
	// Metrics, when set, counts requests and regenerations and serves
	// /metrics: on MetricsAddr when that is set, else on Addr.
	Metrics     *metrics.Metrics
	MetricsAddr string
	// Publish mirrors what is served to object storage (publishd.go).
	Publish PublishOptions
	// HoldLoss, when positive, holds back a snapshot that lost most of the
	// articles at once until they stay gone this long (losshold.go).
	HoldLoss time.Duration
}

// Daemon serves the feeds of a source directory and keeps them current.
type Daemon struct {
	opts    ServeOptions
	log     *slog.Logger
	gen     *feedgen.Generator
	handler *serve.Handler
	writer  *diskout.Writer
	watcher *watch.Watcher
	ln      net.Listener
	ownLn   bool // ln was bound by NewDaemon, not passed in ServeOptions.Listener
	srv     *http.Server
	pinger  *websub.Publisher // nil without external hubs
	hub     *websub.Hub       // the built-in hub, or nil
	// metricsSrv is the separate /metrics listener, or nil.
	metricsSrv *metricsServer

	// mu serialises everything that uses the generator, which is not safe
	// for concurrent use: regenerations (watcher batches and Rescan) and
	// the compressor.
	mu       sync.Mutex
	reported map[string]string
	rescan   chan struct{}

	// The compressor goroutine: woken (compress, one pending signal at
	// most) after each regeneration, stopped by closing quit; done is
	// closed when it has returned.
	compress chan struct{}
	quit     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	// firstRound is closed when the compressor's first round is over (or
	// it returned): Run waits for it before a warm start's rescan.
	firstRound chan struct{}

	// synced is closed once a full scan has followed the start: until
	// then a daemon started from its state serves what it served when it
	// stopped.
	synced     chan struct{}
	syncedOnce sync.Once

	// out follows the output directory's health (outkeeper.go).
	out outKeeper
	// pub publishes to the buckets, or is nil (publishd.go).
	pub *pubKeeper
	// loss holds back a snapshot that lost most articles (losshold.go).
	loss lossHold
}

// Synced is closed once the daemon has read the whole source directory
// since it started. A daemon started from a usable state answers before
// that, with what it served when it last stopped.
func (d *Daemon) Synced() <-chan struct{} { return d.synced }

// NewDaemon binds the listen addresses (a *ListenError when one cannot be
// bound), then reads the source directory and publishes the first
// snapshot, so that the daemon answers as soon as Run is called.
// The first snapshot is published uncompressed: compressing every file
// takes seconds on a large archive, and readers should not wait for it.
// Run compresses it in the background and swaps in the compressed, compact
// snapshot; until then gzip clients get the identity encoding.
func NewDaemon(opts ServeOptions) (_ *Daemon, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Daemon{
		opts: opts, log: log, reported: map[string]string{}, rescan: make(chan struct{}, 1),
		compress: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{}), firstRound: make(chan struct{}),
		synced: make(chan struct{}), out: newOutKeeper(),
		loss: lossHold{recheck: make(chan struct{}, 1)},
	}
	// The addresses are bound first: a port already taken fails here, in a
	// moment, not after a first scan that takes minutes on a large archive.
	// Connections made while the scan runs wait in the listen queue and are
	// answered when Run starts serving.
	if err := d.listen(); err != nil { // listen.go
		return nil, err
	}
	defer func() {
		if err != nil {
			d.closeListeners()
		}
	}()
	if d.gen, err = feedgen.New(opts.Src, opts.Site, feedgen.Options{StateDir: opts.State, Logger: log, LazyArchives: true}); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			if d.watcher != nil {
				d.watcher.Close()
			}
			d.gen.Close()
		}
	}()
	d.handler = serve.NewHandler(serve.Options{CacheControl: opts.CacheControl, Logger: log, Links: feedLinks(opts.Site.BaseURL, opts.Site.Hubs),
		Degraded: d.degraded}) // health.go
	if err := d.startWebSub(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.stopWebSub()
		}
	}()
	if opts.Out != "" {
		if d.writer, err = diskout.New(opts.Out, log); err != nil {
			return nil, err
		}
	}
	if err := d.startPublishers(); err != nil {
		return nil, err
	}
	wopts := opts.Watch
	if wopts.Logger == nil {
		wopts.Logger = log
	}
	// The watcher starts before the first scan, so that a change made while
	// the scan runs is not lost: at worst it is read twice.
	if d.watcher, err = watch.New(opts.Src, wopts); err != nil {
		return nil, err
	}
	// With a usable state the first snapshot comes from it alone, as it was
	// when the daemon last ran, so that a restart answers at once; the full
	// scan that picks up what changed while it was stopped is the first
	// thing Run does. Without one, the first snapshot needs the scan.
	warm := d.gen.Warm()
	if err := d.regenerate(nil, !warm); err != nil {
		return nil, err
	}
	if warm {
		d.Rescan()
	} else {
		d.syncedOnce.Do(func() { close(d.synced) })
	}
	opts.Metrics.Degraded(d.degraded) // feedgen_degraded, as /healthz (health.go)
	d.srv = serve.NewServer(d.ln.Addr().String(), frontHandler(opts, d.httpHandler()))
	d.srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	return d, nil
}

// Addr is the address the daemon listens on.
func (d *Daemon) Addr() net.Addr { return d.ln.Addr() }

// Handler is the HTTP handler, for tests that want to call it directly.
func (d *Daemon) Handler() *serve.Handler { return d.handler }

// Rescan asks for a full re-read of the source directory (SIGHUP).
func (d *Daemon) Rescan() {
	select {
	case d.rescan <- struct{}{}:
	default: // one is already pending
	}
}

// Run serves and follows the directory until ctx is done, then shuts down
// gracefully: requests in flight finish (within ten seconds).
func (d *Daemon) Run(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		if err := d.srv.Serve(d.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
	}()
	d.metricsSrv.run(errc)
	// The first regeneration left a wake-up pending: the whole snapshot is
	// compressed now, while the server already answers.
	go d.compressor()
	if len(d.rescan) > 0 {
		// A warm start's rescan holds d.mu for as long as reading every
		// file takes (a minute at a million articles). The first round of
		// compression, which swaps the restored feeds for their compact
		// form, goes first: otherwise the feeds would stay held whole,
		// beside their compressed forms, for all that time.
		select {
		case <-d.firstRound:
		case <-ctx.Done():
		}
	}
	stopOut := d.startOutKeeper()
	pctx, stopPub := context.WithCancel(ctx)
	defer stopPub()
	waitPub := d.runPublisher(pctx)
	d.log.Info("serving", "addr", d.ln.Addr().String(), "src", d.opts.Src, "base_url", d.opts.Site.BaseURL)
	batches := d.watcher.Batches()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-errc:
			runErr = err
			break loop
		case <-d.loss.recheck:
			_ = d.regenerate(nil, false) // publishes the held loss if it still stands
		case <-d.rescan:
			if err := d.regenerate(nil, true); err == nil {
				d.syncedOnce.Do(func() { close(d.synced) })
			}
		case b, ok := <-batches:
			if !ok {
				batches = nil
				continue
			}
			d.opts.Metrics.WatchBatch(len(b.Paths), b.Rescan)
			_ = d.regenerate(b.Paths, b.Rescan)
		}
	}
	d.watcher.Close()
	d.stopCompressor()
	d.stopLossHold()
	stopOut()
	stopPub()
	waitPub()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.srv.Shutdown(sctx); err != nil && runErr == nil {
		runErr = err
	}
	if err := d.metricsSrv.shutdown(sctx); err != nil && runErr == nil {
		runErr = err
	}
	d.mu.Lock() // a regeneration in flight finishes before the state closes
	if err := d.gen.Close(); err != nil && runErr == nil {
		runErr = err
	}
	d.mu.Unlock()
	d.stopWebSub()
	d.log.Info("stopped")
	return runErr
}

// Close releases the daemon's resources without running it (for a daemon
// whose Run was never called).
func (d *Daemon) Close() error {
	d.watcher.Close()
	d.mu.Lock()
	d.gen.Close()
	d.mu.Unlock()
	d.stopWebSub()
	d.metricsSrv.close()
	return d.ln.Close()
}

// regenerate applies one batch of changes and publishes the result,
// uncompressed: the compressor, woken at the end, follows with the gzip
// forms, so a change reaches readers without waiting for compression. An
// invalid article is logged once, when it turns invalid, and drops out of
// the feeds, as it would from a fresh build: serve and build always agree.
func (d *Daemon) regenerate(paths []string, full bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	start := time.Now()
	var changed int
	if full {
		n, err := d.gen.Scan()
		if err != nil {
			d.log.Error("rescan failed", "err", err)
			return err
		}
		changed = n
	} else {
		changed = d.gen.Update(paths)
	}
	res := d.gen.Snapshot()
	old := d.handler.Snapshot()
	if d.holdLoss(old, res.Snapshot) { // losshold.go: the last good feeds stay published
		return nil
	}
	d.handler.Swap(res.Snapshot)
	d.announce(old, res.Snapshot) // WebSub: queued, never waited for
	d.pub.signal()                // the buckets follow, then their hubs are told
	wr := d.writeOut(res.Snapshot)
	d.reportProblems()
	st := res.Snapshot.Stats()
	d.opts.Metrics.Regenerated(full, time.Since(start), st.Articles, st.Invalid, res.Feeds)
	d.log.Info("regenerated",
		"full", full,
		"files_changed", changed,
		"feeds_rendered", res.Rendered,
		"feeds", res.Feeds,
		"articles", st.Articles,
		"invalid", st.Invalid,
		"written", wr.Written,
		"removed", wr.Removed,
		"duration", time.Since(start).Round(time.Microsecond).String(),
	)
	select {
	case d.compress <- struct{}{}:
	default: // a wake-up is already pending; it will see this change too
	}
	return nil
}

// reportProblems logs each problem once, when it appears or its reason
// changes, and says when a file is fixed or gone.
func (d *Daemon) reportProblems() {
	now := map[string]string{}
	for _, p := range d.gen.Problems() {
		now[p.Path] = p.Reason
		if d.reported[p.Path] != p.Reason {
			d.log.Warn(p.String(), "event", "invalid_article")
		}
	}
	for path := range d.reported {
		if _, still := now[path]; !still {
			d.log.Info(path+": no longer invalid", "event", "invalid_article_cleared")
		}
	}
	d.reported = now
}

// Snapshot returns the snapshot being served.
func (d *Daemon) Snapshot() *snapshot.Snapshot { return d.handler.Snapshot() }

// FormatProblems renders problems one per line as "path: reason".
func FormatProblems(ps []feedgen.Problem) string {
	s := ""
	for _, p := range ps {
		s += fmt.Sprintln(p.String())
	}
	return s
}
