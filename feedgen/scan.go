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
	"feedgen/feedgen/internal/parallel"
	"feedgen/index"
	"feedgen/source"
)

// scanChunk is how many files are read and filed together, in one index
// transaction. Bigger batches share more B+tree page rewrites between
// articles and make a first build faster, but bbolt holds every page a
// transaction touches until it commits: 256 keeps a build near 100 MB
// (BENCHMARKS.md has the trade-off measured).
const scanChunk = 256

// scanner owns the way from the source directory into the index: walking
// the tree, sorting out the files whose stamp the index already holds,
// reading the others' headers, filing them (scan_file.go) and forgetting
// the files that went. It is the only job that looks at the file system's
// tree, and the one piece of state it keeps, which files are symbolic
// links, concerns no other job.
type scanner struct {
	*shared
	links  map[string]bool // article files that are symbolic links
	assets *assets         // told of the images the walk meets (sitefiles.go)
}

// all reads the whole source directory (Generator.Scan).
func (s *scanner) all() (int, error) {
	if fi, err := os.Stat(s.abs); err != nil {
		return 0, pathError(s.root, err)
	} else if !fi.IsDir() {
		return 0, errors.New(s.root + ": not a directory")
	}
	return s.bulk(s.whole)
}

// rebuild files the whole tree into an index that was reset, forgetting
// what the scanner knew of the old one.
func (s *scanner) rebuild() (int, error) {
	clear(s.links)
	return s.whole()
}

// whole reads the whole tree: into an empty index (a first build, a state
// rebuilt) with a bulk load, else comparing stamps with what it holds.
func (s *scanner) whole() (int, error) {
	n, err := s.load()
	if errors.Is(err, index.ErrNotEmpty) {
		return s.tree("")
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
	asset   bool // an image published as it is (sitefiles.go), not an article
}

// tree reads every article file below prefix ("" for the whole tree,
// else a folder's slash path with a trailing slash) whose stamp changed, and
// forgets the files below it that are gone. Files met are marked in a bitmap
// by their index sequence number, so a million files cost a million bits.
func (s *scanner) tree(prefix string) (int, error) {
	var seen bitmap
	changed := 0
	met, err := s.readTree(prefix, true, func(results []article.HeaderRead, known []uint64) error {
		for _, seq := range known {
			seen.set(seq)
		}
		n, err := s.file(results, &seen, false)
		changed += n
		return err
	})
	if err != nil {
		return changed, err
	}
	changed += s.assets.sync(prefix, met)
	n, err := s.forgetUnseen(prefix, &seen)
	return changed + n, err
}

// readTree reads the headers of the article files below prefix and hands
// them to file in chunks of at most scanChunk, with the sequence numbers of
// the files whose stamp matches the index (those are not read) when
// sortOut is set. It returns the assets the walk met.
//
// It is a pipeline of three stages so that the disk, the processors and the
// index are busy at once: the walk (with the index lookups that sort out
// unchanged files), the reads (many at a time: a cold disk serves parallel
// reads faster than one after another), and file, called in this goroutine
// (one writer).
func (s *scanner) readTree(prefix string, sortOut bool, file func(results []article.HeaderRead, known []uint64) error) ([]string, error) {
	type chunk struct {
		todo    []candidate
		seen    []uint64
		results []article.HeaderRead
		err     error
	}
	stop := make(chan struct{})
	defer close(stop)
	walked := make(chan *chunk, 1)
	var met []string // assets met by the walk, read after it closed walked
	read := make(chan *chunk, 1)
	go func() {
		defer close(walked)
		var batch []candidate
		send := func() bool {
			c := &chunk{todo: batch}
			if sortOut {
				c.todo, c.seen, c.err = s.sortOut(batch)
			}
			batch = nil
			select {
			case walked <- c:
				return c.err == nil
			case <-stop:
				return false
			}
		}
		ok := s.walk(filepath.Join(s.abs, filepath.FromSlash(prefix)), strings.TrimSuffix(prefix, "/"), func(c candidate) bool {
			if c.asset {
				met = append(met, c.rel)
				return true
			}
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
				c.results = s.readHeaders(c.todo)
			}
			select {
			case read <- c:
			case <-stop:
				return
			}
		}
	}()
	for c := range read {
		if c.err != nil {
			return nil, wrapIndex(c.err)
		}
		if err := file(c.results, c.seen); err != nil {
			return nil, err
		}
	}
	return met, nil
}

// walk calls fn for every article file below dir (whose slash path
// relative to the root is rel), and for every asset (candidate.asset),
// reading folders in chunks so that a folder
// of a million files is never listed whole in memory. Folders that cannot
// be read are skipped: they must not stop the build. The order is the
// file system's; nothing published depends on it.
func (s *scanner) walk(dir, rel string, fn func(candidate) bool) bool {
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
				if source.IsAssetPath(r) && !fn(candidate{rel: r, asset: true}) {
					return false
				}
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
		if !s.walk(filepath.Join(dir, name), r, fn) {
			return false
		}
	}
	return true
}

// sortOut splits walked files into those to read and the sequence numbers
// of those whose stamp matches the index. Only files the index knows are
// stat'ed, many at a time: on a cold disk each stat may be a read.
func (s *scanner) sortOut(batch []candidate) (todo []candidate, seen []uint64, err error) {
	type stamped struct {
		seq   uint64
		stamp source.Stamp
	}
	known := make([]stamped, len(batch))
	has := make([]bool, len(batch))
	err = s.ix.View(func(t *index.Tx) error {
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
	parallel.IO(len(batch), func(i int) {
		if has[i] {
			fi, err := os.Lstat(filepath.Join(s.abs, filepath.FromSlash(batch[i].rel)))
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
func (s *scanner) readHeaders(todo []candidate) []article.HeaderRead {
	sort.Slice(todo, func(i, j int) bool { return todo[i].rel < todo[j].rel })
	todo = slices.CompactFunc(todo, func(a, b candidate) bool { return a.rel == b.rel })
	results := make([]article.HeaderRead, len(todo))
	parallel.IO(len(todo), func(i int) {
		results[i] = s.rd.ReadHeader(todo[i].rel)
	})
	return results
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
