package feedgen

import (
	"errors"
	"log/slog"
	"path/filepath"

	"feedgen/feedgen/article"
	"feedgen/feedgen/config"
	"feedgen/index"
	"feedgen/layout"
)

// shared is what the generator's jobs have in common: the site's
// configuration, the source directory and its reader, the index, the
// logger, and the few facts about the index that more than one job
// updates. Each job (scanner, itemRenderer, planner, output) keeps its
// own state beside it; what one job needs of another's, it is handed as an
// argument. The archive, a package of its own, is handed what it needs of
// this (archive.Env).
type shared struct {
	cfg  config.Config
	root string          // as given, for messages
	abs  string          // absolute, for path arithmetic
	rd   *article.Reader // reads and parses the article files
	log  *slog.Logger
	ix   *index.Index

	// dirty are the feeds whose items may have changed: whoever writes to
	// the index marks them (update), the planner plans and clears them.
	dirty map[layout.FeedKey]bool
	// frags are the articles whose rendered item the index keeps: the item
	// renderer files them; the scanner drops those of changed files and
	// the output those no document shows any more.
	frags map[string]bool
	// keep, during Emit, confirms that an unchanged feed's or archive
	// document's file is in place (diskout.Stream.Keep), so that it is not
	// rendered at all.
	keep func(path, etag string) bool
}

// update runs fn in a write transaction of the index and marks dirty the
// feeds it touched.
func (s *shared) update(fn func(*index.Tx) error) error {
	dirty, err := s.ix.Update(fn)
	if err != nil {
		return wrapIndex(err)
	}
	for k := range dirty {
		s.dirty[k] = true
	}
	return nil
}

// view runs fn in a read transaction of the index; an error is the
// index's (errIndex).
func (s *shared) view(fn func(*index.Tx) error) error {
	if err := s.ix.View(fn); err != nil {
		return wrapIndex(err)
	}
	return nil
}

// bulk runs fn, which makes many index transactions, with bulk writing on
// (index.Index.Bulk): a first build's batches then do not each wait for
// the disk, and the index lets go of the pages they touched at the end.
func (s *shared) bulk(fn func() (int, error)) (int, error) {
	if err := s.ix.Bulk(true); err != nil {
		return 0, wrapIndex(err)
	}
	n, err := fn()
	if berr := s.ix.Bulk(false); berr != nil && err == nil {
		err = wrapIndex(berr)
	}
	return n, err
}

// rel returns the slash path of abs relative to the root, "" for the root
// itself, or a path starting with "../" for one outside it.
func (s *shared) rel(abs string) string {
	r, err := filepath.Rel(s.abs, abs)
	if err != nil {
		return "../"
	}
	if r == "." {
		return ""
	}
	return filepath.ToSlash(r)
}

// display is how a problem names the file rel.
func (s *shared) display(rel string) string {
	return filepath.Join(s.root, filepath.FromSlash(rel))
}

// errIndex marks an error of the index rather than of an article.
var errIndex = errors.New("state")

// wrapIndex marks err as an error of the index (errIndex), once.
func wrapIndex(err error) error {
	if errors.Is(err, errIndex) {
		return err
	}
	return errors.Join(errIndex, err)
}
