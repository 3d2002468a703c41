package feedgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"feedgen/feedgen/article"
	"feedgen/feedgen/internal/parallel"
	"feedgen/index"
	"feedgen/source"
)

// Filing into the index: what the scanner does with a file it read, or
// found gone, and with the paths the watcher names.

// file files read headers into the index in one transaction.
func (s *scanner) file(results []article.HeaderRead, seen *bitmap, force bool) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	changed := 0
	err := s.update(func(t *index.Tx) error {
		for _, r := range results {
			ch, seq, err := s.apply(t, r, force)
			if err != nil {
				return err
			}
			seen.set(seq)
			if ch {
				changed++
			}
		}
		return nil
	})
	return changed, err
}

// forgetUnseen removes from the index the files below prefix that the walk
// did not meet.
func (s *scanner) forgetUnseen(prefix string, seen *bitmap) (int, error) {
	removed, after := 0, ""
	for {
		var gone []string
		visited, done := 0, true
		err := s.ix.View(func(t *index.Tx) error {
			return t.Seqs(prefix, after, func(p string, seq uint64) (bool, error) {
				after = p
				if !seen.has(seq) {
					gone = append(gone, p)
				}
				// A bounded stretch per transaction: the paths gone
				// are removed between two stretches, never piled up.
				visited++
				done = false
				return len(gone) < scanChunk && visited < 16*scanChunk, nil
			})
		})
		if err != nil {
			return removed, wrapIndex(err)
		}
		if done {
			return removed, nil
		}
		if len(gone) > 0 {
			if err := s.update(func(t *index.Tx) error { return s.forget(t, gone) }); err != nil {
				return removed, err
			}
			removed += len(gone)
		}
	}
}

// apply files the result of reading a file's header. It reports whether
// the file's state changed, and the file's sequence number.
func (s *scanner) apply(t *index.Tx, r article.HeaderRead, force bool) (bool, uint64, error) {
	rel := r.Rel
	s.noteLink(r)
	old, had, err := t.Entry(rel)
	if err != nil {
		return false, 0, err
	}
	e := entryOf(r)
	switch {
	case e.Hidden:
		e, err = t.Put(rel, e)
		return !had || !old.Hidden, e.Seq, err
	case e.Err != "":
		e, err = t.Put(rel, e)
		return !had || old.Err != e.Err, e.Seq, err
	}
	if had && old.Header != nil && old.Sum == r.Sum {
		switch {
		case force:
			// The watcher named it: a change may keep size and times, so
			// its kept item is not trusted at all.
			if err := s.dropFrag(t, rel, old.Header); err != nil {
				return false, 0, err
			}
		case old.Stamp != r.Stamp:
			// Same head and tail, but the file changed: the body may have.
			// If a feed shows it, its kept item is checked against the
			// file's bytes (plan).
			t.Touch(old.Header)
		}
		old.Stamp, old.Link = r.Stamp, r.Link
		return false, old.Seq, t.SetStamp(rel, old)
	}
	e, err = t.Put(rel, e)
	if err == nil && had && old.Header != nil {
		err = s.dropFrag(t, rel, old.Header)
	}
	return true, e.Seq, err
}

// entryOf is what the index files for the result of reading a file's
// header: the file is bad input, a draft, or a published article.
func entryOf(r article.HeaderRead) index.Entry {
	e := index.Entry{Stamp: r.Stamp, Sum: r.Sum, Link: r.Link}
	switch {
	case errors.Is(r.Err, article.ErrNotPublished):
		e.Hidden = true
	case r.Err != nil:
		e.Err = r.Err.Error()
	default:
		e.Header = headerOf(r.Hdr)
	}
	return e
}

// noteLink keeps the scanner's list of the files that are symbolic links
// (read again with every batch) in step with a read of r.
func (s *scanner) noteLink(r article.HeaderRead) {
	if r.Link {
		s.links[r.Rel] = true
	} else {
		delete(s.links, r.Rel)
	}
}

// dropFrag forgets the rendered item of rel, whose feeds must be planned
// again.
func (s *scanner) dropFrag(t *index.Tx, rel string, h *index.Header) error {
	t.Touch(h)
	if !s.frags[rel] {
		return nil
	}
	delete(s.frags, rel)
	return t.DeleteFrag(rel)
}

// headerOf is what the index keeps of a parsed article.
func headerOf(a *article.Article) *index.Header {
	return &index.Header{
		ID: a.ID, Published: a.Published, Updated: a.Updated,
		Categories: a.Categories, Tags: a.Tags,
		CategoryName: a.CategoryName, CategoryHome: a.CategoryHome, SiteHome: a.SiteHome,
	}
}

// removeTree forgets the file rel, or every file below it.
func (s *scanner) removeTree(rel string) (int, error) {
	n := 0
	err := s.update(func(t *index.Tx) error {
		var gone []string
		if _, ok, err := t.Entry(rel); err != nil {
			return err
		} else if ok {
			gone = append(gone, rel)
		}
		if err := t.Walk(rel+"/", "", func(p string, _ index.Entry) (bool, error) {
			gone = append(gone, p)
			return true, nil
		}); err != nil {
			return err
		}
		if err := s.forget(t, gone); err != nil {
			return err
		}
		n = len(gone)
		return nil
	})
	return n, err
}

// forget removes the files rels from the index and from what the
// generator keeps of them.
func (s *scanner) forget(t *index.Tx, rels []string) error {
	for _, rel := range rels {
		delete(s.links, rel)
		delete(s.frags, rel)
		if err := t.Delete(rel); err != nil {
			return err
		}
	}
	return nil
}

// paths re-reads the given paths (Generator.Update); whole reads the
// whole source directory, for the path of the directory itself.
func (s *scanner) paths(paths []string, whole func() (int, error)) (int, error) {
	changed := 0
	var files []candidate
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		rel := s.rel(abs)
		if rel == "" {
			if abs == s.abs {
				n, err := whole()
				changed += n
				if err != nil {
					return changed, err
				}
			}
			continue
		}
		if strings.HasPrefix(rel, "../") || rel == ".." {
			continue
		}
		fi, err := os.Lstat(abs)
		var n int
		switch {
		case err != nil:
			changed += s.assets.drop(rel)
			n, err = s.removeTree(rel)
		case fi.IsDir():
			if source.Skipped(rel) {
				continue
			}
			n, err = s.tree(rel + "/")
		case source.IsAssetPath(rel):
			n = s.assets.read(rel)
		case !source.IsArticlePath(rel):
			// neither an article nor an asset: nothing to do
		default:
			files = append(files, candidate{rel: rel})
		}
		changed += n
		if err != nil {
			return changed, err
		}
	}
	// A symbolic link's target may be what changed, and the watcher names
	// only the target: links are read again with every batch.
	for rel := range s.links {
		if _, err := os.Lstat(filepath.Join(s.abs, filepath.FromSlash(rel))); err != nil {
			n, err := s.removeTree(rel)
			changed += n
			if err != nil {
				return changed, err
			}
			continue
		}
		files = append(files, candidate{rel: rel})
	}
	var seen bitmap
	n, err := s.file(s.readHeaders(files), &seen, true)
	return changed + n, err
}

// failed files a read of rel that failed with err, as a header read that
// failed would have been: the file is not published, its feeds are planned
// again.
func (s *scanner) failed(t *index.Tx, rel string, stamp source.Stamp, err error) error {
	_, _, err = s.apply(t, article.HeaderRead{Rel: rel, Stamp: stamp, Err: err}, false)
	return err
}

// check reads and parses the body of every article whose rendered item the
// index does not keep (Generator.CheckAll) and files those that turn out
// to be bad input. It returns how many it found.
func (s *scanner) check() int {
	bad, after := 0, ""
	for {
		var todo []string
		err := s.ix.View(func(t *index.Tx) error {
			return t.Walk("", after, func(p string, e index.Entry) (bool, error) {
				after = p
				if e.Header != nil && !s.frags[p] {
					todo = append(todo, p)
				}
				return len(todo) < scanChunk, nil
			})
		})
		if err != nil || len(todo) == 0 {
			return bad
		}
		errs := make([]error, len(todo))
		stamps := make([]source.Stamp, len(todo))
		parallel.Run(len(todo), func(i int) {
			data, st, err := s.rd.ReadWhole(todo[i])
			if err == nil {
				_, err = article.Parse(todo[i], data, s.rd.Options())
			}
			errs[i], stamps[i] = err, st
		})
		_ = s.update(func(t *index.Tx) error {
			for i, err := range errs {
				if err != nil && !errors.Is(err, article.ErrNotPublished) {
					if err := s.failed(t, todo[i], stamps[i], err); err != nil {
						return err
					}
					bad++
				}
			}
			return nil
		})
	}
}
