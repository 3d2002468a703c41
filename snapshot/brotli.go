package snapshot

import (
	"bytes"
	"sync"

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
// than the input only costs memory (an encoder holds its window, with hash
// tables to match); it depends on the input alone, so the output stays
// deterministic.
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

// brWriters recycles the encoders of CompressBrotli (*brEncoder), one
// pool per window (16 to 24, indexed from 0): an encoder holds its window
// and hash tables, hundreds of kilobytes to megabytes, which for a small
// feed cost more to allocate and clear than compressing it. A reset
// encoder writes exactly what a new one with the same options would.
var brWriters [9]sync.Pool

// brEncoder is a pooled Brotli encoder and the destination it was made
// with.
type brEncoder struct {
	w   *brotli.Writer
	dst detachable
}

func compressBrotliQ(b []byte, q int) []byte {
	var buf bytes.Buffer
	win := brotliWindow(len(b))
	// Only the level in use is pooled; BenchmarkBrotliQuality's others
	// get a new encoder each time.
	var pool *sync.Pool
	if q == BrotliQuality {
		pool = &brWriters[win-16]
	}
	var e *brEncoder
	if pool != nil {
		e, _ = pool.Get().(*brEncoder)
	}
	if e != nil {
		e.w.Reset(&e.dst)
	} else {
		e = new(brEncoder)
		e.w = brotli.NewWriterOptions(&e.dst, brotli.WriterOptions{Quality: q, LGWin: win})
	}
	e.dst.b = &buf
	_, _ = e.w.Write(b) // writes to a bytes.Buffer do not fail
	_ = e.w.Close()
	e.dst.b = nil
	if pool != nil {
		pool.Put(e)
	}
	// A copy of exactly the compressed length: the buffer's spare capacity
	// would otherwise stay alive as long as the file.
	return bytes.Clone(buf.Bytes())
}
