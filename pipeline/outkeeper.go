package pipeline

import (
	"sync"
	"time"

	"feedgen/diskout"
	"feedgen/snapshot"
)

// How the daemon keeps its output directory (serve -out) in step when the
// disk does not cooperate. A failed write (a full disk, a quota, an I/O
// error) does not stop serving: readers get the snapshot from memory, the
// failure is logged once, and the whole snapshot is written again after a
// growing delay until it succeeds, without waiting for an article to
// change. A directory deleted or replaced behind the daemon's back is
// noticed by a cheap periodic stat and written again in full.
const (
	// outRetryMin and outRetryMax bound the delay between two attempts
	// after a failed write; it doubles after each failure.
	outRetryMin = time.Second
	outRetryMax = time.Minute
	// outCheckEvery is how often the output directory is checked for
	// having been deleted or replaced.
	outCheckEvery = 2 * time.Second
)

// outKeeper is the daemon's record of the output directory's health.
type outKeeper struct {
	mu      sync.Mutex
	failing bool
	delay   time.Duration // next retry delay while failing
	wake    chan struct{} // the retry loop re-arms its timer

	// The timings, outRetryMin, outRetryMax and outCheckEvery unless a
	// test shortens them before Run (per daemon, so that tests of other
	// daemons may run alongside).
	retryMin, retryMax, checkEvery time.Duration
}

func newOutKeeper() outKeeper {
	return outKeeper{wake: make(chan struct{}, 1), retryMin: outRetryMin, retryMax: outRetryMax, checkEvery: outCheckEvery}
}

// writeOut writes s to the output directory and records the outcome.
// Called with d.mu held.
func (d *Daemon) writeOut(s *snapshot.Snapshot) diskout.Result {
	if d.writer == nil {
		return diskout.Result{}
	}
	wr, err := d.writer.Write(s)
	k := &d.out
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case err != nil && !k.failing:
		k.failing, k.delay = true, k.retryMin
		d.log.Error("writing output failed; serving from memory and retrying until it succeeds",
			"dir", d.opts.Out, "err", err, "event", "output_failing")
		k.signal()
	case err != nil:
		d.log.Debug("writing output failed again", "dir", d.opts.Out, "err", err)
	case k.failing:
		k.failing = false
		d.log.Info("output written again", "dir", d.opts.Out, "written", wr.Written, "event", "output_recovered")
	}
	return wr
}

func (k *outKeeper) signal() {
	select {
	case k.wake <- struct{}{}:
	default:
	}
}

// startOutKeeper starts the goroutine that retries failed writes and
// watches the output directory, and returns the function that stops it
// and waits for it.
func (d *Daemon) startOutKeeper() (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	if d.writer == nil {
		return func() {}
	}
	go func() {
		defer close(done)
		check := time.NewTicker(d.out.checkEvery)
		defer check.Stop()
		retry := time.NewTimer(time.Hour)
		retry.Stop()
		defer retry.Stop()
		for {
			select {
			case <-quit:
				return
			case <-d.out.wake:
				d.out.mu.Lock()
				if d.out.failing {
					retry.Reset(d.out.delay)
				}
				d.out.mu.Unlock()
			case <-retry.C:
				d.rewriteOut()
				d.out.mu.Lock()
				if d.out.failing {
					d.out.delay = min(2*d.out.delay, d.out.retryMax)
					retry.Reset(d.out.delay)
				}
				d.out.mu.Unlock()
			case <-check.C:
				// While writes fail the retries cover this; the writer
				// logs the directory's loss when it writes it again.
				d.out.mu.Lock()
				failing := d.out.failing
				d.out.mu.Unlock()
				if !failing && d.writer.DirChanged() {
					d.rewriteOut()
				}
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}

// rewriteOut writes the snapshot being served to the output directory.
func (d *Daemon) rewriteOut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.handler.Snapshot(); s != nil {
		d.writeOut(s)
	}
}
