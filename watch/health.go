package watch

import "sync/atomic"

// Health is what the watcher admits to an operator: the ways it is still
// reporting changes, but not the way it was asked to.
type Health struct {
	// Polled is the number of folders polled because the kernel refused
	// to watch them (an inotify limit); 0 when every folder is watched.
	Polled int
	// RootLost says the source directory is gone from its path (deleted,
	// moved away, unmounted); the watcher polls for it to come back.
	RootLost bool
}

// health is the event loop's last word on Health, for other goroutines.
type health struct {
	polled   atomic.Int64
	rootLost atomic.Bool
}

// Health reports the watcher's state as of its last event or tick. It is
// safe to call from any goroutine.
func (w *Watcher) Health() Health {
	return Health{Polled: int(w.health.polled.Load()), RootLost: w.health.rootLost.Load()}
}

// noteHealth publishes the event loop's view; only that loop calls it.
func (w *Watcher) noteHealth(rootLost bool) {
	w.health.polled.Store(int64(len(w.polled)))
	w.health.rootLost.Store(rootLost)
}
