package diskout

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"feedgen/snapshot"
)

// Stream writes one complete set of files one at a time: each Put writes
// (or confirms) one file at once, and Finish then deletes the owned files
// that no Put named, exactly as Write does for a snapshot. A producer can
// therefore drop each file after Put instead of holding the whole set.
//
// A Stream holds the Writer from Begin until Finish or Abort, so one of them
// must always be called. A Stream is not safe for concurrent use.
type Stream struct {
	w      *Writer
	root   *os.Root
	keep   map[string]bool // rel paths Put (also when the write failed)
	synced map[string]bool // directories that got a rename
	res    Result
	errs   []error
	ended  bool
	// removed are the paths Finish removed (RemovedPaths).
	removed []string
}

// RemovedPaths are the paths of the files Finish removed, with a leading
// slash like snapshot paths (a build pings WebSub hubs about them).
func (s *Stream) RemovedPaths() []string { return s.removed }

// Begin starts a stream. It fails only when the output directory cannot be
// opened; nothing is locked then.
func (w *Writer) Begin() (*Stream, error) {
	w.mu.Lock()
	// The directory may have been deleted or replaced since the last
	// stream: it is made again and written in full.
	if err := w.reattach(); err != nil {
		w.mu.Unlock()
		return nil, err
	}
	root, err := os.OpenRoot(w.dir)
	if err != nil {
		w.mu.Unlock()
		return nil, fmt.Errorf("diskout: %w", err)
	}
	return &Stream{w: w, root: root, keep: make(map[string]bool), synced: make(map[string]bool)}, nil
}

var errEnded = errors.New("diskout: stream already finished")

// Put makes f's path hold f's identity bytes: replaced atomically when they
// differ, left untouched when equal. It reports whether it wrote. A compact
// file (Body nil) is decompressed straight into the temporary file. An
// unsafe path or an I/O failure is returned (and again, joined, by Finish);
// a path that failed I/O still counts as present, so Finish will not delete
// the old file there. Put a path at most once per stream.
func (s *Stream) Put(f *snapshot.File) (bool, error) {
	if s.ended {
		return false, errEnded
	}
	w := s.w
	rel, err := w.localPath(f.Path)
	if err != nil {
		s.errs = append(s.errs, err)
		return false, err
	}
	s.keep[rel] = true
	written, err := w.writeFile(s.root, rel, f)
	switch {
	case err != nil:
		delete(w.onDisk, rel)
		err = writeError(w.dir, rel, err)
		s.errs = append(s.errs, err)
		return false, err
	case written:
		s.res.Written++
		s.synced[filepath.Dir(filepath.FromSlash(rel))] = true
		w.note(s.root, rel, f.ETag)
	default:
		s.res.Unchanged++
		if w.manifest != nil {
			if tag, _, ok := w.manifest.Lookup(rel); !ok || tag != f.ETag {
				w.note(s.root, rel, f.ETag)
			}
		}
	}
	w.onDisk[rel] = f.ETag
	return written, nil
}

// Keep tells the stream that path must hold the bytes tagged etag, without
// the bytes: it reports true, and the file counts as Put, when the manifest
// says the file there holds them and the file was not touched since. On
// false the caller must Put the file.
func (s *Stream) Keep(path, etag string) bool {
	if s.ended {
		return false
	}
	rel, err := s.w.localPath(path)
	if err != nil {
		return false
	}
	fi, err := s.root.Lstat(filepath.FromSlash(rel))
	if err != nil || !s.w.trusted(rel, fi, etag) {
		return false
	}
	s.keep[rel] = true
	s.res.Unchanged++
	s.w.onDisk[rel] = etag
	return true
}

// Finish ends the stream: it makes the renames durable, deletes the owned
// files that no Put named (and the category and tag directories this
// leaves empty), and returns what the whole stream did with every error of
// the stream joined, those Put already returned included.
func (s *Stream) Finish() (Result, error) {
	if s.ended {
		return s.res, errEnded
	}
	defer s.end()
	w := s.w
	s.syncDirs()
	removed, err := w.removeStale(s.root, s.keep)
	s.res.Removed, s.removed = len(removed), removed
	if err != nil {
		s.errs = append(s.errs, err)
	}
	if w.manifest != nil {
		if err := w.manifest.Flush(); err != nil {
			// Only a later run's speed depends on it.
			w.log.Warn("diskout: cannot record the output in the state", "err", err)
		}
	}
	if s.res.Written > 0 || s.res.Removed > 0 {
		w.log.Info("diskout: wrote snapshot", "dir", w.dir, "written", s.res.Written, "removed", s.res.Removed, "unchanged", s.res.Unchanged)
	}
	return s.res, errors.Join(s.errs...)
}

// Abort ends the stream without deleting anything: for a producer that
// failed before it could Put every file, whose missing files must not be
// taken for stale ones. Files already Put stay written. Abort after Finish
// does nothing, so it can be deferred.
func (s *Stream) Abort() {
	if s.ended {
		return
	}
	s.syncDirs()
	s.end()
}

// syncDirs makes the renames durable. Without this a crash could still
// bring back the old file, which is allowed (it is complete), so failures
// are logged rather than returned.
func (s *Stream) syncDirs() {
	for d := range s.synced {
		if err := syncDir(s.root, d); err != nil {
			s.w.log.Warn("diskout: cannot sync directory", "dir", d, "err", err)
		}
	}
}

// end releases the root and the Writer, once.
func (s *Stream) end() {
	s.ended = true
	_ = s.root.Close()
	s.w.mu.Unlock()
}
