package websub

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"sync"
	"time"
)

// Content is one new version of a topic: the complete feed, as served.
type Content struct {
	Topic       string
	ContentType string
	Body        []byte // shared by every delivery of this version; never modified
}

// Publish hands the hub new versions of its topics. It returns at once:
// each active subscriber gets a delivery queued, replacing any older
// version still waiting for it, so a burst of changes costs one delivery
// per subscriber and memory stays bounded by the subscriptions.
func (h *Hub) Publish(cs []Content) {
	now := h.now()
	for i := range cs {
		c := &cs[i]
		for _, sub := range h.store.Active(c.Topic, now) {
			h.d.enqueue(&delivery{sub: sub, content: c})
		}
	}
}

type delivery struct {
	sub     Subscription
	content *Content
	attempt int // attempts made so far
}

// slot is the state of one subscription's deliveries: at most one
// waiting (the newest version), at most one under way, so a subscriber
// never gets two at once nor an older version after a newer one.
type slot struct {
	pending  *delivery
	queued   bool // its key is in the queue
	inflight bool
	retry    *time.Timer
}

type distributor struct {
	h     *Hub
	mu    sync.Mutex
	slots map[string]*slot
	queue chan string
	full  bool // the queue overflowed; said once until it drains
	// down are the callbacks the hub last gave up on: a callback that
	// stays down is logged once, not at every change.
	down map[string]bool
	wg   sync.WaitGroup
	quit chan struct{}
	once sync.Once
}

func newDistributor(h *Hub) *distributor {
	d := &distributor{h: h, slots: map[string]*slot{}, down: map[string]bool{}, queue: make(chan string, h.o.QueueLen), quit: make(chan struct{})}
	for range h.o.Workers {
		d.wg.Add(1)
		go d.work()
	}
	return d
}

func (d *distributor) stop() {
	d.once.Do(func() { close(d.quit) })
	d.wg.Wait()
	d.mu.Lock()
	for _, s := range d.slots {
		if s.retry != nil {
			s.retry.Stop()
		}
	}
	d.mu.Unlock()
}

func slotKey(topic, callback string) string { return topic + "\x00" + callback }

// enqueue makes dl the waiting delivery of its subscription.
func (d *distributor) enqueue(dl *delivery) {
	k := slotKey(dl.sub.Topic, dl.sub.Callback)
	d.mu.Lock()
	defer d.mu.Unlock()
	s := d.slots[k]
	if s == nil {
		s = &slot{}
		d.slots[k] = s
	}
	if s.retry != nil { // a newer version replaces the one waiting to be retried
		s.retry.Stop()
		s.retry = nil
	}
	s.pending = dl
	d.schedule(k, s)
}

// schedule puts k in the queue when it has a delivery waiting and is
// neither queued nor under way. Called with d.mu held.
func (d *distributor) schedule(k string, s *slot) {
	if s.pending == nil || s.queued || s.inflight {
		return
	}
	select {
	case d.queue <- k:
		s.queued = true
		d.full = false
	default:
		if !d.full {
			d.h.log.Warn("websub: delivery queue full; dropping deliveries until it drains", "max", d.h.o.QueueLen)
			d.full = true
		}
		s.pending = nil
		d.cleanup(k, s)
	}
}

func (d *distributor) cleanup(k string, s *slot) {
	if s.pending == nil && !s.queued && !s.inflight && s.retry == nil {
		delete(d.slots, k)
	}
}

// forget drops what waits for a subscription that is gone.
func (d *distributor) forget(topic, callback string) {
	k := slotKey(topic, callback)
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.down, callback)
	if s := d.slots[k]; s != nil {
		if s.retry != nil {
			s.retry.Stop()
			s.retry = nil
		}
		s.pending = nil
		d.cleanup(k, s)
	}
}

func (d *distributor) work() {
	defer d.wg.Done()
	for {
		var k string
		select {
		case <-d.quit:
			return
		case k = <-d.queue:
		}
		d.mu.Lock()
		s := d.slots[k]
		var dl *delivery
		if s != nil {
			s.queued = false
			dl, s.pending = s.pending, nil
			s.inflight = dl != nil
			if dl == nil {
				d.cleanup(k, s)
			}
		}
		d.mu.Unlock()
		if dl == nil {
			continue
		}
		ok, gone, void := d.h.deliver(dl)
		if d.h.o.OnDelivery != nil && !void {
			d.h.o.OnDelivery(ok)
		}
		d.mu.Lock()
		s.inflight = false
		if ok && d.down[dl.sub.Callback] {
			delete(d.down, dl.sub.Callback)
			d.h.log.Info("websub: callback reachable again", "callback", dl.sub.Callback)
		}
		if gone { // nothing more goes to it, not even a newer version
			delete(d.down, dl.sub.Callback)
			s.pending = nil
		}
		if !ok && !gone && !void && s.pending == nil {
			d.retryLater(k, s, dl)
		}
		d.schedule(k, s)
		d.cleanup(k, s)
		d.mu.Unlock()
		if gone {
			if _, err := d.h.store.Delete(dl.sub.Topic, dl.sub.Callback); err != nil {
				d.h.log.Error("websub: removing a gone subscriber", "err", err)
			}
		}
	}
}

// retryLater schedules another attempt with exponential backoff, or gives
// up. Called with d.mu held.
func (d *distributor) retryLater(k string, s *slot, dl *delivery) {
	log := d.h.log.With("topic", dl.sub.Topic, "callback", dl.sub.Callback)
	if dl.attempt >= d.h.o.MaxAttempts {
		if d.down[dl.sub.Callback] {
			log.Debug("websub: giving up on a delivery", "attempts", dl.attempt)
		} else {
			log.Warn("websub: giving up on a delivery; further failures of this callback are logged at debug level until it answers", "attempts", dl.attempt)
			d.down[dl.sub.Callback] = true
		}
		return
	}
	wait := d.h.o.RetryBase << (dl.attempt - 1)
	log.Debug("websub: delivery failed; retrying", "attempt", dl.attempt, "retry_in", wait.String())
	s.retry = time.AfterFunc(wait, func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if s.retry == nil || d.slots[k] != s {
			return
		}
		s.retry = nil
		if s.pending == nil {
			s.pending = dl
		}
		d.schedule(k, s)
		d.cleanup(k, s)
	})
}

// deliver POSTs the content to the subscriber (WebSub 7): the complete
// feed with its Content-Type, the Link headers a served feed has, and
// X-Hub-Signature when the subscriber gave a secret. ok: a 2xx answer;
// gone: 410, the subscriber asked to be dropped; void: nothing was sent,
// because the subscription ended (unsubscribed, or its lease ran out)
// while the delivery waited.
//
// The subscription is read again here, not taken from the time of
// Publish: a subscriber that renewed while a delivery waited for a retry
// gets it under its new lease and signed with its new secret.
func (h *Hub) deliver(dl *delivery) (ok, gone, void bool) {
	sub, found := h.store.Get(dl.sub.Topic, dl.sub.Callback)
	if !found || !h.now().Before(sub.Expires) {
		return false, false, true
	}
	dl.sub = sub
	dl.attempt++
	c := dl.content
	log := h.log.With("topic", c.Topic, "callback", dl.sub.Callback)
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, dl.sub.Callback, bytes.NewReader(c.Body))
	if err != nil {
		log.Warn("websub: delivery", "err", err)
		return false, false, false
	}
	req.Header.Set("Content-Type", c.ContentType)
	for _, l := range LinkHeader(h.o.Hubs, c.Topic) {
		req.Header.Add("Link", l)
	}
	if dl.sub.Secret != "" {
		req.Header.Set("X-Hub-Signature", "sha256="+Sign(dl.sub.Secret, c.Body))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		log.Debug("websub: delivery failed", "attempt", dl.attempt, "err", err)
		return false, false, false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		log.Debug("websub: delivered", "bytes", len(c.Body), "attempt", dl.attempt)
		return true, false, false
	case resp.StatusCode == http.StatusGone:
		log.Info("websub: subscriber gone (410); subscription removed")
		return false, true, false
	}
	log.Debug("websub: delivery refused", "attempt", dl.attempt, "status", resp.StatusCode)
	return false, false, false
}

// Sign is the hex HMAC-SHA256 of body under secret, as X-Hub-Signature
// carries it after "sha256=".
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}
