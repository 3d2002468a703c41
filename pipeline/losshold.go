package pipeline

import (
	"fmt"
	"sync"
	"time"

	"feedgen/snapshot"
)

// A source directory that loses most of its articles at once is more often
// a disk that did not mount (an empty mount point) or a sync tool half-way
// than an editor's decision. With ServeOptions.HoldLoss set, the daemon
// then keeps the last good snapshot everywhere it publishes (HTTP, -out,
// the buckets, the hubs: nothing is swapped, written, uploaded or
// announced), reports source_loss_held on /healthz, and publishes the loss
// only when the articles stay gone for HoldLoss. Articles that come back
// end the hold; changes made meanwhile are published then.

// lossMinArticles is the smallest site whose loss is held: below it, "most
// of the articles" is a handful an editor may well delete.
var lossMinArticles = 4

// mostLost reports whether a site that had had articles and now has has
// lost most of them at once.
func mostLost(had, has int) bool { return had >= lossMinArticles && 2*has < had }

// lossHold is the daemon's record of a held loss.
type lossHold struct {
	mu    sync.Mutex
	since time.Time // when the hold began; zero when not holding
	timer *time.Timer
	// recheck wakes the daemon when the hold time is over, so that it
	// publishes the loss if it still stands.
	recheck chan struct{}
}

func (k *lossHold) holding() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return !k.since.IsZero()
}

// holdLoss decides whether the snapshot now, about to replace old, is held
// back. Called with d.mu held, before anything of now is published.
func (d *Daemon) holdLoss(old, now *snapshot.Snapshot) bool {
	hold, k := d.opts.HoldLoss, &d.loss
	k.mu.Lock()
	defer k.mu.Unlock()
	if old == nil || hold <= 0 {
		return false
	}
	had, has := old.Stats().Articles, now.Stats().Articles
	if !mostLost(had, has) {
		if !k.since.IsZero() {
			k.since = time.Time{}
			k.timer.Stop()
			d.log.Info(fmt.Sprintf("the source has %d articles again; publishing", has), "event", "source_loss_cleared")
		}
		return false
	}
	switch {
	case k.since.IsZero():
		k.since = time.Now()
		k.timer = time.AfterFunc(hold, func() {
			select {
			case k.recheck <- struct{}{}:
			default:
			}
		})
		d.log.Warn(fmt.Sprintf("the source lost %d of its %d articles at once; serving, writing and publishing the last good feeds "+
			"until they stay gone for %s (-hold-loss), in case it is a disk that did not mount", had-has, had, hold),
			"event", "source_loss_held")
		return true
	case time.Since(k.since) < hold:
		return true
	}
	k.since = time.Time{}
	d.log.Warn(fmt.Sprintf("the source's %d articles stayed gone for %s; publishing the loss", had-has, hold), "event", "source_loss_confirmed")
	return false
}

// stopLossHold stops the hold's timer.
func (d *Daemon) stopLossHold() {
	d.loss.mu.Lock()
	defer d.loss.mu.Unlock()
	if d.loss.timer != nil {
		d.loss.timer.Stop()
	}
}
