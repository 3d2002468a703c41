// Package watch reports changes below a directory tree as debounced batches
// of paths.
//
// Consumers are expected to re-read whatever a batch names rather than trust
// the kind of change: a path that no longer exists was deleted, a directory
// path stands for its whole subtree, and Rescan means events were lost and
// only a full walk can restore the truth. Keeping the contract that coarse is
// what lets the watcher survive editors' save dances, renames, overflowing
// kernel queues and a root that disappears and comes back.
//
// Two backends feed the same stream: inotify (via fsnotify) by default, and a
// polling scanner for file systems that do not deliver notifications, such as
// NFS, SMB and many container bind mounts.
//
// The machine can get in the way too. When the kernel refuses a watch (the
// per-user limits on inotify watches and instances, or the open-file limit
// where watches are descriptors), the folders it refused are polled instead
// and the fix is logged once. A source directory moved away, replaced or
// mounted over produces no event at all; a stat of the root each second
// compares its device and inode and follows the path (limits.go,
// rootcheck.go).
package watch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"feedgen/source"
)

// Defaults used when the corresponding Options field is zero.
const (
	// DefaultQuiet is long enough to fold an editor's write-temp-then-rename
	// or truncate-then-write into one batch, yet short enough to feel instant.
	DefaultQuiet = 50 * time.Millisecond
	// DefaultMaxDelay bounds latency when something writes continuously
	// (a sync tool, a log being appended) and the tree never goes quiet.
	DefaultMaxDelay = 500 * time.Millisecond
	// rootPollInterval is how often a vanished root is checked for; inotify
	// cannot watch a path that does not exist.
	rootPollInterval = 100 * time.Millisecond
	// errorBuffer is how many errors may wait for a reader before further
	// ones are only logged, so an absent reader never stalls watching.
	errorBuffer = 16
)

// Options configures a Watcher. The zero value is usable.
type Options struct {
	// Quiet is the quiet window: a batch is emitted once no event arrived
	// for this long (default DefaultQuiet).
	Quiet time.Duration
	// MaxDelay is the longest a batch is held after its first event, so a
	// constant stream still publishes (default DefaultMaxDelay).
	MaxDelay time.Duration
	// Poll, when positive, replaces inotify by rescanning the tree every
	// Poll, for mounts where the kernel never sees the writes.
	Poll time.Duration
	// Ignore is an optional extra filter, given the path relative to the
	// root (OS separators, as from filepath.Rel). The rule of package
	// source always applies as well: paths that source.Skipped skips
	// (hidden, editor, VCS and download helper files) are never reported.
	// Ignored directories are not descended into.
	Ignore func(relPath string) bool
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger

	// Test seams (limits.go, rootcheck.go): faults injected into creating
	// the inotify instance and adding a watch, and shorter intervals.
	initHook       func() error
	addHook        func(dir string) error
	fallbackEvery  time.Duration
	retryEvery     time.Duration
	rootCheckEvery time.Duration
}

// Batch is one debounced set of changes.
type Batch struct {
	// Paths are absolute, cleaned, sorted and de-duplicated: files created,
	// written, removed or renamed (both names), and directories created or
	// removed. The consumer should stat each one rather than assume why it
	// is listed.
	Paths []string
	// Rescan is set when events may have been lost (queue overflow, watcher
	// error, root vanished or reappeared); Paths is then incomplete and the
	// consumer must rescan the whole tree.
	Rescan bool
}

// Watcher watches one directory tree. It is safe to call Close from any
// goroutine; Batches and Errors are meant for one reader each.
type Watcher struct {
	root   string
	quiet  time.Duration
	maxDel time.Duration
	poll   time.Duration
	ignore func(string) bool
	log    *slog.Logger

	fsw    *fsnotify.Watcher // nil in poll mode
	fsErrs chan error        // fsw.Errors, drained without blocking
	// dirs are the directories we asked fsnotify to watch; only the event
	// loop goroutine touches it after New returns.
	dirs map[string]uint64 // path → inode
	// snap is the poll-mode view of the tree; only the poll goroutine
	// touches it after New returns.
	snap map[string]fileState
	// failing holds poll-mode paths whose last read failed, so a lasting
	// problem is reported once rather than on every tick.
	failing map[string]bool
	// polled holds, in inotify mode, the folders the kernel would not let
	// us watch (a limit was reached) with their last scan; they are polled
	// every fallbackEvery instead. Only the event loop touches it after New.
	polled        map[string]map[string]fileState
	fallbackEvery time.Duration
	retryEvery    time.Duration
	lastRetry     time.Time
	limitLogged   bool
	health        health // what Health reports (health.go)
	// rootInfo is the folder watched as the root, to notice the path
	// naming another one (rootcheck.go).
	rootInfo       os.FileInfo
	rootCheckEvery time.Duration
	addHook        func(dir string) error

	emitCh  chan Batch // producer -> emitter; see emitLoop
	batches chan Batch
	errs    chan error
	done    chan struct{}
	// inject lets tests feed the error path that a real queue overflow would
	// take, which cannot be provoked reliably.
	inject chan error

	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// New starts watching root recursively. root must exist and be a directory
// (a symlink to one is accepted); it is made absolute so that reported paths
// are too. Watches are in place when New returns, so changes made afterwards
// are not missed.
func New(root string, opts Options) (*Watcher, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", root, err)
	}
	abs = filepath.Clean(abs)
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch %s: %w", abs, errNotDir)
	}

	w := &Watcher{
		root:    abs,
		quiet:   opts.Quiet,
		maxDel:  opts.MaxDelay,
		poll:    opts.Poll,
		log:     opts.Logger,
		dirs:    make(map[string]uint64),
		emitCh:  make(chan Batch),
		batches: make(chan Batch),
		errs:    make(chan error, errorBuffer),
		done:    make(chan struct{}),
		inject:  make(chan error),
		polled:  make(map[string]map[string]fileState),

		fallbackEvery:  opts.fallbackEvery,
		retryEvery:     opts.retryEvery,
		rootCheckEvery: opts.rootCheckEvery,
		addHook:        opts.addHook,
	}
	if w.fallbackEvery <= 0 {
		w.fallbackEvery = defaultFallbackPoll
	}
	if w.retryEvery <= 0 {
		w.retryEvery = defaultRetryWatch
	}
	if w.rootCheckEvery <= 0 {
		w.rootCheckEvery = defaultRootCheck
	}
	if w.quiet <= 0 {
		w.quiet = DefaultQuiet
	}
	if w.maxDel <= 0 {
		w.maxDel = DefaultMaxDelay
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("root", abs)
	extra := opts.Ignore
	w.ignore = func(rel string) bool {
		return source.Skipped(filepath.ToSlash(rel)) || (extra != nil && extra(rel))
	}

	startPolling := func() (*Watcher, error) {
		snap, err := w.scan(nil)
		if err != nil {
			return nil, fmt.Errorf("watch %s: %w", abs, err)
		}
		w.snap = snap
		w.start(w.pollLoop)
		return w, nil
	}
	if w.poll > 0 {
		return startPolling()
	}

	fsw, err := newNotify(opts.initHook)
	if err != nil {
		if limitError(err) {
			// No inotify instance left for this user: poll the whole
			// tree rather than refuse to run.
			w.limitReached(abs, err, true)
			w.poll = w.fallbackEvery
			return startPolling()
		}
		return nil, fmt.Errorf("watch %s: %w", abs, err)
	}
	w.fsw = fsw
	// Only the root's own failure is fatal: a subdirectory that cannot be
	// watched (permissions, a race with its removal) is reported and
	// skipped, which matches how a later mkdir is handled.
	if err := w.add(abs); err != nil {
		_ = fsw.Close()
		w.fsw = nil
		if limitError(err) {
			w.limitReached(abs, err, true)
			w.poll = w.fallbackEvery
			return startPolling()
		}
		return nil, fmt.Errorf("watch %s: %w", abs, err)
	}
	w.dirs[abs] = inodeOf(abs)
	w.noteRoot()
	w.addTree(abs, nil)
	// fsnotify may send an error while holding the lock that Add, Remove
	// and Close take (on IN_MOVE_SELF). If the goroutine that drains its
	// Errors is also the one calling Remove, both wait for ever; so errors
	// are drained by a goroutine of their own that never blocks.
	w.fsErrs = make(chan error, errorBuffer)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		for err := range fsw.Errors {
			select {
			case w.fsErrs <- err:
			default: // the queue holds errors already, each of which asks for a rescan
			}
		}
	}()
	w.start(w.notifyLoop)
	return w, nil
}

var errNotDir = errors.New("not a directory")

// start runs producer and the emitter that decouples it from the consumer.
func (w *Watcher) start(producer func()) {
	w.wg.Add(2)
	go func() {
		defer w.wg.Done()
		w.emitLoop()
	}()
	go func() {
		defer w.wg.Done()
		producer()
	}()
}

// Batches delivers debounced changes. It is closed by Close. A slow reader
// never blocks watching: undelivered batches are merged into one.
func (w *Watcher) Batches() <-chan Batch { return w.batches }

// Errors delivers non-fatal problems (a subtree that could not be watched or
// read, a watcher error). Every error that can lose events is also signalled
// as Batch.Rescan, so reading this channel is optional; when nobody reads it,
// errors are only logged. It is closed by Close.
func (w *Watcher) Errors() <-chan error { return w.errs }

// Close stops watching, waits for the internal goroutines and closes the
// Batches and Errors channels; a batch still being debounced is dropped.
// Calling it again returns the first call's result.
func (w *Watcher) Close() error {
	w.closeOnce.Do(func() {
		close(w.done)
		if w.fsw != nil {
			if err := w.fsw.Close(); err != nil {
				w.closeErr = fmt.Errorf("watch %s: %w", w.root, err)
			}
		}
		w.wg.Wait()
		close(w.errs)
	})
	return w.closeErr
}

// emitLoop hands batches to the consumer. Producers must keep draining the
// kernel queue even while the consumer is busy, or the queue overflows and
// everything degrades to a rescan; so batches the consumer has not taken
// yet are merged here instead of blocking the producer.
func (w *Watcher) emitLoop() {
	defer close(w.batches)
	var (
		pending Batch
		have    bool
	)
	for {
		var out chan<- Batch
		if have {
			out = w.batches
		}
		select {
		case b := <-w.emitCh:
			if have {
				pending = mergeBatches(pending, b)
			} else {
				pending, have = b, true
			}
		case out <- pending:
			pending, have = Batch{}, false
		case <-w.done:
			return
		}
	}
}

// emit passes b to the emitter; it only blocks for as long as the emitter
// takes to merge, and gives up when the Watcher is closing.
func (w *Watcher) emit(b Batch) {
	if len(b.Paths) == 0 && !b.Rescan {
		return
	}
	select {
	case w.emitCh <- b:
	case <-w.done:
	}
}

func mergeBatches(a, b Batch) Batch {
	paths := append(slices.Clone(a.Paths), b.Paths...)
	slices.Sort(paths)
	return Batch{Paths: slices.Compact(paths), Rescan: a.Rescan || b.Rescan}
}

// reportErr publishes a non-fatal error without ever blocking on a reader.
func (w *Watcher) reportErr(err error) {
	w.log.Warn("watch error", "err", err)
	select {
	case w.errs <- err:
	default:
		w.log.Debug("error dropped: Errors channel full", "err", err)
	}
}

// ignored applies the filters to an absolute path below the root. The root
// itself is never ignored; paths outside it always are.
func (w *Watcher) ignored(path string) bool {
	if path == w.root {
		return false
	}
	rel, err := filepath.Rel(w.root, path)
	if err != nil {
		return true
	}
	return w.ignore(rel)
}

// walkDirs calls fn for every non-ignored directory below dir (not dir
// itself), without following symlinks. It reads each directory in chunks
// and asks the entry types the directory itself gives, with no stat per
// entry: a folder of a million articles costs a pass over its names, not
// a million stats and a million-entry list in memory. Errors are handled
// as by walk.
func (w *Watcher) walkDirs(dir string, fn func(path string), onErr func(dir string, err error)) {
	f, err := os.Open(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			onErr(dir, err)
		}
		return
	}
	var subdirs []string
	for {
		entries, err := f.ReadDir(1024)
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if !w.ignored(p) {
				subdirs = append(subdirs, p)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				onErr(dir, err)
			}
			break
		}
	}
	f.Close()
	for _, p := range subdirs {
		fn(p)
		w.walkDirs(p, fn, onErr)
	}
}

// walk calls fn for every non-ignored entry below dir (not dir itself),
// without following symlinks, so a link back up the tree cannot loop.
// A directory that vanishes mid-walk is skipped silently; other read errors
// are passed to onErr and the subtree is skipped.
func (w *Watcher) walk(dir string, fn func(path string, fi os.FileInfo), onErr func(dir string, err error)) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			onErr(dir, err)
		}
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if w.ignored(p) {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			// Removed between ReadDir and Lstat: the removal event (or the
			// next poll) covers it.
			continue
		}
		fn(p, fi)
		if fi.IsDir() {
			w.walk(p, fn, onErr)
		}
	}
}
