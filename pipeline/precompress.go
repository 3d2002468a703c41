package pipeline

import (
	"errors"
	"fmt"

	"feedgen/diskout"
	"feedgen/layout"
	"feedgen/snapshot"
)

// precompressor writes, beside each file a build puts, its gzip and Brotli
// forms (NAME.gz, NAME.br) for static servers that send them as they are
// (nginx gzip_static and brotli_static, CDNs). They go through the same
// stream as the file: written atomically, left alone when unchanged,
// removed with the file.
type precompressor struct {
	st   *diskout.Stream
	on   bool // false: put writes the file alone
	errs []error
}

// put writes f and, when on, its two precompressed forms. It reports
// whether f itself was written (it differed from what was on disk).
func (p *precompressor) put(f *snapshot.File) bool {
	if p.st == nil {
		return false // no output directory (publishing only)
	}
	written, _ := p.st.Put(f) // the stream's Finish reports Put's errors
	if !p.on || layout.AssetType(f.Path) != "" {
		return written // images are compressed already
	}
	gz, br, err := snapshot.Precompressed(f)
	if err != nil {
		p.errs = append(p.errs, fmt.Errorf("%s: precompressing: %w", f.Path, err))
		return written
	}
	_, _ = p.st.Put(gz)
	_, _ = p.st.Put(br)
	return written
}

// keep says a file need not be rendered when it and both its precompressed
// forms are already on disk as they should be. Their tags derive from the
// file's, so nothing is compressed to find out.
func (p *precompressor) keep(path, etag string) bool {
	gzTag, brTag := snapshot.PrecompressedTags(etag)
	return p.st.Keep(path+snapshot.SuffixGzip, gzTag) && p.st.Keep(path+snapshot.SuffixBrotli, brTag) && p.st.Keep(path, etag)
}

func (p *precompressor) err() error { return errors.Join(p.errs...) }
