package pipeline

import (
	"runtime/debug"
	"sync"
	"time"

	"feedgen/feedgen"
)

// compressRest is how long the compressor rests after a round of
// compression before it starts another (see compressor).
const compressRest = time.Second

// compressor computes the gzip forms of what each regeneration published
// uncompressed and swaps in the compressed snapshot, whose files keep only
// their gzip form (identity responses are decompressed by the handler,
// with a bounded cache): nearly every reader accepts gzip, so this keeps
// the daemon's memory near the size of the compressed feeds rather than
// of both forms.
//
// It holds d.mu only to list the files to compress and to put the results
// in place (the generator is not safe for concurrent use), not while
// compressing: gzip and Brotli forms of a large archive take seconds at
// start-up, which a change must not wait for. Its snapshot is assembled
// under the lock, so it always reflects the latest regeneration; a file a
// regeneration replaced meanwhile is compressed in the next round.
//
// After a round it rests compressRest before the next: a burst of changes
// (an rsync, a crawler writing article after article) regenerates every
// few hundred milliseconds, and compressing each version of the feeds,
// most of them replaced before anyone fetched them, would keep a core
// busy that the regenerations need. The first round, at start-up, and a
// round after a quiet spell start at once.
func (d *Daemon) compressor() {
	defer close(d.done)
	endFirst := sync.OnceFunc(func() { close(d.firstRound) })
	defer endFirst()
	first := true
	var rested time.Time // when the compressor may start its next round
	for {
		select {
		case <-d.quit:
			return
		case <-d.compress:
		}
		if wait := time.Until(rested); wait > 0 {
			rest := time.NewTimer(wait)
			select {
			case <-d.quit:
				rest.Stop()
				return
			case <-rest.C:
			}
		}
		d.mu.Lock()
		todo := d.gen.Uncompressed()
		d.mu.Unlock()
		if len(todo) == 0 {
			endFirst()
			continue
		}
		start := time.Now()
		done := feedgen.CompactAll(todo, d.quit) // without the lock: regenerations go on
		d.mu.Lock()
		s := d.gen.Compressed(done)
		if s != nil && d.loss.holding() {
			s = nil // the generator's files are the held loss's (losshold.go)
		}
		if s != nil {
			d.handler.Swap(s)
		}
		d.mu.Unlock()
		rested = time.Now().Add(compressRest)
		if s == nil {
			endFirst()
			continue
		}
		took := time.Since(start).Round(time.Microsecond).String()
		if !first {
			d.log.Debug("compressed", "files", s.Len(), "duration", took)
			continue
		}
		first = false
		d.log.Info("compressed", "files", s.Len(), "duration", took)
		// Start-up indexed the whole archive, read and cleaned every shown
		// article and held every feed uncompressed: most of that heap is
		// garbage now that the compact snapshot is published. The runtime
		// returns freed memory to the OS only gradually, so without this
		// the resident size would stay near the start-up peak for minutes.
		// Once only: it is a full collection, and later changes are small.
		debug.FreeOSMemory()
		endFirst()
	}
}

// stopCompressor stops the compressor goroutine started by Run and waits
// for it: the files being compressed finish, the others are left.
func (d *Daemon) stopCompressor() {
	d.stopOnce.Do(func() { close(d.quit) })
	<-d.done
}
