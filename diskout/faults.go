package diskout

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Op names a step of replacing a file, for fault injection.
type Op string

// The steps of an atomic replacement, in order.
const (
	OpMkdir  Op = "mkdir"  // creating the file's folder
	OpCreate Op = "create" // creating the temporary file
	OpWrite  Op = "write"  // writing its bytes (a fault here cuts the write in the middle)
	OpSync   Op = "sync"   // flushing it to the disk
	OpRename Op = "rename" // renaming it over the published name
)

// FaultFunc decides whether the step op on the slash path rel (relative to
// the output directory) fails, and with what error; nil lets it run. It
// stands for the faults a real disk gives (ENOSPC, EIO, EDQUOT) where they
// are hard to cause, so the tests of every OS exercise the same recovery.
type FaultFunc func(op Op, rel string) error

// SetFaults makes every later write consult f before each step (nil: no
// faults). For tests.
func (w *Writer) SetFaults(f FaultFunc) {
	w.mu.Lock()
	w.faults = f
	w.mu.Unlock()
}

// fault returns the injected error for op on rel, if any.
func (w *Writer) fault(op Op, rel string) error {
	if w.faults == nil {
		return nil
	}
	return w.faults(op, rel)
}

// cutWriter writes half of what it is given and then fails, as a write
// does when the disk fills up in the middle of a file.
type cutWriter struct {
	w   io.Writer
	err error
}

func (c *cutWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p[:len(p)/2])
	if err != nil {
		return n, err
	}
	return n, c.err
}

// dirState tells what happened to the output directory since the Writer
// last looked: nothing, missing (deleted, or a parent moved away) or
// replaced by another directory (a different device or inode).
type dirState int

const (
	dirSame dirState = iota
	dirMissing
	dirReplaced
)

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

// writeError names the published file a failed write was for, with the
// cause alone: the operation and the temporary file's name that the os
// package adds mean nothing to the user ("writing public/rss.xml: no space
// left on device"). The cause stays wrapped, for errors.Is.
func writeError(dir, rel string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	} else if le := (*os.LinkError)(nil); errors.As(err, &le) {
		err = le.Err
	}
	return fmt.Errorf("writing %s: %w", filepath.Join(dir, filepath.FromSlash(rel)), err)
}
