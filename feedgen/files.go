package feedgen

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"feedgen/source"
)

// How much of a file is read to index it. The front matter sits at the
// start and the link and navigation lines at the end; a body of several
// kilobytes in between is read only when a feed shows the article.
const (
	headSize = 4 << 10
	tailSize = 2 << 10
)

// stamp identifies a version of a file without reading it: a rescan skips
// a file whose stamp did not change (see source.Stamp).
type stamp = source.Stamp

// stampOf returns the stamp of a file from its information.
func stampOf(fi fs.FileInfo) stamp { return source.StampOf(fi) }

// headerRead is the result of reading a file for the index.
type headerRead struct {
	rel   string
	stamp stamp
	sum   uint64   // of the bytes parsed
	hdr   *Article // header fields only
	link  bool     // the file is a symbolic link
	err   error
}

// open opens the article file rel, refusing what is not a regular file,
// what is larger than the limit, and symbolic links that lead outside the
// source directory.
func (g *Generator) open(rel string) (*os.File, fs.FileInfo, error) {
	f, fi, _, err := g.openLink(rel)
	return f, fi, err
}

// openLink is open that also says whether rel is a symbolic link.
func (g *Generator) openLink(rel string) (*os.File, fs.FileInfo, bool, error) {
	p := filepath.Join(g.abs, filepath.FromSlash(rel))
	lfi, err := os.Lstat(p)
	if err != nil {
		return nil, nil, false, readError(err)
	}
	link := lfi.Mode()&fs.ModeSymlink != 0
	if link {
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			return nil, nil, link, fmt.Errorf("broken symbolic link: %w", readError(err))
		}
		if r, err := filepath.Rel(g.realRoot(), target); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return nil, nil, link, errors.New("symbolic link points outside the source directory")
		}
	}
	f, fi, err := g.openFile(p)
	return f, fi, link, err
}

// openFile opens p and checks that it is a regular file within the size
// limit.
func (g *Generator) openFile(p string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscallNonblock, 0)
	if err != nil {
		return nil, nil, readError(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, readError(err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if max := g.cfg.MaxArticleSize; fi.Size() > max {
		f.Close()
		return nil, nil, fmt.Errorf("file is %d bytes, more than the maximum article size of %d bytes", fi.Size(), max)
	}
	return f, fi, nil
}

// realRoot is the source directory with symbolic links resolved.
func (g *Generator) realRoot() string {
	g.realOnce.Do(func() {
		g.real = g.abs
		if r, err := filepath.EvalSymlinks(g.abs); err == nil {
			g.real = r
		}
	})
	return g.real
}

// readWhole reads the entire file rel.
func (g *Generator) readWhole(rel string) ([]byte, stamp, error) {
	f, fi, err := g.open(rel)
	if err != nil {
		return nil, stamp{}, err
	}
	defer f.Close()
	data, err := g.readAll(f)
	if err != nil {
		return nil, stamp{}, err
	}
	return data, stampOf(fi), nil
}

// readHeader reads what indexing needs of file rel: its head and tail, or
// the whole file when it is small or the head does not hold the front
// matter.
func (g *Generator) readHeader(rel string) headerRead {
	r := headerRead{rel: rel}
	f, fi, link, err := g.openLink(rel)
	r.link = link
	if err != nil {
		r.err = err
		return r
	}
	defer f.Close()
	r.stamp = stampOf(fi)
	size := fi.Size()
	if size <= headSize+tailSize {
		return g.parseWhole(r, f)
	}
	buf := make([]byte, headSize+tailSize)
	head := buf[:headSize]
	if _, err := io.ReadFull(f, head); err != nil {
		r.err = readError(err)
		return r
	}
	tail := buf[headSize:]
	n, err := f.ReadAt(tail, size-tailSize)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(tail)) {
		if errors.Is(err, io.EOF) { // shrank while we read: read it whole
			return g.parseWhole(r, f)
		}
		r.err = readError(err)
		return r
	}
	// Start the tail at a line boundary, so that it holds whole lines.
	if i := strings.IndexByte(string(tail), '\n'); i >= 0 {
		tail = tail[i+1:]
	}
	r.sum = g.hash(buf)
	h, err := parseHeader(rel, head, tail, g.popt)
	if errors.Is(err, errNeedWhole) {
		return g.parseWhole(r, f)
	}
	r.err = err
	if h != nil {
		r.hdr = h.a // not the front matter map or the body: thousands of these wait to be filed
	}
	return r
}

// parseWhole reads the rest of an open file from its start and parses it
// all.
func (g *Generator) parseWhole(r headerRead, f *os.File) headerRead {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		r.err = readError(err)
		return r
	}
	data, err := g.readAll(f)
	if err != nil {
		r.err = err
		return r
	}
	r.sum = g.hash(data)
	h, err := parseHeader(r.rel, data, nil, g.popt)
	r.err = err
	if h != nil {
		r.hdr = h.a
	}
	return r
}

// hash identifies file contents within this process: it only ever answers
// "did these bytes change", so a fast seeded 64-bit hash is enough.
func (g *Generator) hash(b []byte) uint64 { return maphash.Bytes(g.seed, b) }

// readAll reads an open article file from its current offset, in one
// buffer of the file's size (plus one byte to see growth) where that is
// known, up to the size limit.
func (g *Generator) readAll(f *os.File) ([]byte, error) {
	max := g.cfg.MaxArticleSize
	size := int64(512)
	if fi, err := f.Stat(); err == nil && fi.Size() < max {
		size = fi.Size() + 1
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, fmt.Errorf("file is more than the maximum article size of %d bytes", max)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, readError(err)
		}
	}
}

// parallel runs fn for each of n jobs on all processors. Results must be
// written to per-job slots: the order in which jobs finish does not matter.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if int(i) >= n {
					return
				}
				fn(int(i))
			}
		}()
	}
	wg.Wait()
}

// readError strips the path that os errors repeat, since every problem is
// reported as "path: reason" already.
func readError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
