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

// brotliWindow is the window (log2 of bytes) for an input of n bytes: the
// smallest that holds it whole, between Brotli's bounds. A window larger
// than the input only costs memory (the encoder allocates it, with hash
// tables to match, for every file it compresses); it depends on the input
// alone, so the output stays deterministic.
func brotliWindow(n int) int {
	w := 16
	for w < 24 && 1<<w < n {
		w++
	}
	return w
}

// CompressBrotli compresses b with Brotli at BrotliQuality. The encoder has
// no time or name in its output, so the same input always gives the same
// bytes (needed for deterministic .br files and stable ETags).
func CompressBrotli(b []byte) []byte {
	return compressBrotliQ(b, BrotliQuality)
}

func compressBrotliQ(b []byte, q int) []byte {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: q, LGWin: brotliWindow(len(b))})
	_, _ = w.Write(b) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	// A copy of exactly the compressed length: the buffer's spare capacity
	// would otherwise stay alive as long as the file.
	return bytes.Clone(buf.Bytes())
}
