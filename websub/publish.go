package websub

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// PublisherOptions configure the pinger. The zero value of every bound
// means its default.
type PublisherOptions struct {
	// Hubs to notify.
	Hubs   []string
	Logger *slog.Logger
	// Client sends the pings; nil means NewClient with Timeout, private
	// addresses allowed and the environment's proxy: the operator chose
	// these hubs, unlike the callbacks strangers give the built-in hub.
	Client *http.Client
	// Timeout bounds one ping (default 10s).
	Timeout time.Duration
	// MaxAttempts is how often a ping is tried on network errors and 5xx
	// answers before it is dropped (default 5); RetryBase is the first
	// backoff, doubled each time (default 1s).
	MaxAttempts int
	RetryBase   time.Duration
	// TopicsPerRequest is how many topics one ping names (default 1). The
	// W3C spec leaves the publish request to each hub; PubSubHubbub 0.3
	// allowed hub.url to repeat, but some hubs read only the first, so by
	// default each topic gets its own request, all of a hub's on one
	// kept-alive connection.
	TopicsPerRequest int
	// MaxPending bounds the topics waiting for one hub (default 10 000);
	// past it new topics for that hub are dropped, with one log line.
	MaxPending int
	// OnPing, when set, is told the outcome of each ping request once its
	// retries are over (true: the hub accepted it), for metrics. It runs on
	// the hub's goroutine and must not block.
	OnPing func(ok bool)
}

// Publisher notifies hubs of changed topics (hub.mode=publish). Each hub
// has its own queue and goroutine: the topics given while a hub is busy or
// being retried are merged (a topic waits at most once), Publish never
// blocks, and a hub that is down or slow delays nothing but its own pings.
type Publisher struct {
	queues []*hubQueue
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type hubQueue struct {
	hub    string
	o      *PublisherOptions
	client *http.Client
	log    *slog.Logger

	mu       sync.Mutex
	cond     *sync.Cond
	pending  []string
	set      map[string]bool
	busy     bool
	failed   int  // topics given up since the last Flush
	acked    int  // topics acknowledged since the queue last ran dry (one log line then)
	down     bool // the last attempt failed: further failures are logged quietly
	overflow bool
	wake     chan struct{}
}

// NewPublisher starts one goroutine per hub; Close stops them.
func NewPublisher(o PublisherOptions) *Publisher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.TopicsPerRequest <= 0 {
		o.TopicsPerRequest = 1
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10000
	}
	if o.Client == nil {
		o.Client = NewClient(ClientOptions{Timeout: o.Timeout, AllowPrivate: true, Proxy: true})
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Publisher{cancel: cancel}
	for _, h := range o.Hubs {
		q := &hubQueue{hub: h, o: &o, client: o.Client, log: o.Logger.With("hub", h), set: map[string]bool{}, wake: make(chan struct{}, 1)}
		q.cond = sync.NewCond(&q.mu)
		p.queues = append(p.queues, q)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			q.run(ctx)
		}()
	}
	return p
}

// Publish queues topics for every hub and returns at once.
func (p *Publisher) Publish(topics []string) {
	if p == nil || len(topics) == 0 {
		return
	}
	for _, q := range p.queues {
		q.add(topics)
	}
}

func (q *hubQueue) add(topics []string) {
	q.mu.Lock()
	for _, t := range topics {
		if q.set[t] {
			continue
		}
		if len(q.pending) >= q.o.MaxPending {
			if !q.overflow {
				q.log.Warn("websub: too many topics waiting for the hub; dropping new ones", "max", q.o.MaxPending)
				q.overflow = true
			}
			q.failed++
			continue
		}
		q.set[t] = true
		q.pending = append(q.pending, t)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *hubQueue) run(ctx context.Context) {
	for {
		q.mu.Lock()
		if len(q.pending) == 0 {
			if q.acked > 0 {
				q.log.Info("websub: hub notified", "topics", q.acked)
				q.acked = 0
			}
			q.busy = false
			q.overflow = false
			q.cond.Broadcast()
			q.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-q.wake:
				continue
			}
		}
		n := min(len(q.pending), q.o.TopicsPerRequest)
		batch := append([]string(nil), q.pending[:n]...)
		q.pending = q.pending[n:]
		for _, t := range batch {
			delete(q.set, t)
		}
		q.busy = true
		q.mu.Unlock()
		ok := q.send(ctx, batch)
		if q.o.OnPing != nil {
			q.o.OnPing(ok)
		}
		q.mu.Lock()
		if ok {
			q.acked += len(batch)
		} else {
			q.failed += len(batch)
		}
		q.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// send pings the hub about batch, retrying with exponential backoff on
// network errors and 5xx answers. It reports whether the hub accepted.
func (q *hubQueue) send(ctx context.Context, batch []string) bool {
	form := url.Values{"hub.mode": {"publish"}}
	for _, t := range batch {
		// Hubs differ in which name they read: hub.url (PubSubHubbub) or
		// hub.topic (WebSub's name for it).
		form.Add("hub.url", t)
		form.Add("hub.topic", t)
	}
	body := form.Encode()
	delay := q.o.RetryBase
	for attempt := 1; ; attempt++ {
		status, err := q.post(ctx, body)
		switch {
		case err == nil && status/100 == 2:
			if q.down {
				q.log.Info("websub: hub reachable again")
				q.down = false
			}
			q.log.Debug("websub: ping accepted", "topics", batch, "status", status)
			return true
		case err == nil && status/100 != 5 && status != http.StatusTooManyRequests:
			// 429 is "later", not "no": it is retried with the 5xx.
			q.log.Warn("websub: hub refused the ping", "topics", batch, "status", status)
			return false
		}
		reason := fmt.Sprintf("status %d", status)
		if err != nil {
			reason = err.Error()
		}
		if ctx.Err() != nil {
			return false
		}
		if attempt >= q.o.MaxAttempts {
			q.log.Warn("websub: giving up on the ping", "topics", batch, "attempts", attempt, "err", reason)
			q.down = true
			return false
		}
		if !q.down {
			q.log.Warn("websub: ping failed, retrying", "attempt", attempt, "retry_in", delay.String(), "err", reason)
		} else {
			q.log.Debug("websub: ping failed, retrying", "attempt", attempt, "retry_in", delay.String(), "err", reason)
		}
		q.down = true
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay *= 2
	}
}

func (q *hubQueue) post(ctx context.Context, body string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, q.hub, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := q.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Read a little so that the connection can be reused, never more.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// Flush waits until every queued topic was sent or given up, or ctx ends,
// and returns how many topics were not accepted by their hub since the
// last Flush (for build -ping, which waits for its pings).
func (p *Publisher) Flush(ctx context.Context) (failed int, err error) {
	if p == nil {
		return 0, nil
	}
	stop := context.AfterFunc(ctx, func() {
		for _, q := range p.queues {
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		}
	})
	defer stop()
	for _, q := range p.queues {
		q.mu.Lock()
		for (len(q.pending) > 0 || q.busy) && ctx.Err() == nil {
			q.cond.Wait()
		}
		failed += q.failed + len(q.pending)
		q.failed = 0
		q.mu.Unlock()
	}
	return failed, ctx.Err()
}

// Close stops the queues; pings under way are abandoned.
func (p *Publisher) Close() {
	if p == nil {
		return
	}
	p.cancel()
	p.wg.Wait()
}
