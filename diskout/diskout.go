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
)

// TempPrefix starts the name of every temporary file the Writer creates, so
// that New can recognise and delete the leftovers of a killed process
// without any risk of deleting a user's file.
const TempPrefix = ".feedgen-tmp-"

// Names of the files the Writer considers its own when deciding what is
// stale, all from package layout: the feed files at the top and in each
// category and tag folder, and the index page and OPML list at the top.
// Anything else in the directory belongs to the user.
var (
	ownedFeeds = feedFileNames()
	ownedTop   = append(feedFileNames(), strings.TrimPrefix(layout.IndexPath, "/"), strings.TrimPrefix(layout.OPMLPath, "/"))
	ownedDirs  = []string{layout.KindCategory.Folder(), layout.KindTag.Folder()}
)

// feedFileNames lists the file name of every feed format.
func feedFileNames() []string {
	names := make([]string, 0, len(layout.Formats))
	for _, f := range layout.Formats {
		names = append(names, f.FileName())
	}
	return names
}

// Writer keeps an output directory equal to the snapshots it is given.
// Safe for concurrent use; Writes are serialised. Two Writers (or two
// processes) on one directory are not supported.
type Writer struct {
	dir string
	log *slog.Logger

	mu sync.Mutex
	// onDisk remembers, per slash path relative to dir, the File whose
	// bytes this Writer put (or found) there, so that later Writes can skip
	// reading files back to know they are unchanged.
	onDisk map[string]*snapshot.File
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
	w := &Writer{dir: abs, log: logger, onDisk: make(map[string]*snapshot.File)}
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
func (w *Writer) Write(s *snapshot.Snapshot) (Result, error) {
	var res Result
	if s == nil {
		return res, errors.New("diskout: nil snapshot")
	}
	w.mu.Lock()
	defer w.mu.Unlock()

	root, err := os.OpenRoot(w.dir)
	if err != nil {
		return res, fmt.Errorf("diskout: %w", err)
	}
	defer root.Close()

	var errs []error
	keep := make(map[string]bool, s.Len())
	synced := make(map[string]bool)
	for _, p := range s.Paths() {
		f := s.Get(p)
		rel, err := w.localPath(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		keep[rel] = true
		written, err := w.writeFile(root, rel, f)
		switch {
		case err != nil:
			delete(w.onDisk, rel)
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		case written:
			res.Written++
			w.onDisk[rel] = f
			synced[filepath.Dir(filepath.FromSlash(rel))] = true
		default:
			res.Unchanged++
			w.onDisk[rel] = f
		}
	}
	// Make the renames durable. Without this a crash could still bring
	// back the old file, which is allowed (it is complete), so failures
	// are logged rather than returned.
	for d := range synced {
		if err := syncDir(root, d); err != nil {
			w.log.Warn("diskout: cannot sync directory", "dir", d, "err", err)
		}
	}
	removed, err := w.removeStale(root, keep)
	res.Removed = removed
	if err != nil {
		errs = append(errs, err)
	}
	if res.Written > 0 || res.Removed > 0 {
		w.log.Info("diskout: wrote snapshot", "dir", w.dir, "written", res.Written, "removed", res.Removed, "unchanged", res.Unchanged)
	}
	return res, errors.Join(errs...)
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

// writeFile puts f at rel unless it already holds f's bytes, and reports
// whether it wrote.
func (w *Writer) writeFile(root *os.Root, rel string, f *snapshot.File) (bool, error) {
	name := filepath.FromSlash(rel)
	fi, err := root.Lstat(name)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(f.Body)):
		// The size check is the cheap filter; the in-memory record avoids
		// reading the file back on every rebuild after the first.
		if prev := w.onDisk[rel]; prev != nil && (prev == f || (prev.ETag != "" && prev.ETag == f.ETag)) {
			return false, nil
		}
		if old, err := root.ReadFile(name); err == nil && bytes.Equal(old, f.Body) {
			return false, nil
		}
	case err == nil, errors.Is(err, fs.ErrNotExist):
		// Different size, not a regular file (replaced by the rename, which
		// never follows a symlink), or missing: write.
	default:
		return false, err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}
	return true, replace(root, name, f.Body)
}

// replace writes body to a temp file beside name and renames it over name,
// so that readers and crashes see either the old or the new file, whole.
func replace(root *os.Root, name string, body []byte) (err error) {
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
	if _, err := tmp.Write(body); err != nil {
		return err
	}
	// Sync before rename: otherwise the rename can reach the disk before
	// the data and a crash leaves an empty file under the final name.
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
func (w *Writer) removeStale(root *os.Root, keep map[string]bool) (int, error) {
	var errs []error
	n := 0
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
		w.log.Debug("diskout: removed stale file", "path", rel)
		n++
		return true
	}
	for _, name := range ownedTop {
		remove(name)
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
			if emptied {
				if err := removeIfEmpty(root, filepath.FromSlash(sub)); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", sub, err))
				}
			}
		}
	}
	return n, errors.Join(errs...)
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
