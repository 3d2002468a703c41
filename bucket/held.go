package bucket

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"feedgen/snapshot"
)

// heldFile is a file waiting in a run for its phase (pages, feeds, the
// index). A build hands over plain files and drops them, so with
// RunOptions.Compact the run keeps their bytes gzipped at the fastest
// level: about a fifth of the memory for a fraction of what
// snapshot.File.Compact costs (the best gzip and Brotli forms), which
// would be paid on the build's path for bytes that are only held.
type heldFile struct {
	f *snapshot.File // the file, or with z only its path, type, tag and Cache-Control
	z []byte         // the identity bytes gzipped; nil when f holds them
}

// hold makes a heldFile of f.
func hold(f *snapshot.File, compact bool) (heldFile, error) {
	if !compact || f.IsCompact() || f.IsLazy() {
		return heldFile{f: f}, nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	if _, err := f.WriteIdentity(zw); err != nil {
		return heldFile{}, fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := zw.Close(); err != nil {
		return heldFile{}, fmt.Errorf("%s: %w", f.Path, err)
	}
	meta := &snapshot.File{Path: f.Path, ContentType: f.ContentType, ETag: f.ETag, CacheControl: f.CacheControl}
	return heldFile{f: meta, z: bytes.Clone(buf.Bytes())}, nil
}

// identity returns the held file's identity bytes.
func (h heldFile) identity() ([]byte, error) {
	if h.z == nil {
		return h.f.Identity()
	}
	zr, err := gzip.NewReader(bytes.NewReader(h.z))
	if err != nil {
		return nil, fmt.Errorf("%s: held bytes: %w", h.f.Path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: held bytes: %w", h.f.Path, err)
	}
	return b, nil
}
