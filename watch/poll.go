package watch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"
)

// fileState is what polling compares between scans. Size and mtime catch
// content changes (mtime alone misses writes within the file system's
// timestamp granularity, size alone misses same-length edits).
type fileState struct {
	size  int64
	mtime time.Time
	mode  fs.FileMode
}

// pollLoop rescans the tree every Poll and emits the differences. Each
// tick's diff is already a natural batch, so no extra debouncing is done.
func (w *Watcher) pollLoop() {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	rootGone := false
	for {
		select {
		case <-w.done:
			return
		case err := <-w.inject:
			w.reportErr(fmt.Errorf("watch %s: %w", w.root, err))
			w.emit(Batch{Rescan: true})
		case <-t.C:
			snap, err := w.scan(w.snap)
			switch {
			case errors.Is(err, os.ErrNotExist) || errors.Is(err, errNotDir):
				if !rootGone {
					rootGone = true
					w.snap = nil
					w.log.Info("root vanished; polling for it")
					w.emit(Batch{Rescan: true})
				}
				continue
			case err != nil:
				// The root itself is unreadable; keep the old view rather
				// than report the whole tree as deleted.
				if !w.failing[w.root] {
					w.reportErr(fmt.Errorf("watch %s: %w", w.root, err))
				}
				w.failing = map[string]bool{w.root: true}
				continue
			}
			if rootGone {
				rootGone = false
				w.snap = snap
				w.log.Info("root is back; rescan requested")
				w.emit(Batch{Rescan: true})
				continue
			}
			paths := diffSnapshots(w.snap, snap)
			w.snap = snap
			if len(paths) > 0 {
				w.emit(Batch{Paths: paths})
			}
		}
	}
}

// scan records the tree's state. A subdirectory that cannot be read keeps
// its entries from prev, so a transient permission or I/O error is not
// mistaken for a mass deletion. An error is returned only for the root.
func (w *Watcher) scan(prev map[string]fileState) (map[string]fileState, error) {
	fi, err := os.Stat(w.root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, errNotDir
	}
	if _, err := os.ReadDir(w.root); err != nil {
		return nil, err
	}
	snap := make(map[string]fileState, len(prev))
	var failed []string
	failing := make(map[string]bool)
	w.walk(w.root, func(p string, fi os.FileInfo) {
		snap[p] = fileState{size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode()}
	}, func(d string, err error) {
		if !w.failing[d] {
			w.reportErr(fmt.Errorf("watch %s: %w", d, err))
		}
		failing[d] = true
		failed = append(failed, d)
	})
	w.failing = failing
	for _, d := range failed {
		prefix := d + string(os.PathSeparator)
		for p, st := range prev {
			if strings.HasPrefix(p, prefix) {
				snap[p] = st
			}
		}
	}
	return snap, nil
}

// diffSnapshots lists paths created, removed or changed between two scans.
// Directories count only when created, removed or replaced by another type:
// their mtime changes whenever an entry does, and those entries are listed
// themselves. Permission-only changes are ignored, like Chmod events.
func diffSnapshots(old, cur map[string]fileState) []string {
	var paths []string
	for p, c := range cur {
		o, ok := old[p]
		switch {
		case !ok, o.mode.Type() != c.mode.Type():
			paths = append(paths, p)
		case c.mode.IsDir():
		case o.size != c.size || !o.mtime.Equal(c.mtime):
			paths = append(paths, p)
		}
	}
	for p := range old {
		if _, ok := cur[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return paths
}
