package diskout

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"feedgen/layout"
)

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

// removeStale deletes owned files that are not in keep, and the
// category/tag directories that this leaves empty. Symlinks are never
// followed and never removed: only regular files are ours.
func (w *Writer) removeStale(root *os.Root, keep map[string]bool) ([]string, error) {
	var errs errList
	var gone []string
	remove := func(rel string) bool {
		if keep[rel] {
			return false
		}
		name := filepath.FromSlash(rel)
		fi, err := root.Lstat(name)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs.add(rel, err)
			}
			return false
		}
		if !fi.Mode().IsRegular() {
			return false
		}
		if err := root.Remove(name); err != nil {
			errs.add(rel, fmt.Errorf("remove stale: %w", err))
			return false
		}
		delete(w.onDisk, rel)
		w.forget(rel)
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
		if !isDir(root, top) {
			continue // absent, or a symlink / file we do not walk
		}
		for _, fn := range ownedList {
			remove(top + "/" + fn)
		}
		subs, err := subdirs(root, top, nil)
		if err != nil {
			errs.add(top, err)
			continue
		}
		for _, sub := range subs {
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
				errs.add(sub, removeIfEmpty(root, sub))
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
	if !isDir(root, arch) {
		return nil // none (a symlink is not ours to walk)
	}
	years, err := subdirs(root, arch, layout.IsYearFolder)
	if err != nil {
		return fmt.Errorf("%s: %w", arch, err)
	}
	var errs errList
	for _, year := range years {
		months, err := subdirs(root, year, layout.IsMonthFolder)
		if err != nil {
			errs.add(year, err)
			continue
		}
		for _, month := range months {
			files, err := readDir(root, month)
			if err != nil {
				errs.add(month, err)
				continue
			}
			for _, f := range files {
				if ownedArchive[f.Name()] {
					remove(month + "/" + f.Name())
				}
			}
			errs.add(month, removeIfEmpty(root, month))
		}
		errs.add(year, removeIfEmpty(root, year))
	}
	errs.add(arch, removeIfEmpty(root, arch))
	return errors.Join(errs...)
}

// errList gathers the errors of a sweep, which goes on past each one.
type errList []error

// add notes err, if any, as the error of the slash path rel.
func (e *errList) add(rel string, err error) {
	if err != nil {
		*e = append(*e, fmt.Errorf("%s: %w", rel, err))
	}
}

// isDir reports whether the slash path rel is a directory itself: a
// symlink to one is not ours to walk.
func isDir(root *os.Root, rel string) bool {
	fi, err := root.Lstat(filepath.FromSlash(rel))
	return err == nil && fi.IsDir()
}

// subdirs lists, as slash paths, the directories in the slash path dir
// whose names match (every one when match is nil). A symlink to a
// directory is not listed.
func subdirs(root *os.Root, dir string, match func(name string) bool) ([]string, error) {
	entries, err := readDir(root, dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && (match == nil || match(e.Name())) {
			out = append(out, dir+"/"+e.Name())
		}
	}
	return out, nil
}

// readDir lists the slash path rel.
func readDir(root *os.Root, rel string) ([]fs.DirEntry, error) {
	d, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.ReadDir(-1)
}

// removeIfEmpty removes the directory at the slash path rel only if it
// holds nothing, so a user's file next to a stale feed keeps its directory.
func removeIfEmpty(root *os.Root, rel string) error {
	name := filepath.FromSlash(rel)
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
