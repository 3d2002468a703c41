package feedgen

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"feedgen/feedgen/article"
	"feedgen/index"
	"feedgen/source"
)

// scanChunk is how many files are read and filed together, in one index
// transaction. Bigger batches share more B+tree page rewrites between
// articles and make a first build faster, but bbolt holds every page a
// transaction touches until it commits: 256 keeps a build near 100 MB
// (BENCHMARKS.md has the trade-off measured).
const scanChunk = 256

// Scan reads the whole source directory, as for a first build, a restart or
// after events were lost. A file whose stamp matches what the index holds is
// not opened again. It returns the number of files whose state changed.
func (g *Generator) Scan() (int, error) {
	if fi, err := os.Stat(g.abs); err != nil {
		return 0, pathError(g.root, err)
	} else if !fi.IsDir() {
		return 0, errors.New(g.root + ": not a directory")
	}
	n, err := g.bulk(func() (int, error) { return g.scanTree("") })
	if err != nil {
		if errors.Is(err, errIndex) {
			if err := g.damaged(err); err != nil {
				return n, err
			}
			return n, nil
		}
		return n, err
	}
	return n, nil
}

// bulk runs fn, which makes many index transactions, with bulk writing on
// (index.Index.Bulk): a first build's batches then do not each wait for
// the disk, and the index lets go of the pages they touched at the end.
func (g *Generator) bulk(fn func() (int, error)) (int, error) {
	if err := g.ix.Bulk(true); err != nil {
		return 0, wrapIndex(err)
	}
	n, err := fn()
	if berr := g.ix.Bulk(false); berr != nil && err == nil {
		err = wrapIndex(berr)
	}
	return n, err
}

// pathError names the source directory in an error about it, without the
// path the os package repeats.
func pathError(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errors.New(name + ": " + pe.Err.Error())
	}
	return errors.New(name + ": " + err.Error())
}

// candidate is an article file met by a walk.
type candidate struct {
	rel     string
	regular bool // a symbolic link is read every time: its target may have changed
}

// scanTree reads every article file below prefix ("" for the whole tree,
// else a folder's slash path with a trailing slash) whose stamp changed, and
// forgets the files below it that are gone. Files met are marked in a bitmap
// by their index sequence number, so a million files cost a million bits.
//
// It is a pipeline of three stages so that the disk, the processors and the
// index are busy at once: the walk (with the index lookups that sort out
// unchanged files), the reads (many at a time: a cold disk serves parallel
// reads faster than one after another), and the filing into the index (one
// writer). Each stage hands the next chunks of at most scanChunk files.
func (g *Generator) scanTree(prefix string) (int, error) {
	type chunk struct {
		todo    []candidate
		seen    []uint64
		results []article.HeaderRead
		err     error
	}
	stop := make(chan struct{})
	defer close(stop)
	walked := make(chan *chunk, 1)
	read := make(chan *chunk, 1)
	go func() {
		defer close(walked)
		var batch []candidate
		send := func() bool {
			c := &chunk{}
			c.todo, c.seen, c.err = g.sortOut(batch)
			batch = nil
			select {
			case walked <- c:
				return c.err == nil
			case <-stop:
				return false
			}
		}
		ok := g.walk(filepath.Join(g.abs, filepath.FromSlash(prefix)), strings.TrimSuffix(prefix, "/"), func(c candidate) bool {
			batch = append(batch, c)
			return len(batch) < scanChunk || send()
		})
		if ok && len(batch) > 0 {
			send()
		}
	}()
	go func() {
		defer close(read)
		for c := range walked {
			if c.err == nil {
				c.results = g.readHeaders(c.todo)
			}
			select {
			case read <- c:
			case <-stop:
				return
			}
		}
	}()
	var seen bitmap
	changed := 0
	for c := range read {
		if c.err != nil {
			return changed, wrapIndex(c.err)
		}
		for _, s := range c.seen {
			seen.set(s)
		}
		n, err := g.fileHeaders(c.results, &seen, false)
		changed += n
		if err != nil {
			return changed, err
		}
	}
	n, err := g.forgetUnseen(prefix, &seen)
	return changed + n, err
}

// walk calls fn for every article file below dir (whose slash path
// relative to the root is rel), reading folders in chunks so that a folder
// of a million files is never listed whole in memory. Folders that cannot
// be read are skipped: they must not stop the build. The order is the
// file system's; nothing published depends on it.
func (g *Generator) walk(dir, rel string, fn func(candidate) bool) bool {
	f, err := os.Open(dir)
	if err != nil {
		return true
	}
	defer f.Close()
	var subdirs []string
	for {
		ents, err := f.ReadDir(1024)
		for _, d := range ents {
			name := d.Name()
			r := name
			if rel != "" {
				r = rel + "/" + name
			}
			if source.SkipName(name) {
				continue
			}
			if d.IsDir() {
				subdirs = append(subdirs, name)
				continue
			}
			if !source.IsArticlePath(r) {
				continue
			}
			// No lstat here: a file the index does not know is opened
			// anyway, and those it knows are checked in parallel (sortOut).
			c := candidate{rel: r, regular: d.Type().IsRegular()}
			if !fn(c) {
				return false
			}
		}
		if err == io.EOF || len(ents) == 0 {
			break
		}
		if err != nil {
			break
		}
	}
	f.Close()
	sort.Strings(subdirs)
	for _, name := range subdirs {
		r := name
		if rel != "" {
			r = rel + "/" + name
		}
		if !g.walk(filepath.Join(dir, name), r, fn) {
			return false
		}
	}
	return true
}

// sortOut splits walked files into those to read and the sequence numbers
// of those whose stamp matches the index. Only files the index knows are
// stat'ed, many at a time: on a cold disk each stat may be a read.
func (g *Generator) sortOut(batch []candidate) (todo []candidate, seen []uint64, err error) {
	type stamped struct {
		seq   uint64
		stamp source.Stamp
	}
	known := make([]stamped, len(batch))
	has := make([]bool, len(batch))
	err = g.ix.View(func(t *index.Tx) error {
		for i, c := range batch {
			if c.regular {
				seq, st, link, ok, err := t.Stamp(c.rel)
				if err != nil {
					return err
				}
				known[i], has[i] = stamped{seq, st}, ok && !link
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	same := make([]bool, len(batch))
	parallelIO(len(batch), func(i int) {
		if has[i] {
			fi, err := os.Lstat(filepath.Join(g.abs, filepath.FromSlash(batch[i].rel)))
			same[i] = err == nil && fi.Mode().IsRegular() && source.StampOf(fi) == known[i].stamp
		}
	})
	for i, c := range batch {
		if same[i] {
			seen = append(seen, known[i].seq)
		} else {
			todo = append(todo, c)
		}
	}
	return todo, seen, nil
}

// readHeaders reads the files of a batch, many at a time, in path order.
func (g *Generator) readHeaders(todo []candidate) []article.HeaderRead {
	sort.Slice(todo, func(i, j int) bool { return todo[i].rel < todo[j].rel })
	todo = slices.CompactFunc(todo, func(a, b candidate) bool { return a.rel == b.rel })
	results := make([]article.HeaderRead, len(todo))
	parallelIO(len(todo), func(i int) {
		results[i] = g.rd.ReadHeader(todo[i].rel)
	})
	return results
}

// fileHeaders files read headers into the index in one transaction.
func (g *Generator) fileHeaders(results []article.HeaderRead, seen *bitmap, force bool) (int, error) {
	if len(results) == 0 {
		return 0, nil
	}
	changed := 0
	err := g.update(func(t *index.Tx) error {
		for _, r := range results {
			ch, seq, err := g.apply(t, r, force)
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

// update runs fn in a write transaction of the index and marks dirty the
// feeds it touched.
func (g *Generator) update(fn func(*index.Tx) error) error {
	dirty, err := g.ix.Update(fn)
	if err != nil {
		return wrapIndex(err)
	}
	for k := range dirty {
		g.dirty[k] = true
	}
	return nil
}

func wrapIndex(err error) error {
	if errors.Is(err, errIndex) {
		return err
	}
	return errors.Join(errIndex, err)
}

// forgetUnseen removes from the index the files below prefix that the walk
// did not meet.
func (g *Generator) forgetUnseen(prefix string, seen *bitmap) (int, error) {
	removed, after := 0, ""
	for {
		var gone []string
		visited, done := 0, true
		err := g.ix.View(func(t *index.Tx) error {
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
			if err := g.update(func(t *index.Tx) error {
				for _, p := range gone {
					if err := g.forget(t, p); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				return removed, err
			}
			removed += len(gone)
		}
	}
}

// apply files the result of reading a file's header. It reports whether
// the file's state changed, and the file's sequence number.
func (g *Generator) apply(t *index.Tx, r article.HeaderRead, force bool) (bool, uint64, error) {
	rel := r.Rel
	if r.Link {
		g.links[rel] = true
	} else {
		delete(g.links, rel)
	}
	old, had, err := t.Entry(rel)
	if err != nil {
		return false, 0, err
	}
	e := index.Entry{Stamp: r.Stamp, Sum: r.Sum, Link: r.Link}
	switch {
	case errors.Is(r.Err, article.ErrNotPublished):
		e.Hidden = true
		e, err = t.Put(rel, e)
		return !had || !old.Hidden, e.Seq, err
	case r.Err != nil:
		e.Err = r.Err.Error()
		e, err = t.Put(rel, e)
		return !had || old.Err != e.Err, e.Seq, err
	}
	if had && old.Header != nil && old.Sum == r.Sum {
		switch {
		case force:
			// The watcher named it: a change may keep size and times, so
			// its kept item is not trusted at all.
			if err := g.dropFrag(t, rel, old.Header); err != nil {
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
	e.Header = headerOf(r.Hdr)
	e, err = t.Put(rel, e)
	if err == nil && had && old.Header != nil {
		err = g.dropFrag(t, rel, old.Header)
	}
	return true, e.Seq, err
}

// dropFrag forgets the rendered item of rel, whose feeds must be planned
// again.
func (g *Generator) dropFrag(t *index.Tx, rel string, h *index.Header) error {
	t.Touch(h)
	if !g.frags[rel] {
		return nil
	}
	delete(g.frags, rel)
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

// Update re-reads the given paths (absolute, or relative to the working
// directory). A path that vanished removes its article, or every article
// below it if it was a directory; a directory is read recursively. Paths
// outside the source directory are ignored. It returns the number of files
// whose state changed.
func (g *Generator) Update(paths []string) int {
	n, err := g.update1(paths)
	if err != nil && errors.Is(err, errIndex) {
		if err := g.damaged(err); err != nil {
			g.log.Error("state: cannot be rebuilt", "err", err)
		}
	}
	return n
}

func (g *Generator) update1(paths []string) (int, error) {
	changed := 0
	var files []candidate
	for _, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		rel := g.rel(abs)
		if rel == "" {
			if abs == g.abs {
				n, err := g.Scan()
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
			n, err = g.removeTree(rel)
		case fi.IsDir():
			if source.Skipped(rel) {
				continue
			}
			n, err = g.scanTree(rel + "/")
		case !source.IsArticlePath(rel):
			// not an article: nothing to do
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
	for rel := range g.links {
		if _, err := os.Lstat(filepath.Join(g.abs, filepath.FromSlash(rel))); err != nil {
			n, err := g.removeTree(rel)
			changed += n
			if err != nil {
				return changed, err
			}
			continue
		}
		files = append(files, candidate{rel: rel})
	}
	var seen bitmap
	n, err := g.fileHeaders(g.readHeaders(files), &seen, true)
	return changed + n, err
}

// removeTree forgets the file rel, or every file below it.
func (g *Generator) removeTree(rel string) (int, error) {
	n := 0
	err := g.update(func(t *index.Tx) error {
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
		for _, p := range gone {
			if err := g.forget(t, p); err != nil {
				return err
			}
		}
		n = len(gone)
		return nil
	})
	return n, err
}

// forget removes the file rel from the index and from what the generator
// keeps of it.
func (g *Generator) forget(t *index.Tx, rel string) error {
	delete(g.links, rel)
	delete(g.frags, rel)
	return t.Delete(rel)
}

// bitmap is a set of sequence numbers.
type bitmap []uint64

func (b *bitmap) set(i uint64) {
	w := int(i / 64)
	if w >= len(*b) {
		*b = append(*b, make([]uint64, w+1-len(*b))...)
	}
	(*b)[w] |= 1 << (i % 64)
}

func (b *bitmap) has(i uint64) bool {
	w := int(i / 64)
	return w < len(*b) && (*b)[w]&(1<<(i%64)) != 0
}
