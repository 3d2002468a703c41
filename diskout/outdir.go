package diskout

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// dirState tells what happened to the output directory since the Writer
// last looked: nothing, missing (deleted, or a parent moved away) or
// replaced by another directory (a different device or inode).
type dirState int

const (
	dirSame dirState = iota
	dirMissing
	dirReplaced
)

// String is the word the log uses for the state.
func (d dirState) String() string {
	switch d {
	case dirMissing:
		return "missing"
	case dirReplaced:
		return "replaced"
	}
	return "unchanged"
}

// checkDir compares the output directory with what the Writer last saw.
// Must be called with w.mu held.
func (w *Writer) checkDir() (dirState, fs.FileInfo) {
	fi, err := os.Stat(w.dir)
	switch {
	case err != nil || !fi.IsDir():
		return dirMissing, nil
	case w.dirInfo != nil && !os.SameFile(w.dirInfo, fi):
		return dirReplaced, fi
	}
	return dirSame, fi
}

// DirChanged reports whether the output directory was deleted or replaced
// since the last write: a daemon calls it periodically, since nothing else
// would tell it, and writes the whole snapshot again when it is true.
func (w *Writer) DirChanged() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, _ := w.checkDir()
	return st != dirSame
}

// reattach makes sure the output directory exists before a write, and
// forgets what the Writer believed was in it when it is not the directory
// it wrote to before, so that every file is written again. Must be called
// with w.mu held.
func (w *Writer) reattach() error {
	st, fi := w.checkDir()
	if st == dirMissing {
		if err := os.MkdirAll(w.dir, 0o755); err != nil {
			return fmt.Errorf("diskout: %s: %w", w.dir, err)
		}
		if fi2, err := os.Stat(w.dir); err == nil {
			fi = fi2
		}
	}
	if st != dirSame {
		if w.dirInfo != nil {
			w.log.Warn("diskout: the output directory was "+st.String()+"; writing it again in full", "dir", w.dir)
		}
		clear(w.onDisk)
	}
	if fi == nil {
		return fmt.Errorf("diskout: %s: %w", w.dir, errors.New("not a directory"))
	}
	w.dirInfo = fi
	return nil
}
