package watch

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// defaultFallbackPoll is how often the folders the kernel would not let us
// watch are polled instead: a stat of their entries, cheap next to missing
// a change.
const defaultFallbackPoll = time.Second

// defaultRetryWatch is how often watching the polled folders is tried
// again, so that raising the limit brings back inotify without a restart.
const defaultRetryWatch = time.Minute

// limitError reports whether err is the kernel refusing a watch for lack of
// resources rather than anything about the folder: inotify's
// max_user_watches (ENOSPC) or max_user_instances (EMFILE), or, where each
// watch is a descriptor (kqueue), the open-file limit (EMFILE, ENFILE).
func limitError(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) ||
		errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}

// limitFix says how to lift the limit behind err, in the operator's terms.
// instance is true when the watcher itself could not be created (inotify's
// per-user number of instances) rather than one more watch added.
func limitFix(err error, instance bool) string {
	switch {
	case runtime.GOOS != "linux":
		return "raise the open-file limit (ulimit -n, or LimitNOFILE= in the service unit), or run with -poll"
	case instance && errors.Is(err, syscall.EMFILE):
		return "raise it with: sysctl -w fs.inotify.max_user_instances=1024 (persist it in /etc/sysctl.d/), or run with -poll"
	case errors.Is(err, syscall.ENOSPC):
		return "raise it with: sysctl -w fs.inotify.max_user_watches=524288 (persist it in /etc/sysctl.d/), or run with -poll"
	}
	return "raise the open-file limit (ulimit -n, or LimitNOFILE= in the service unit) or fs.inotify.max_user_instances, or run with -poll"
}

// limitReached logs once per Watcher that the kernel refused a watch, with
// the fix, and reports the error on Errors that first time; later refusals
// are only debug lines, since one is enough for the operator to act.
func (w *Watcher) limitReached(path string, err error, instance bool) {
	if w.limitLogged {
		w.log.Debug("cannot watch, polling instead", "path", path, "err", err)
		return
	}
	w.limitLogged = true
	what := "some folders"
	if instance {
		what = "the source directory"
	}
	w.log.Warn(fmt.Sprintf("the system's limit on watches is reached: polling %s every %v instead; %s", what, w.fallbackEvery, limitFix(err, instance)),
		"path", path, "err", err, "event", "watch_limit")
	select {
	case w.errs <- fmt.Errorf("watch %s: %w", path, err):
	default:
	}
}

// pollInstead starts polling dir and everything below it, which the kernel
// would not let us watch. With b non-nil what dir holds now is reported
// too, as addTree would have reported it: it appeared before any poll.
func (w *Watcher) pollInstead(dir string, b *batcher) {
	for p := dir; p != w.root && len(p) > len(w.root); p = filepath.Dir(p) {
		if _, ok := w.polled[p]; ok {
			return // an ancestor is polled already, which covers dir
		}
	}
	if len(w.polled) == 0 {
		w.lastRetry = time.Now() // the limit was just hit: retry later
	}
	snap := w.scanDir(dir)
	w.polled[dir] = snap
	if b != nil {
		for p := range snap {
			b.add(p)
		}
	}
}

// scanDir records the state of everything below dir (not dir itself).
// A folder that cannot be read is skipped: it is polled again next time.
func (w *Watcher) scanDir(dir string) map[string]fileState {
	snap := make(map[string]fileState)
	w.walk(dir, func(p string, fi os.FileInfo) {
		snap[p] = fileState{size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
	}, func(string, error) {})
	return snap
}

// pollUnwatched compares every polled folder with its last scan and adds
// what changed to b. A polled folder that is gone is dropped: its removal
// was reported by its parent's watch (or by the rescan of a vanished root).
func (w *Watcher) pollUnwatched(b *batcher) {
	for dir, old := range w.polled {
		if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
			delete(w.polled, dir)
			for p := range old {
				b.add(p)
			}
			continue
		}
		cur := w.scanDir(dir)
		for _, p := range diffSnapshots(old, cur) {
			b.add(p)
		}
		w.polled[dir] = cur
	}
}

// unpoll stops polling dir once it is watched after all (the limit was
// raised and a rescan re-added it), reporting the changes since its last
// poll so that none falls between the two.
func (w *Watcher) unpoll(dir string, b *batcher) {
	old, ok := w.polled[dir]
	if !ok {
		return
	}
	delete(w.polled, dir)
	if b == nil {
		return
	}
	for _, p := range diffSnapshots(old, w.scanDir(dir)) {
		b.add(p)
	}
}

// dropPolled forgets the polled folders at or below dir.
func (w *Watcher) dropPolled(dir string) {
	prefix := dir + string(filepath.Separator)
	for p := range w.polled {
		if p == dir || strings.HasPrefix(p, prefix) {
			delete(w.polled, p)
		}
	}
}

// retryPolled tries again to watch each polled folder and what is below
// it, for when the limit was raised. The watches are added first and the
// folder compared with its last poll after, so that a change falls in one
// or the other. Folders still refused are polled as before, silently.
func (w *Watcher) retryPolled(b *batcher) {
	dirs := make([]string, 0, len(w.polled))
	for d := range w.polled {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		old, ok := w.polled[dir]
		if !ok {
			continue
		}
		if err := w.add(dir); err != nil {
			continue
		}
		delete(w.polled, dir)
		w.dirs[dir] = inodeOf(dir)
		w.walkDirs(dir, func(p string) { w.addWatch(p, nil) }, func(string, error) {})
		for _, p := range diffSnapshots(old, w.scanDir(dir)) {
			b.add(p)
		}
		w.log.Info("watching again a folder that was polled", "path", dir)
	}
}
