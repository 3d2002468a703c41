package snapshot

import (
	"bytes"

	"github.com/andybalholm/brotli"
)

// BrotliQuality is the Brotli level every file is compressed at, once per
// change. Chosen with BenchmarkBrotliQuality (BENCHMARKS.md, "Brotli") on
// the feeds of a 1 000-article corpus: quality 5 is 9 % smaller than gzip -9
// at half gzip's speed (31 MB/s on this machine); 9 saves another 8 % at
// three times that CPU and 11 is eighty times slower again. The daemon
// compresses while holding the generator's lock, on two shared cores, and a
// large archive has hundreds of megabytes of feeds to compress at start-up,
// so the cheap level wins.
const BrotliQuality = 5

// brotliWindow is the window (log2 of bytes) used: 22 bits (4 MiB) holds
// any feed whole, and a fixed value keeps the output the same whatever
// default the library picks.
const brotliWindow = 22

// CompressBrotli compresses b with Brotli at BrotliQuality. The encoder has
// no time or name in its output, so the same input always gives the same
// bytes (needed for deterministic .br files and stable ETags).
func CompressBrotli(b []byte) []byte {
	return compressBrotliQ(b, BrotliQuality)
}

func compressBrotliQ(b []byte, q int) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/4 + 64)
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: q, LGWin: brotliWindow})
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	return buf.Bytes()
}
