package watch

import (
	"os"
	"time"
)

// defaultRootCheck is how often the root's identity is checked. inotify
// says nothing when a folder above the root is renamed, when the root is
// replaced by a rename over it, or when a file system is mounted or
// unmounted there: the watches follow the old folder, wherever it went. A
// stat a second finds it.
const defaultRootCheck = time.Second

// rootChange is what the periodic check found.
type rootChange int

const (
	rootSame     rootChange = iota
	rootGone                // the path names nothing (or not a folder)
	rootReplaced            // the path names another folder (moved, replaced, mounted or unmounted)
)

// checkRoot compares the folder at the root's path with the one watched.
func (w *Watcher) checkRoot() rootChange {
	fi, err := os.Stat(w.root)
	switch {
	case err != nil || !fi.IsDir():
		return rootGone
	case w.rootInfo != nil && !os.SameFile(w.rootInfo, fi):
		return rootReplaced
	}
	return rootSame
}

// noteRoot remembers the identity of the folder now at the root's path.
func (w *Watcher) noteRoot() {
	if fi, err := os.Stat(w.root); err == nil {
		w.rootInfo = fi
	}
}
