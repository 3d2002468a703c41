package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"feedgen/source"
)

// batcher accumulates paths until the quiet window or the max delay ends.
type batcher struct {
	quiet, maxDelay time.Duration
	paths           map[string]struct{}
	rescan          bool
	first           time.Time // start of the pending batch; zero when empty
	timer           *time.Timer
}

func newBatcher(quiet, maxDelay time.Duration) *batcher {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &batcher{quiet: quiet, maxDelay: maxDelay, paths: make(map[string]struct{}), timer: t}
}

func (b *batcher) add(path string) {
	b.paths[path] = struct{}{}
	b.touch()
}

func (b *batcher) setRescan() {
	b.rescan = true
	b.touch()
}

// touch re-arms the timer for whichever comes first: the end of the quiet
// window or the batch's deadline.
func (b *batcher) touch() {
	now := time.Now()
	if b.first.IsZero() {
		b.first = now
	}
	d := min(b.quiet, b.first.Add(b.maxDelay).Sub(now))
	// Since Go 1.23 Reset discards a pending expiry, so no draining needed.
	b.timer.Reset(max(d, 0))
}

// take returns the pending batch and starts a new one.
func (b *batcher) take() Batch {
	out := Batch{Rescan: b.rescan}
	for p := range b.paths {
		out.Paths = append(out.Paths, p)
	}
	slices.Sort(out.Paths)
	clear(b.paths)
	b.rescan = false
	b.first = time.Time{}
	b.timer.Stop()
	return out
}

// notifyLoop turns fsnotify events into batches until Close.
func (w *Watcher) notifyLoop() {
	b := newBatcher(w.quiet, w.maxDel)
	defer b.timer.Stop()
	var (
		rootTicker *time.Ticker
		rootTick   <-chan time.Time // nil unless the root is gone
	)
	defer func() {
		if rootTicker != nil {
			rootTicker.Stop()
		}
	}()
	fallback := time.NewTicker(w.fallbackEvery)
	defer fallback.Stop()
	rootCheck := time.NewTicker(w.rootCheckEvery)
	defer rootCheck.Stop()
	w.noteHealth(false)
	lost := func(why string) {
		w.dropDirs(w.root)
		clear(w.polled)
		b.setRescan()
		w.log.Info(why+"; polling for it", "every", rootPollInterval, "event", "root_lost")
		rootTicker = time.NewTicker(rootPollInterval)
		rootTick = rootTicker.C
	}
	for {
		select {
		case <-w.done:
			return
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return
			}
			if rootTick != nil {
				// Stragglers from before the root vanished; the rescan
				// that follows its return covers them.
				continue
			}
			if w.handleEvent(ev, b) {
				lost("root vanished")
			}
		case err := <-w.fsErrs:
			w.handleError(err, b, rootTick == nil)
		case err := <-w.inject:
			w.handleError(err, b, rootTick == nil)
		case <-rootTick:
			if w.rewatchRoot() {
				rootTicker.Stop()
				rootTicker, rootTick = nil, nil
				b.setRescan()
				w.log.Info("root is back; rescan requested")
			}
		case <-fallback.C:
			if rootTick == nil && len(w.polled) > 0 {
				start := time.Now()
				if start.Sub(w.lastRetry) >= w.retryEvery {
					w.lastRetry = start
					w.retryPolled(b)
				}
				w.pollUnwatched(b)
				// A large unwatched tree takes long to poll (about 10 ms
				// per thousand files): keep polling to a tenth of a core.
				fallback.Reset(max(w.fallbackEvery, 10*time.Since(start)))
			}
		case <-rootCheck.C:
			if rootTick != nil {
				break // already waiting for it to come back
			}
			switch w.checkRoot() {
			case rootGone:
				lost("root vanished (deleted, moved, or a folder above it renamed)")
			case rootReplaced:
				// Follow the path: the folder now there is the source.
				w.log.Warn("root replaced (moved, renamed over, or a file system mounted or unmounted there); following the path", "event", "root_replaced")
				w.dropDirs(w.root)
				clear(w.polled)
				b.setRescan()
				if !w.rewatchRoot() {
					lost("root vanished while being watched again")
				}
			}
		case <-b.timer.C:
			batch := b.take()
			w.log.Debug("batch", "paths", len(batch.Paths), "rescan", batch.Rescan)
			w.emit(batch)
		}
		w.noteHealth(rootTick != nil)
	}
}

// handleEvent records one event and keeps the watch set in step with the
// tree. It returns true when the root itself went away.
func (w *Watcher) handleEvent(ev fsnotify.Event, b *batcher) (rootLost bool) {
	// Chmod alone (touch -a, chmod, the attribute change that precedes
	// some deletes) never changes content.
	if ev.Op&^fsnotify.Chmod == 0 {
		return false
	}
	path := filepath.Clean(ev.Name)
	if path == w.root {
		return ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
	}
	if w.ignored(path) {
		return false
	}
	w.log.Debug("event", "op", ev.Op.String(), "path", path)
	b.add(path)
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		// Must happen before the matching Create of a rename within the
		// tree is handled: inotify watches follow the inode, so stale
		// watches would otherwise report the moved files under old names.
		w.dropDirs(path)
	}
	if ev.Has(fsnotify.Create) {
		// Lstat, not Stat: a symlink to a directory is reported as an
		// entry but never descended into, which rules out loops.
		if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
			w.addTree(path, b)
		}
	}
	return false
}

// handleError treats any watcher error as possible event loss: the consumer
// is told to rescan, and the watch set is rebuilt because the lost events
// may include directories that now exist unwatched.
func (w *Watcher) handleError(err error, b *batcher, rootPresent bool) {
	w.reportErr(fmt.Errorf("watch %s: %w", w.root, err))
	b.setRescan()
	if rootPresent {
		w.resync()
	}
}

// addTree watches dir and every directory below it. With b non-nil it also
// reports everything found, because entries created before the watch was
// in place produced no event of their own (mkdir -p a/b && touch a/b/f).
func (w *Watcher) addTree(dir string, b *batcher) {
	if !w.addWatch(dir, b) {
		return
	}
	onErr := func(d string, err error) {
		w.reportErr(fmt.Errorf("watch %s: %w", d, err))
		if b != nil {
			b.setRescan()
		}
	}
	if b == nil {
		// Nothing to report: only the folders need watches.
		w.walkDirs(dir, func(p string) { w.addWatch(p, nil) }, onErr)
		return
	}
	w.walk(dir, func(p string, fi os.FileInfo) {
		if fi.IsDir() {
			w.addWatch(p, b)
		}
		b.add(p)
	}, onErr)
}

// addWatch adds one directory watch. It reports false when the directory is
// already gone, which is not an error: its removal produces its own event.
func (w *Watcher) addWatch(dir string, b *batcher) bool {
	if err := w.add(dir); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return false
		}
		if limitError(err) {
			// The kernel is out of watches for us: say once how to fix
			// it, and poll this subtree so that no change goes unseen.
			w.limitReached(dir, err, false)
			w.pollInstead(dir, b)
			return false
		}
		// Typically ENOSPC (fs.inotify.max_user_watches) or EACCES: this
		// subtree will go unnoticed, so say so and ask for a rescan.
		w.reportErr(fmt.Errorf("watch %s: %w", dir, err))
		if b != nil {
			b.setRescan()
		}
		return false
	}
	w.dirs[dir] = inodeOf(dir)
	w.unpoll(dir, b)
	return true
}

// add adds one watch, through the test seam when one is set.
func (w *Watcher) add(dir string) error {
	if w.addHook != nil {
		if err := w.addHook(dir); err != nil {
			return err
		}
	}
	return w.fsw.Add(dir)
}

// newNotify creates the inotify (or kqueue) instance, through the test
// seam when one is set.
func newNotify(hook func() error) (*fsnotify.Watcher, error) {
	if hook != nil {
		if err := hook(); err != nil {
			return nil, err
		}
	}
	return fsnotify.NewWatcher()
}

// dropDirs forgets the watches on dir and everything below it. The kernel
// drops watches on deleted directories by itself; this matters for
// directories renamed away, whose watches would keep reporting under the
// old names.
func (w *Watcher) dropDirs(dir string) {
	prefix := dir + string(filepath.Separator)
	dropped := map[uint64]bool{}
	for d, ino := range w.dirs {
		if d != dir && !strings.HasPrefix(d, prefix) {
			continue
		}
		delete(w.dirs, d)
		dropped[ino] = true
		// Errors are expected: fsnotify has often dropped the watch already
		// after IN_DELETE_SELF or IN_MOVE_SELF.
		if err := w.fsw.Remove(d); err != nil {
			w.log.Debug("remove watch", "path", d, "err", err)
		}
	}
	// A directory moved within the tree may already be watched under its
	// new name (mv a b && mv c b/c2: b's walk found c2 before c's rename
	// event came). inotify keeps one watch per inode, so removing the old
	// name removed the new one too: add it again.
	for d, ino := range w.dirs {
		if ino != 0 && dropped[ino] && inodeOf(d) == ino {
			w.log.Debug("re-adding moved watch", "path", d)
			if err := w.fsw.Add(d); err != nil && !errors.Is(err, os.ErrNotExist) {
				w.reportErr(fmt.Errorf("watch %s: %w", d, err))
			}
		}
	}
}

// inodeOf is the inode of path, or 0 (also where the system has none:
// moved watches are then not re-added by inode).
func inodeOf(path string) uint64 {
	fi, err := os.Lstat(path)
	if err != nil {
		return 0
	}
	return source.Inode(fi)
}

// resync makes the watch set match the tree after events were lost. What
// fsnotify actually watches is the reference, not w.dirs, since a lost
// event can leave the two out of step.
func (w *Watcher) resync() {
	for d := range w.dirs {
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			w.dropDirs(d)
		}
	}
	watched := make(map[string]bool)
	for _, p := range w.fsw.WatchList() {
		watched[p] = true
	}
	if !watched[w.root] {
		w.addWatch(w.root, nil)
	}
	w.walkDirs(w.root, func(p string) {
		if !watched[p] {
			w.log.Debug("re-adding lost watch", "path", p)
			w.addWatch(p, nil)
		}
	}, func(d string, err error) {
		w.reportErr(fmt.Errorf("watch %s: %w", d, err))
	})
}

// rewatchRoot re-establishes the watches once the root exists again and
// reports whether it did.
func (w *Watcher) rewatchRoot() bool {
	fi, err := os.Stat(w.root)
	if err != nil || !fi.IsDir() {
		return false
	}
	if err := w.add(w.root); err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			w.reportErr(fmt.Errorf("watch %s: %w", w.root, err))
		}
		return false
	}
	w.dirs[w.root] = inodeOf(w.root)
	w.noteRoot()
	w.addTree(w.root, nil)
	return true
}
