package pipeline

import (
	"context"
	"errors"
	"sync"
	"time"

	"feedgen/bucket"
	"feedgen/layout"
	"feedgen/serve"
	"feedgen/websub"
)

// How the daemon keeps its buckets (serve -publish) in step. Each
// regeneration wakes a goroutine that publishes the snapshot being served
// (a publish that is under way finishes first, and the next one takes the
// newest snapshot, so a burst of changes costs one publish more, not one
// per change). The hubs are told of a changed feed only once its object is
// in every bucket, so that a subscriber that fetches on the ping gets the
// new bytes. A failed publish is retried after a growing delay; one that
// would delete more objects than -publish-max-deletes allows is held,
// reported by /healthz, until a regeneration makes it acceptable or the
// daemon is restarted with a higher bound.
var (
	pubRetryMin = time.Second
	pubRetryMax = time.Minute
)

// pubKeeper is the daemon's publishing goroutine and its health.
type pubKeeper struct {
	pubs []*bucket.Publisher
	wake chan struct{}

	mu      sync.Mutex
	failing bool
	held    bool
	delay   time.Duration
	// ended is closed, and replaced, when a publish ends (PublishEnded).
	ended chan struct{}
}

// startPublishers opens the daemon's buckets (nil without -publish).
func (d *Daemon) startPublishers() error {
	o := d.opts.Publish
	if !o.on() {
		return nil
	}
	cc := d.opts.CacheControl
	if cc == "" {
		cc = serve.DefaultCacheControl
	}
	pubs, err := openPublishers(o, d.gen, cc, false, d.log)
	if err != nil {
		return err
	}
	d.pub = &pubKeeper{pubs: pubs, wake: make(chan struct{}, 1), ended: make(chan struct{})}
	return nil
}

// signal asks for a publish of the snapshot being served.
func (k *pubKeeper) signal() {
	if k == nil {
		return
	}
	select {
	case k.wake <- struct{}{}:
	default: // one is pending; it will take the newest snapshot
	}
}

// runPublisher publishes after each wake-up (and retries failures) until
// ctx is done; it returns the function that waits for it to stop.
func (d *Daemon) runPublisher(ctx context.Context) (wait func()) {
	k := d.pub
	if k == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		retry := time.NewTimer(time.Hour)
		retry.Stop()
		defer retry.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-k.wake:
			case <-retry.C:
			}
			if again := d.publish(ctx); again > 0 {
				retry.Reset(again)
			}
		}
	}()
	return func() { <-done }
}

// publish mirrors the snapshot being served to every bucket, tells the hubs
// and runs the hook; it returns the delay before a retry, or 0.
func (d *Daemon) publish(ctx context.Context) time.Duration {
	k, o := d.pub, d.opts.Publish
	s := d.handler.Snapshot()
	if s == nil {
		return 0
	}
	start := time.Now()
	var res bucket.Result
	run, err := bucket.Begin(ctx, k.pubs, bucket.RunOptions{})
	if err == nil {
		res, err = bucket.Sync(run, s)
	}
	if ctx.Err() != nil {
		return 0 // stopping: the next start resumes (the state says a publish was cut short)
	}
	// The hubs hear of what is in the buckets now, whatever failed
	// besides; the hook purges it from the CDN.
	var topics []string
	for _, p := range res.Changed {
		if layout.IsFeed(p) {
			topics = append(topics, websub.TopicURL(d.opts.Site.BaseURL, p))
		}
	}
	d.pinger.Publish(topics)
	if len(res.Changed) > 0 && o.Hook != "" {
		if herr := bucket.RunHook(ctx, o.Hook, bucket.HookURLs(d.opts.Site.BaseURL, res.Changed), hookOutput(o.HookOutput)); herr != nil {
			d.log.Error("publish hook failed", "err", herr, "event", "publish_hook_failed")
		}
	}
	if len(res.Changed) > 0 {
		d.log.Info("published", "uploaded", res.Uploaded, "deleted", res.Deleted, "unchanged", res.Unchanged,
			"duration", time.Since(start).Round(time.Microsecond).String())
	}
	return k.outcome(d, err)
}

// outcome records how a publish ended, logs a change of health once, and
// returns the delay before a retry (0: wait for the next regeneration).
func (k *pubKeeper) outcome(d *Daemon, err error) time.Duration {
	k.mu.Lock()
	defer func() {
		close(k.ended)
		k.ended = make(chan struct{})
		k.mu.Unlock()
	}()
	var tooMany *bucket.TooManyDeletesError
	switch {
	case err == nil:
		if k.failing || k.held {
			d.log.Info("publishing again", "event", "publish_recovered")
		}
		k.failing, k.held = false, false
		return 0
	case errors.As(err, &tooMany):
		if !k.held {
			d.log.Error(err.Error()+"; holding the buckets as they are until a change makes the publish smaller, or a restart with a larger -publish-max-deletes allows it",
				"event", "publish_held")
		}
		k.held, k.failing = true, false
		return 0
	}
	if !k.failing {
		k.delay = pubRetryMin
		d.log.Error("publishing failed; serving goes on, retrying until it succeeds", "err", err, "event", "publish_failing")
	} else {
		k.delay = min(2*k.delay, pubRetryMax)
		d.log.Debug("publishing failed again", "err", err)
	}
	k.failing, k.held = true, false
	return k.delay
}

// PublishEnded returns a channel closed when the next publish to the
// buckets ends (nil without -publish): for tests and benchmarks, which wait
// for it rather than poll.
func (d *Daemon) PublishEnded() <-chan struct{} {
	if d.pub == nil {
		return nil
	}
	d.pub.mu.Lock()
	defer d.pub.mu.Unlock()
	return d.pub.ended
}

// degraded names what is wrong with publishing, for /healthz.
func (k *pubKeeper) degraded() []string {
	if k == nil {
		return nil
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.held:
		return []string{"publish_held"}
	case k.failing:
		return []string{"publish_failing"}
	}
	return nil
}
