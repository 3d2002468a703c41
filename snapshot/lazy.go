package snapshot

import (
	"errors"
	"fmt"
	"time"
)

// Lazy files. A daemon that publishes a large archive (RFC 5005 archive
// documents: one per feed, month and format) cannot hold every document's
// bytes, even compressed: the archive grows with every article ever
// published, and the daemon's cost must follow the feeds. A lazy file
// holds only what a response needs before its body (path, type, the
// validators computed when the document was last rendered, its length,
// Last-Modified, Cache-Control) and a function that renders the identity
// bytes again when a request needs them. A 304 therefore costs nothing, and
// the server keeps a bounded cache of the bodies it produced.

// ErrStale is returned for a lazy file whose bytes, rendered again, are
// not the ones its validators name: what they are made from changed since
// (a regeneration is replacing the file). The bytes are never served under
// the old validators; the caller looks for the newer file.
var ErrStale = errors.New("changed since it was published")

// NewLazyFile returns a lazy file: etag is the strong ETag of its identity
// bytes (ETagOf), size their length, and produce renders them on demand.
// produce must be safe for concurrent use; the file checks every result
// against etag (Identity, WriteIdentity), so a producer that reads changed
// inputs yields ErrStale rather than wrong bytes.
func NewLazyFile(path, contentType, etag string, size int, modTime time.Time, cacheControl string, produce func() ([]byte, error)) *File {
	gz, br := PrecompressedTags(etag)
	return &File{
		Path:         path,
		ContentType:  contentType,
		ETag:         etag,
		GzipETag:     gz,
		BrETag:       br,
		ModTime:      modTime.UTC().Truncate(time.Second),
		CacheControl: cacheControl,
		// Compressed: there is nothing to compress ahead of a request;
		// the compressed forms are made on demand, like the bytes.
		Compressed: true,
		size:       size,
		produce:    produce,
	}
}

// IsLazy reports whether f renders its bytes on demand (NewLazyFile).
func (f *File) IsLazy() bool { return f.produce != nil }

// WithCacheControl returns a copy of f with Cache-Control cc (f itself is
// shared and never modified), or f when it already has it.
func (f *File) WithCacheControl(cc string) *File {
	if f.CacheControl == cc {
		return f
	}
	c := *f
	c.CacheControl = cc
	return &c
}

// produceChecked renders a lazy file's identity bytes and checks them
// against its ETag.
func (f *File) produceChecked() ([]byte, error) {
	b, err := f.produce()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %s: rendering: %w", f.Path, err)
	}
	if ETagOf(b) != f.ETag {
		return nil, fmt.Errorf("snapshot: %s: %w", f.Path, ErrStale)
	}
	return b, nil
}
