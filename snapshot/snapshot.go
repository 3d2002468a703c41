// Package snapshot holds the immutable set of files that one generation of
// feedgen produced: every feed, the HTML index and the OPML list, each with
// its gzip form and validators precomputed.
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
	"sort"
	"time"
)

// File is one published file. ContentType is one of the layout.Type*
// values. Path is the slash-separated path below the
// site root as it appears both in URLs (before percent-encoding) and under
// the output directory, always with a leading slash: "/rss.xml",
// "/tag/河北日报新闻/atom.xml", "/index.html".
type File struct {
	Path        string
	ContentType string
	Body        []byte
	// Gzip is Body compressed once, when the file was created, so that
	// serving a compressed response costs no CPU per request. It is nil when
	// compression would not make the body smaller.
	Gzip []byte
	// ETag is a strong validator derived from Body alone (quoted), so equal
	// bytes always get equal tags, across restarts and replicas.
	ETag string
	// Compressed says that Gzip was computed (it may still be nil when
	// compressing does not make the body smaller).
	Compressed bool
	// GzipETag is the validator of the gzip representation; a strong ETag
	// must differ between content codings (RFC 9110 section 8.8.3).
	GzipETag string
	// ModTime is when these bytes were first published by this process. It
	// feeds Last-Modified only and is not part of the content.
	ModTime time.Time
}

// NewFile builds a File, compressing the body and computing its validators.
func NewFile(path, contentType string, body []byte, modTime time.Time) *File {
	return newFile(path, contentType, body, modTime, true)
}

func newFile(path, contentType string, body []byte, modTime time.Time, compress bool) *File {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	f := &File{
		Path:        path,
		ContentType: contentType,
		Body:        body,
		ETag:        `"` + tag + `"`,
		GzipETag:    `"` + tag + `-gz"`,
		ModTime:     modTime.UTC().Truncate(time.Second),
	}
	if compress {
		f.compress()
	}
	return f
}

func (f *File) compress() {
	if z := Compress(f.Body); len(z) < len(f.Body) {
		f.Gzip = z
	}
	f.Compressed = true
}

// WithGzip returns a copy of f with its compressed form computed (f itself
// is shared and never modified).
func (f *File) WithGzip() *File {
	if f.Compressed {
		return f
	}
	c := *f
	c.compress()
	return &c
}

// Compress gzips b at the best compression level. The header carries no name
// and no time, so the same input always gives the same bytes.
func Compress(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // level is valid: no error
	_, _ = zw.Write(b)                                       // writes to a bytes.Buffer do not fail
	_ = zw.Close()
	return buf.Bytes()
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
