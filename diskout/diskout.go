// Package diskout mirrors snapshots into a directory that a plain static
// web server (or a human) can serve, without ever exposing a torn file and
// without disturbing files it did not create.
//
// All file system access goes through an os.Root opened on the output
// directory, so even a symlink planted inside the tree cannot make a write
// or a removal land outside it; the lexical path checks come first so that
// bad paths fail with a clear message.
//
// The files follow the jobs: the Writer and its whole-snapshot Write here;
// the file-by-file Stream (stream.go); the atomic replacement of one file
// (replace.go); the path checks (pathsafety.go); the names the Writer owns
// and the removal of stale and leftover files (owned.go, stale.go); the
// record carried between runs (manifest.go); noticing a deleted or replaced
// directory (outdir.go); and fault injection (faults.go).
package diskout

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"feedgen/snapshot"
)

// TempPrefix starts the name of every temporary file the Writer creates, so
// that New can recognise and delete the leftovers of a killed process
// without any risk of deleting a user's file.
const TempPrefix = ".feedgen-tmp-"

// Writer keeps an output directory equal to the snapshots it is given,
// either whole (Write) or file by file (Begin, Put, Finish), so that a
// producer can write each file as soon as it has it and then let it go.
// Safe for concurrent use; writes (a Write, or a stream from Begin to
// Finish) are serialised. Two Writers (or two processes) on one directory
// are not supported.
type Writer struct {
	dir string
	log *slog.Logger

	mu sync.Mutex
	// onDisk remembers, per slash path relative to dir, the ETag of the
	// bytes this Writer put (or found) there, so that later writes can skip
	// reading files back to know they are unchanged. Tags, not Files: the
	// Writer must not keep the bodies of every file it wrote alive (a
	// daemon that compacts its files would otherwise hold their identity
	// bytes through this map).
	onDisk map[string]string
	// manifest, when set, carries onDisk's knowledge across runs.
	manifest Manifest
	// dirInfo is the output directory as last seen, to notice it being
	// deleted or replaced behind the Writer's back (outdir.go).
	dirInfo fs.FileInfo
	// faults, when set, injects write failures (SetFaults).
	faults FaultFunc
}

// Result counts what one Write did, for logs and tests.
type Result struct {
	Written   int // files created or replaced
	Removed   int // stale owned files deleted
	Unchanged int // files already holding the right bytes, left untouched
}

// New returns a Writer for dir, creating it if needed and deleting
// temporary files left by a previous run that was killed mid-write. A nil
// logger discards.
func New(dir string, logger *slog.Logger) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("diskout: empty output directory")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("diskout: %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("diskout: %w", err)
	}
	w := &Writer{dir: abs, log: logger, onDisk: make(map[string]string)}
	if w.dirInfo, err = os.Stat(abs); err != nil {
		return nil, fmt.Errorf("diskout: %w", err)
	}
	if err := w.removeTemps(); err != nil {
		return nil, err
	}
	return w, nil
}

// Dir returns the absolute output directory.
func (w *Writer) Dir() string { return w.dir }

// Write makes the directory match s: files of s that differ are replaced
// atomically, identical ones are left untouched (so their mtimes keep
// meaning "last changed"), and owned files not in s are deleted. Paths that
// fail validation or I/O are reported in the joined error; every other
// file is still processed, so one bad path cannot block a whole rebuild.
// It is a stream (Begin) over the files of s.
func (w *Writer) Write(s *snapshot.Snapshot) (Result, error) {
	if s == nil {
		return Result{}, errors.New("diskout: nil snapshot")
	}
	st, err := w.Begin()
	if err != nil {
		return Result{}, err
	}
	for _, p := range s.Paths() {
		_, _ = st.Put(s.Get(p)) // Finish reports every error of the stream
	}
	return st.Finish()
}
