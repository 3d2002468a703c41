// Package snapshot holds the immutable set of files that one generation of
// feedgen produced: every feed, the HTML index and the OPML list, each with
// its gzip form and validators precomputed.
//
// A long-running process may keep a file compact: only its gzip form, with
// the identity bytes recovered by decompressing on demand (Identity,
// WriteIdentity). Nearly every feed reader accepts gzip, so holding both forms
// of every feed would spend most of the memory on a representation that is
// rarely sent.
//
// A Snapshot is built aside and then published by swapping a pointer, so the
// HTTP handler and the disk writer never see a half-updated set. Nothing in a
// Snapshot is modified after New returns; that is what makes sharing it between
// goroutines without locks safe.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// File is one published file. ContentType is one of the layout.Type*
// values. Path is the slash-separated path below the
// site root as it appears both in URLs (before percent-encoding) and under
// the output directory, always with a leading slash: "/rss.xml",
// "/tag/河北日报新闻/atom.xml", "/index.html".
//
// The identity bytes of a file are Body, except in a compact file (made by
// Compact), where Body is nil and Gzip holds them compressed. The invariant:
// Body == nil && Gzip != nil means compact; otherwise Body is the identity
// (nil for an empty file). Code that needs the identity bytes of a file it
// did not make itself must use Identity or WriteIdentity, never Body.
type File struct {
	Path        string
	ContentType string
	// Body is the identity representation, or nil in a compact file.
	Body []byte
	// Gzip is the identity bytes compressed once, when the file was
	// compressed, so that serving a compressed response costs no CPU per
	// request. It is nil when compression would not make the body smaller
	// (and then the file is never compact).
	Gzip []byte
	// ETag is a strong validator derived from the identity bytes alone
	// (quoted; see ETagOf), so equal bytes always get equal tags, across
	// restarts and replicas, and whether or not the file is compact.
	ETag string
	// Compressed says that Gzip and Br were computed (either may still be
	// nil when compressing does not make the body smaller).
	Compressed bool
	// GzipETag is the validator of the gzip representation; a strong ETag
	// must differ between content codings (RFC 9110 section 8.8.3).
	GzipETag string
	// Br is the identity bytes compressed with Brotli, computed together
	// with Gzip (see brotli.go); nil when it would not be smaller than the
	// body. A compact file keeps it too: it is what most browsers and CDNs
	// ask for, and it is smaller than Gzip.
	Br []byte
	// BrETag is the validator of the Brotli representation.
	BrETag string
	// ModTime is when these bytes were first published by this process. It
	// feeds Last-Modified only and is not part of the content.
	ModTime time.Time
	// CacheControl, when set, replaces the server's Cache-Control for this
	// file (an archive document that rarely changes, layout.ArchiveCacheControl).
	CacheControl string

	// size is len of the identity bytes, kept so that a compact file still
	// knows its Content-Length without decompressing.
	size int
	// produce, in a lazy file (lazy.go), renders the identity bytes on
	// demand; nil otherwise.
	produce func() ([]byte, error)
}

// NewFile builds a File, compressing the body and computing its validators.
func NewFile(path, contentType string, body []byte, modTime time.Time) *File {
	return newFile(path, contentType, body, modTime, true)
}

// ETagOf returns the strong ETag that a File with identity bytes body has:
// quoted hex of the first 96 bits of its SHA-256. Exported so that code which
// must decide whether new bytes equal a file's (without holding that file's
// identity bytes, which a compact file does not) can compare tags instead.
func ETagOf(body []byte) string {
	return `"` + etagHex(body) + `"`
}

func etagHex(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:12])
}

func newFile(path, contentType string, body []byte, modTime time.Time, compress bool) *File {
	tag := etagHex(body)
	f := &File{
		Path:        path,
		ContentType: contentType,
		Body:        body,
		ETag:        `"` + tag + `"`,
		ModTime:     modTime.UTC().Truncate(time.Second),
		size:        len(body),
	}
	f.GzipETag, f.BrETag = PrecompressedTags(f.ETag) // one rule, shared with lazy and precompressed files
	if compress {
		f.compress()
	}
	return f
}

func (f *File) compress() {
	if z := Compress(f.Body); len(z) < len(f.Body) {
		f.Gzip = z
	}
	if z := CompressBrotli(f.Body); len(z) < len(f.Body) {
		f.Br = z
	}
	f.Compressed = true
}

// WithGzip returns a copy of f with its compressed form computed (f itself
// is shared and never modified). The copy keeps Body.
func (f *File) WithGzip() *File {
	if f.Compressed || f.IsLazy() {
		return f
	}
	c := *f
	c.compress()
	return &c
}

// Compact returns a copy of f with its compressed form computed and, when
// that form exists (it is kept only when smaller than the body), without
// Body: the identity bytes are then recovered from Gzip on demand. f itself
// is shared and never modified; f is returned as it is when there is
// nothing to do. ETag, GzipETag, ModTime and Size do not change: the
// content is the same, only how it is held differs.
func (f *File) Compact() *File {
	if f.IsLazy() || (f.Compressed && (f.Gzip == nil || f.Body == nil)) {
		return f
	}
	c := *f
	if !c.Compressed {
		c.compress()
	}
	if c.Gzip != nil {
		c.Body = nil
	}
	return &c
}

// IsCompact reports whether f holds its identity bytes only in compressed
// form (Body is nil, Gzip is not).
func (f *File) IsCompact() bool { return f.Body == nil && f.Gzip != nil }

// Size is the length of the identity bytes, known without decompressing.
func (f *File) Size() int {
	if f.IsCompact() || f.IsLazy() {
		return f.size
	}
	return len(f.Body)
}

// Identity returns the identity bytes: Body itself (shared, not to be
// modified), or for a compact file a new slice decompressed from Gzip.
// The error is only ever non-nil for a compact file whose Gzip is corrupt,
// which a File made by this package never is.
func (f *File) Identity() ([]byte, error) {
	if f.IsLazy() {
		return f.produceChecked()
	}
	if !f.IsCompact() {
		return f.Body, nil
	}
	b := make([]byte, f.size)
	zr, err := getReader(f.Gzip)
	if err != nil {
		return nil, f.corrupt(err)
	}
	defer gzReaders.Put(zr)
	if _, err := io.ReadFull(zr, b); err != nil {
		return nil, f.corrupt(err)
	}
	// Read to the end: that is where gzip checks the CRC and the length, so
	// a short or corrupt stream cannot pass for the identity bytes.
	var extra [1]byte
	if n, err := zr.Read(extra[:]); n != 0 || err != io.EOF {
		if err == nil || err == io.EOF {
			err = errors.New("longer than its recorded size")
		}
		return nil, f.corrupt(err)
	}
	return b, nil
}

// WriteIdentity writes the identity bytes to w, decompressing a compact
// file as it goes so that the whole identity body is never held at once
// (the disk writer streams a compact file into its temporary file this
// way). It returns the number of bytes written.
func (f *File) WriteIdentity(w io.Writer) (int64, error) {
	if f.IsLazy() {
		b, err := f.produceChecked()
		if err != nil {
			return 0, err
		}
		n, err := w.Write(b)
		return int64(n), err
	}
	if !f.IsCompact() {
		n, err := w.Write(f.Body)
		return int64(n), err
	}
	zr, err := getReader(f.Gzip)
	if err != nil {
		return 0, f.corrupt(err)
	}
	defer gzReaders.Put(zr)
	n, err := io.Copy(w, zr)
	if err == nil && n != int64(f.size) {
		err = f.corrupt(fmt.Errorf("%d bytes, want %d", n, f.size))
	}
	return n, err
}

func (f *File) corrupt(err error) error {
	return fmt.Errorf("snapshot: %s: gzip form: %w", f.Path, err)
}

// gzReaders recycles gzip readers: each holds tens of kilobytes of
// decompression state, and a daemon that serves compact files to
// non-gzip clients decompresses often enough for that to show.
var gzReaders sync.Pool

func getReader(z []byte) (*gzip.Reader, error) {
	if zr, ok := gzReaders.Get().(*gzip.Reader); ok {
		if err := zr.Reset(bytes.NewReader(z)); err != nil {
			return nil, err
		}
		return zr, nil
	}
	return gzip.NewReader(bytes.NewReader(z))
}

// gzWriters recycles gzip writers (*gzEncoder): each holds close to a
// megabyte of compressor state, which for a feed of a few kilobytes costs
// far more to allocate and clear than the compression itself. A reset
// writer writes exactly what a new one would.
var gzWriters sync.Pool

// gzEncoder is a pooled gzip writer and the destination it was made with.
type gzEncoder struct {
	zw  *gzip.Writer
	dst detachable
}

// detachable is a destination whose buffer is dropped after each use, so
// that a pooled encoder does not keep the last output alive.
type detachable struct{ b *bytes.Buffer }

func (d *detachable) Write(p []byte) (int, error) { return d.b.Write(p) }

// Compress gzips b at the best compression level. The header carries no name
// and no time, so the same input always gives the same bytes.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	e, ok := gzWriters.Get().(*gzEncoder)
	if ok {
		e.zw.Reset(&e.dst)
	} else {
		e = new(gzEncoder)
		e.zw, _ = gzip.NewWriterLevel(&e.dst, gzip.BestCompression) // level is valid: no error
	}
	e.dst.b = &buf
	_, _ = e.zw.Write(b) // writes to a bytes.Buffer do not fail
	_ = e.zw.Close()
	e.dst.b = nil
	gzWriters.Put(e)
	// A copy of exactly the compressed length: the buffer's spare capacity
	// (up to half of it, after doubling) would otherwise stay alive as long
	// as the file, which in the daemon is as long as the feed is served.
	return bytes.Clone(buf.Bytes())
}

// Stats describes the generation that produced a snapshot, for /healthz and
// logs.
type Stats struct {
	Articles int       // published articles
	Invalid  int       // files that were rejected as bad input
	Feeds    int       // feeds (each in three formats)
	Updated  time.Time // when this snapshot was made (clock time; not in any feed)
}

// Snapshot is an immutable set of Files keyed by Path.
type Snapshot struct {
	files map[string]*File
	paths []string
	stats Stats
}

// New returns a Snapshot of files. Later files with an already seen path
// replace earlier ones.
func New(files []*File, stats Stats) *Snapshot {
	s := &Snapshot{files: make(map[string]*File, len(files)), stats: stats}
	for _, f := range files {
		s.files[f.Path] = f
	}
	s.paths = make([]string, 0, len(s.files))
	for p := range s.files {
		s.paths = append(s.paths, p)
	}
	sort.Strings(s.paths)
	return s
}

// Get returns the file at path, or nil.
func (s *Snapshot) Get(path string) *File {
	if s == nil {
		return nil
	}
	return s.files[path]
}

// Paths returns every path in the snapshot, sorted. The slice is shared:
// callers must not modify it.
func (s *Snapshot) Paths() []string {
	if s == nil {
		return nil
	}
	return s.paths
}

// Len is the number of files.
func (s *Snapshot) Len() int {
	if s == nil {
		return 0
	}
	return len(s.paths)
}

// Stats returns the generation statistics.
func (s *Snapshot) Stats() Stats {
	if s == nil {
		return Stats{}
	}
	return s.stats
}

// NewPlainFile is NewFile without the compressed form, for output that is
// only written to disk.
func NewPlainFile(path, contentType string, body []byte, modTime time.Time) *File {
	return newFile(path, contentType, body, modTime, false)
}
