package article

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"feedgen/source"
)

// How much of a file is read to index it. The front matter sits at the
// start and the link and navigation lines at the end; a body of several
// kilobytes in between is read only when a feed shows the article.
const (
	headSize = 4 << 10
	tailSize = 2 << 10
)

// Reader reads the article files of one source directory. It refuses what
// is not a regular file, what is larger than the size limit, and symbolic
// links that lead outside the directory. It is safe for concurrent use.
type Reader struct {
	abs     string // the source directory, absolute
	maxSize int64
	opt     ParseOptions

	realOnce sync.Once
	real     string // abs with symbolic links resolved

	opened atomic.Int64
}

// NewReader returns a Reader of the source directory abs (absolute) that
// refuses files over maxSize bytes and parses with opt.
func NewReader(abs string, maxSize int64, opt ParseOptions) *Reader {
	return &Reader{abs: abs, maxSize: maxSize, opt: opt}
}

// Options are the parse options the reader was made with.
func (r *Reader) Options() ParseOptions { return r.opt }

// Opened is the number of article files opened so far: what a state saves
// is measured by it.
func (r *Reader) Opened() int64 { return r.opened.Load() }

// HeaderRead is the result of reading a file for the index.
type HeaderRead struct {
	Rel   string
	Stamp source.Stamp
	Sum   uint64   // of the bytes parsed (ContentSum)
	Hdr   *Article // header fields only: no content, summary or image
	Link  bool     // the file is a symbolic link
	Err   error
}

// open opens the article file rel and says whether it is a symbolic link.
func (r *Reader) open(rel string) (*os.File, fs.FileInfo, bool, error) {
	r.opened.Add(1)
	p := filepath.Join(r.abs, filepath.FromSlash(rel))
	if f, fi, ok := source.OpenRegularNoFollow(p); ok {
		f, fi, err := r.checkSize(f, fi)
		return f, fi, false, err
	}
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
		if rr, err := filepath.Rel(r.realRoot(), target); err != nil || rr == ".." || strings.HasPrefix(rr, ".."+string(filepath.Separator)) {
			return nil, nil, link, errors.New("symbolic link points outside the source directory")
		}
	}
	f, fi, err := r.openFile(p)
	return f, fi, link, err
}

// openFile opens p and checks that it is a regular file within the size
// limit.
func (r *Reader) openFile(p string) (*os.File, fs.FileInfo, error) {
	f, fi, err := source.OpenRegular(p)
	if err != nil {
		return nil, nil, readError(err)
	}
	return r.checkSize(f, fi)
}

// checkSize closes f and refuses it when it is over the size limit.
func (r *Reader) checkSize(f *os.File, fi fs.FileInfo) (*os.File, fs.FileInfo, error) {
	if fi.Size() > r.maxSize {
		f.Close()
		return nil, nil, fmt.Errorf("file is %d bytes, more than the maximum article size of %d bytes", fi.Size(), r.maxSize)
	}
	return f, fi, nil
}

// realRoot is the source directory with symbolic links resolved.
func (r *Reader) realRoot() string {
	r.realOnce.Do(func() {
		r.real = r.abs
		if rr, err := filepath.EvalSymlinks(r.abs); err == nil {
			r.real = rr
		}
	})
	return r.real
}

// ReadWhole reads the entire file rel.
func (r *Reader) ReadWhole(rel string) ([]byte, source.Stamp, error) {
	f, fi, _, err := r.open(rel)
	if err != nil {
		return nil, source.Stamp{}, err
	}
	defer f.Close()
	data, err := r.readAll(f)
	if err != nil {
		return nil, source.Stamp{}, err
	}
	return data, source.StampOf(fi), nil
}

// ReadHeader reads what indexing needs of file rel: its head and tail, or
// the whole file when it is small or the head does not hold the front
// matter.
func (r *Reader) ReadHeader(rel string) HeaderRead {
	res := HeaderRead{Rel: rel}
	f, fi, link, err := r.open(rel)
	res.Link = link
	if err != nil {
		res.Err = err
		return res
	}
	defer f.Close()
	res.Stamp = source.StampOf(fi)
	size := fi.Size()
	if size <= headSize+tailSize {
		return r.parseWhole(res, f)
	}
	buf := make([]byte, headSize+tailSize)
	head := buf[:headSize]
	if _, err := io.ReadFull(f, head); err != nil {
		res.Err = readError(err)
		return res
	}
	tail := buf[headSize:]
	n, err := f.ReadAt(tail, size-tailSize)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(tail)) {
		if errors.Is(err, io.EOF) { // shrank while we read: read it whole
			return r.parseWhole(res, f)
		}
		res.Err = readError(err)
		return res
	}
	// Start the tail at a line boundary, so that it holds whole lines.
	if i := strings.IndexByte(string(tail), '\n'); i >= 0 {
		tail = tail[i+1:]
	}
	res.Sum = ContentSum(buf)
	h, err := parseHeader(rel, head, tail, r.opt)
	if errors.Is(err, errNeedWhole) {
		return r.parseWhole(res, f)
	}
	res.Err = err
	if h != nil {
		res.Hdr = h.a // not the front matter map or the body: thousands of these wait to be filed
	}
	return res
}

// parseWhole reads the rest of an open file from its start and parses it
// all.
func (r *Reader) parseWhole(res HeaderRead, f *os.File) HeaderRead {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		res.Err = readError(err)
		return res
	}
	data, err := r.readAll(f)
	if err != nil {
		res.Err = err
		return res
	}
	res.Sum = ContentSum(data)
	h, err := parseHeader(res.Rel, data, nil, r.opt)
	res.Err = err
	if h != nil {
		res.Hdr = h.a
	}
	return res
}

// ContentSum identifies file contents across runs: it only ever answers
// "did these bytes change", and it is kept in the state, so it must not
// depend on the process. Two CRC-32s (Castagnoli and IEEE, both computed in
// hardware on common processors) make 64 bits at memory speed.
func ContentSum(b []byte) uint64 {
	return uint64(crc32.Checksum(b, castagnoli))<<32 | uint64(crc32.ChecksumIEEE(b))
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// readAll reads an open article file from its current offset, in one
// buffer of the file's size (plus one byte to see growth) where that is
// known, up to the size limit.
func (r *Reader) readAll(f *os.File) ([]byte, error) {
	max := r.maxSize
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

// readError strips the path that os errors repeat, since every problem is
// reported as "path: reason" already.
func readError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
