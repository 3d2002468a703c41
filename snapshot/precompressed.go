package snapshot

import "strings"

// Suffixes of the precompressed files written beside each published file
// (build -precompress), as nginx's gzip_static and brotli_static and most
// CDNs expect them.
const (
	SuffixGzip   = ".gz"
	SuffixBrotli = ".br"
)

// Content types of the precompressed files, for completeness: they are
// only written to disk, where a web server picks the type of the file they
// stand for.
const (
	typeGzip   = "application/gzip"
	typeBrotli = "application/x-brotli"
)

// Precompressed returns the two files a static server sends in place of f
// to a client that accepts gzip or Brotli: f.Path+".gz" and f.Path+".br",
// whose bytes are f's identity bytes compressed (always, even when that
// does not make them smaller: a server that finds only some of them would
// be harder to reason about). The bytes are deterministic, and each file's
// ETag is the one PrecompressedTags derives from f's, so that a writer can
// tell a precompressed file is current from f's tag alone, without
// compressing. It fails only for a compact file whose gzip form is corrupt.
func Precompressed(f *File) (gz, br *File, err error) {
	id, err := f.Identity()
	if err != nil {
		return nil, nil, err
	}
	gzTag, brTag := PrecompressedTags(f.ETag)
	gz = newFile(f.Path+SuffixGzip, typeGzip, Compress(id), f.ModTime, false)
	gz.ETag = gzTag
	br = newFile(f.Path+SuffixBrotli, typeBrotli, CompressBrotli(id), f.ModTime, false)
	br.ETag = brTag
	return gz, br, nil
}

// PrecompressedTags returns the ETags of the precompressed files of a file
// whose ETag is etag: its gzip and Brotli representation tags (File.GzipETag,
// File.BrETag). They are functions of the identity bytes only, like every
// other tag here, because compressing is deterministic.
func PrecompressedTags(etag string) (gz, br string) {
	base := strings.TrimSuffix(etag, `"`)
	return base + `-gz"`, base + `-br"`
}
