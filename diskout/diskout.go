// Package diskout mirrors snapshots into a directory that a plain static
// web server (or a human) can serve, without ever exposing a torn file and
// without disturbing files it did not create.
//
// All file system access goes through an os.Root opened on the output
// directory, so even a symlink planted inside the tree cannot make a write
// or a removal land outside it; the lexical path checks come first so that
// bad paths fail with a clear message.
package diskout

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// TempPrefix starts the name of every temporary file the Writer creates, so
// that New can recognise and delete the leftovers of a killed process
// without any risk of deleting a user's file.
const TempPrefix = ".feedgen-tmp-"

// Names of the files the Writer considers its own when deciding what is
// stale, all from package layout: the feed files and the feed's page at the
// top and in each category and tag folder, and the OPML list at the top.
// Anything else in the directory belongs to the user.
var (
	ownedFeeds = withPrecompressed(append(feedFileNames(), layout.PageFile))
	ownedTop   = withPrecompressed(append(feedFileNames(), strings.TrimPrefix(layout.IndexPath, "/"), strings.TrimPrefix(layout.OPMLPath, "/")))
	ownedDirs  = []string{layout.KindCategory.Folder(), layout.KindTag.Folder()}
	// ownedArchive are the names of an archive month's files.
	ownedArchive = func() map[string]bool {
		m := map[string]bool{}
		for _, n := range withPrecompressed(feedFileNames()) {
			m[n] = true
		}
		return m
	}()
)

// feedFileNames lists the file name of every feed format.
func feedFileNames() []string {
	names := make([]string, 0, len(layout.Formats))
	for _, f := range layout.Formats {
		names = append(names, f.FileName())
	}
	return names
}

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
	// deleted or replaced behind the Writer's back (faults.go).
	dirInfo fs.FileInfo
	// faults, when set, injects write failures (SetFaults).
	faults FaultFunc
}

// Manifest remembers between runs what a Writer left in its directory:
// for each path, the ETag of the bytes and the stamp of the file. A later
// run trusts a file whose stamp still matches without reading it back, as
// make and rsync trust times and sizes; anybody touching the file changes
// its stamp. The state directory keeps it (index.Outputs).
type Manifest interface {
	// Lookup returns the ETag and stamp recorded for the slash path.
	Lookup(path string) (etag string, st source.Stamp, ok bool)
	// Record notes what path holds now; etag "" notes that it holds
	// nothing of ours.
	Record(path, etag string, st source.Stamp)
	// Flush saves what was recorded.
	Flush() error
}

// SetManifest makes the Writer keep its knowledge of the directory in m.
func (w *Writer) SetManifest(m Manifest) {
	w.mu.Lock()
	w.manifest = m
	w.mu.Unlock()
}

// trusted reports whether the file at rel, whose information is fi, holds
// the bytes tagged etag according to the manifest.
func (w *Writer) trusted(rel string, fi fs.FileInfo, etag string) bool {
	if w.manifest == nil || fi == nil || !fi.Mode().IsRegular() {
		return false
	}
	tag, st, ok := w.manifest.Lookup(rel)
	return ok && tag == etag && st == source.StampOf(fi)
}

// note records in the manifest what rel holds after a write or a check.
func (w *Writer) note(root *os.Root, rel, etag string) {
	if w.manifest == nil {
		return
	}
	if fi, err := root.Lstat(filepath.FromSlash(rel)); err == nil && fi.Mode().IsRegular() {
		w.manifest.Record(rel, etag, source.StampOf(fi))
		return
	}
	w.manifest.Record(rel, "", source.Stamp{})
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

// removeTemps deletes leftover temporary files anywhere in the tree. A
// failure to delete one is logged, not fatal: it is garbage, not data.
func (w *Writer) removeTemps() error {
	root, err := os.OpenRoot(w.dir)
	if err != nil {
		return fmt.Errorf("diskout: %w", err)
	}
	defer root.Close()
	// fs.WalkDir does not descend into symlinked directories: entry types
	// come from ReadDir, which reports a symlink as a symlink.
	return fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			w.log.Warn("diskout: cannot scan for temp files", "path", p, "err", err)
			return nil
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), TempPrefix) {
			if err := root.Remove(filepath.FromSlash(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				w.log.Warn("diskout: cannot remove temp file", "path", p, "err", err)
			} else {
				w.log.Info("diskout: removed leftover temp file", "path", p)
			}
		}
		return nil
	})
}

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

func (s *Stream) end() {
	s.ended = true
	_ = s.root.Close()
	s.w.mu.Unlock()
}

// localPath validates a snapshot path and returns it relative to the
// output directory, in slash form. It is deliberately stricter than the
// file system: anything that is not a plain sequence of names is refused.
func (w *Writer) localPath(p string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%q: unsafe path: %s", p, why)
	}
	if !strings.HasPrefix(p, "/") {
		return bad("does not start with /")
	}
	if !utf8.ValidString(p) {
		return bad("not valid UTF-8")
	}
	for _, r := range p {
		if r == '\\' {
			return bad("contains a backslash")
		}
		if unicode.IsControl(r) {
			return bad("contains a control character")
		}
	}
	rel := p[1:]
	for _, seg := range strings.Split(rel, "/") {
		switch seg {
		case "":
			return bad("empty segment")
		case ".", "..":
			return bad("dot segment")
		}
	}
	native := filepath.FromSlash(rel)
	if !filepath.IsLocal(native) {
		return bad("not local")
	}
	joined := filepath.Join(w.dir, native)
	if filepath.IsAbs(native) {
		return bad("absolute")
	}
	r, err := filepath.Rel(w.dir, joined)
	if err != nil || !filepath.IsLocal(r) {
		return bad("escapes the output directory")
	}
	return rel, nil
}

// writeFile puts f at rel unless it already holds f's identity bytes, and
// reports whether it wrote.
func (w *Writer) writeFile(root *os.Root, rel string, f *snapshot.File) (bool, error) {
	name := filepath.FromSlash(rel)
	fi, err := root.Lstat(name)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Size() == int64(f.Size()):
		// The size check is the cheap filter; the in-memory record avoids
		// reading the file back on every rebuild after the first.
		if prev, ok := w.onDisk[rel]; ok && prev != "" && prev == f.ETag {
			return false, nil
		}
		if w.trusted(rel, fi, f.ETag) {
			return false, nil
		}
		if old, err := root.ReadFile(name); err == nil && sameBytes(old, f) {
			return false, nil
		}
	case err == nil, errors.Is(err, fs.ErrNotExist):
		// Different size, not a regular file (replaced by the rename, which
		// never follows a symlink), or missing: write.
	default:
		return false, err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := w.fault(OpMkdir, rel); err != nil {
			return false, err
		}
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}
	return true, w.replace(root, rel, f)
}

// sameBytes reports whether old is f's identity bytes. A compact file is
// compared by tag (the tag is a hash of the identity bytes), which spares
// decompressing it; a plain file by its bytes, which is cheaper than hashing.
func sameBytes(old []byte, f *snapshot.File) bool {
	if f.IsCompact() || f.IsLazy() {
		return f.ETag != "" && snapshot.ETagOf(old) == f.ETag
	}
	return bytes.Equal(old, f.Body)
}

// replace writes f's identity bytes to a temp file beside name and renames
// it over name, so that readers and crashes see either the old or the new
// file, whole.
func (w *Writer) replace(root *os.Root, rel string, f *snapshot.File) (err error) {
	name := filepath.FromSlash(rel)
	if err := w.fault(OpCreate, rel); err != nil {
		return err
	}
	tmp, tmpName, err := createTemp(root, filepath.Dir(name))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = root.Remove(tmpName)
		}
	}()
	var out io.Writer = tmp
	if ferr := w.fault(OpWrite, rel); ferr != nil {
		out = &cutWriter{w: tmp, err: ferr}
	}
	if _, err := f.WriteIdentity(out); err != nil {
		return err
	}
	// Sync before rename: otherwise the rename can reach the disk before
	// the data and a crash leaves an empty file under the final name.
	if err := w.fault(OpSync, rel); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	// CreateTemp-style files are 0600; published files must be readable
	// by the web server user. Chmod is not subject to the umask.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := w.fault(OpRename, rel); err != nil {
		return err
	}
	return root.Rename(tmpName, name)
}

// createTemp is os.CreateTemp(dir, TempPrefix+"*") confined to root.
func createTemp(root *os.Root, dir string) (*os.File, string, error) {
	for range 100 {
		name := filepath.Join(dir, TempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("%s: cannot create a unique temp file", dir)
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// removeStale deletes owned files that are not in keep, and the
// category/tag directories that this leaves empty. Symlinks are never
// followed and never removed: only regular files are ours.
func (w *Writer) removeStale(root *os.Root, keep map[string]bool) ([]string, error) {
	var errs []error
	var gone []string
	remove := func(rel string) bool {
		if keep[rel] {
			return false
		}
		name := filepath.FromSlash(rel)
		fi, err := root.Lstat(name)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("%s: %w", rel, err))
			}
			return false
		}
		if !fi.Mode().IsRegular() {
			return false
		}
		if err := root.Remove(name); err != nil {
			errs = append(errs, fmt.Errorf("%s: remove stale: %w", rel, err))
			return false
		}
		delete(w.onDisk, rel)
		if w.manifest != nil {
			w.manifest.Record(rel, "", source.Stamp{})
		}
		w.log.Debug("diskout: removed stale file", "path", rel)
		gone = append(gone, "/"+rel)
		return true
	}
	for _, name := range ownedTop {
		remove(name)
	}
	if err := removeStaleArchive(root, "", remove); err != nil {
		errs = append(errs, err)
	}
	for _, top := range ownedDirs {
		if fi, err := root.Lstat(top); err != nil || !fi.IsDir() {
			continue // absent, or a symlink / file we do not walk
		}
		entries, err := readDir(root, top)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", top, err))
			continue
		}
		for _, e := range entries {
			if !e.IsDir() { // a symlink to a directory is not IsDir here
				continue
			}
			sub := top + "/" + e.Name()
			emptied := false
			for _, fn := range ownedFeeds {
				if remove(sub + "/" + fn) {
					emptied = true
				}
			}
			if err := removeStaleArchive(root, sub, remove); err != nil {
				errs = append(errs, err)
			} else if _, err := root.Lstat(filepath.FromSlash(sub + "/" + layout.ArchiveFolder)); errors.Is(err, fs.ErrNotExist) {
				emptied = true // its archive is gone too: the folder may be empty now
			}
			if emptied {
				if err := removeIfEmpty(root, filepath.FromSlash(sub)); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", sub, err))
				}
			}
		}
	}
	return gone, errors.Join(errs...)
}

// removeStaleArchive removes the stale archive documents of the feed whose
// folder is dir ("" for the global feed): dir/archive/YYYY/MM/ holds the
// documents of a month (layout.ArchivePath), which go stale when archives
// are turned off or the feed loses a month or goes. Only folders named like
// years and months and files named like feeds are looked at; the month,
// year and archive folders this empties are removed. Listing the folders
// (not probing every name) keeps the cost to what is there.
func removeStaleArchive(root *os.Root, dir string, remove func(rel string) bool) error {
	arch := layout.ArchiveFolder
	if dir != "" {
		arch = dir + "/" + layout.ArchiveFolder
	}
	if fi, err := root.Lstat(filepath.FromSlash(arch)); err != nil || !fi.IsDir() {
		return nil // none (a symlink is not ours to walk)
	}
	var errs []error
	years, err := readDir(root, arch)
	if err != nil {
		return fmt.Errorf("%s: %w", arch, err)
	}
	for _, y := range years {
		if !y.IsDir() || !layout.IsYearFolder(y.Name()) {
			continue
		}
		year := arch + "/" + y.Name()
		months, err := readDir(root, year)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", year, err))
			continue
		}
		for _, m := range months {
			if !m.IsDir() || !layout.IsMonthFolder(m.Name()) {
				continue
			}
			month := year + "/" + m.Name()
			files, err := readDir(root, month)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", month, err))
				continue
			}
			for _, f := range files {
				if ownedArchive[f.Name()] {
					remove(month + "/" + f.Name())
				}
			}
			if err := removeIfEmpty(root, filepath.FromSlash(month)); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", month, err))
			}
		}
		if err := removeIfEmpty(root, filepath.FromSlash(year)); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", year, err))
		}
	}
	if err := removeIfEmpty(root, filepath.FromSlash(arch)); err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", arch, err))
	}
	return errors.Join(errs...)
}

func readDir(root *os.Root, name string) ([]fs.DirEntry, error) {
	d, err := root.Open(name)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// removeIfEmpty removes a directory only if it holds nothing, so a user's
// file next to a stale feed keeps its directory.
func removeIfEmpty(root *os.Root, name string) error {
	d, err := root.Open(name)
	if err != nil {
		return err
	}
	_, err = d.ReadDir(1)
	d.Close()
	if !errors.Is(err, io.EOF) {
		return nil // not empty (or unreadable: leave it)
	}
	if err := root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
