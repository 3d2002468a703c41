package websub

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HubOptions configure the built-in hub. The zero value of every bound
// means its default.
type HubOptions struct {
	// Hubs are all the hubs the feeds advertise, this one included: a
	// distributed feed carries them in its Link header, as served feeds do.
	Hubs []string
	// IsTopic reports whether topic is one of our feeds; other topics are
	// denied (hub.mode=denied). Required.
	IsTopic func(topic string) bool
	// StorePath is the subscriptions file ("" keeps them in memory only).
	StorePath string
	Logger    *slog.Logger
	// AllowPrivate lets callbacks be loopback or private addresses (tests,
	// intranets); by default they are refused at connect time.
	AllowPrivate bool

	// Leases: what a subscriber gets when it asks for none, and the bounds
	// a requested lease is clamped to (defaults 10 days, 1 hour, 30 days).
	DefaultLease, MinLease, MaxLease time.Duration
	// MaxPerTopic and MaxPerHost bound the subscriptions of one topic and
	// of the callbacks on one host (defaults 10 000 and 100); MaxTotal
	// bounds them all (default 100 000).
	MaxPerTopic, MaxPerHost, MaxTotal int

	// Timeout bounds each request to a callback, body included (default
	// 10s): a callback that reads one byte a second is cut off.
	Timeout time.Duration
	// Workers is how many deliveries run at once (default 32), Verifiers
	// how many verifications (default 8); MaxVerifying bounds those
	// waiting (default 256; past it a request gets 503).
	Workers, Verifiers, MaxVerifying int
	// OnDelivery, when set, is told the outcome of each delivery attempt
	// (true: the subscriber took it with a 2xx), for metrics. It runs on a
	// delivery worker and must not block.
	OnDelivery func(ok bool)
	// QueueLen bounds the deliveries waiting for a worker (default
	// 100 000). A subscription has at most one waiting delivery, always
	// of the newest version, so this is also a bound on memory.
	QueueLen int
	// MaxAttempts is how often a delivery is tried before the hub gives up
	// (default 6); RetryBase is the first backoff, doubled each time
	// (default 2s).
	MaxAttempts int
	RetryBase   time.Duration
	// SweepEvery is how often expired subscriptions are removed (default
	// one minute).
	SweepEvery time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// Client, when set, replaces the guarded client for verifications and
	// deliveries: for tests that must not reach any network. It must
	// apply its own limits.
	Client *http.Client
}

// Limits on what a subscription request may carry. WebSub bounds the
// secret at 200 bytes; the others keep one request small.
const (
	maxRequestBody = 8 << 10
	maxURLLen      = 2048
	maxSecretLen   = 200
	maxChallenge   = 1 << 10
)

// Hub is the built-in WebSub hub (W3C WebSub sections 5 to 7) for the
// feeds of one feedgen: it answers subscription requests at Path, verifies
// intent, keeps leases, and pushes each new version of a topic to its
// subscribers. Safe for concurrent use.
type Hub struct {
	o      HubOptions
	log    *slog.Logger
	store  *Store
	client *http.Client
	now    func() time.Time

	verify    chan struct{} // semaphore of verifications under way
	mu        sync.Mutex
	verifying map[string]int // callback host -> verifications waiting or under way
	nverify   int

	d *distributor

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewHub opens the subscriptions and starts the delivery workers and the
// lease sweeper; Close stops them.
func NewHub(o HubOptions) (*Hub, error) {
	if o.IsTopic == nil {
		return nil, errors.New("websub: hub without a topic check")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defi := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&o.DefaultLease, 10*24*time.Hour)
	def(&o.MinLease, time.Hour)
	def(&o.MaxLease, 30*24*time.Hour)
	def(&o.Timeout, 10*time.Second)
	def(&o.RetryBase, 2*time.Second)
	def(&o.SweepEvery, time.Minute)
	defi(&o.MaxPerTopic, 10000)
	defi(&o.MaxPerHost, 100)
	defi(&o.MaxTotal, 100000)
	defi(&o.Workers, 32)
	defi(&o.Verifiers, 8)
	defi(&o.MaxVerifying, 256)
	defi(&o.QueueLen, 100000)
	defi(&o.MaxAttempts, 6)
	if o.MinLease > o.MaxLease {
		o.MinLease = o.MaxLease
	}
	o.DefaultLease = min(max(o.DefaultLease, o.MinLease), o.MaxLease)
	h := &Hub{
		o: o, log: o.Logger, now: o.Now,
		store:     OpenStore(o.StorePath, o.Logger),
		client:    NewClient(ClientOptions{Timeout: o.Timeout, AllowPrivate: o.AllowPrivate, MaxConnsPerHost: 8}),
		verify:    make(chan struct{}, o.Verifiers),
		verifying: map[string]int{},
	}
	if h.now == nil {
		h.now = time.Now
	}
	if o.Client != nil {
		h.client = o.Client
	}
	h.ctx, h.cancel = context.WithCancel(context.Background())
	h.d = newDistributor(h)
	h.wg.Add(1)
	go h.sweep()
	return h, nil
}

// Close stops deliveries, verifications and the sweeper, and closes the
// subscriptions file. Deliveries not yet made are dropped: subscribers
// still poll.
func (h *Hub) Close() error {
	h.cancel()
	h.d.stop()
	h.wg.Wait()
	return h.store.Close()
}

// Store is the hub's subscriptions (for tests and the health of a daemon).
func (h *Hub) Store() *Store { return h.store }

func (h *Hub) sweep() {
	defer h.wg.Done()
	t := time.NewTicker(h.o.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		gone, err := h.store.Expire(h.now())
		if err != nil {
			h.log.Warn("websub: lease sweep", "err", err)
		}
		for _, s := range gone {
			h.d.forget(s.Topic, s.Callback)
			h.log.Info("websub: lease expired", "topic", s.Topic, "callback", s.Callback)
		}
	}
}

// ServeHTTP answers subscription requests (POST, form-encoded). Publishing
// through it is refused: the daemon tells its own hub what changed.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "a WebSub hub: POST a subscription request", http.StatusMethodNotAllowed)
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		http.Error(w, "want application/x-www-form-urlencoded", http.StatusUnsupportedMediaType)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form: "+err.Error(), http.StatusBadRequest)
		return
	}
	req, msg := h.parse(r.PostForm)
	if msg != "" {
		http.Error(w, msg, http.StatusBadRequest)
		return
	}
	if code, msg := h.admit(req); code != 0 {
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "10")
		}
		http.Error(w, msg, code)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	h.wg.Add(1)
	go h.verifyIntent(req)
}

// request is a validated subscription request.
type request struct {
	mode, topic, callback, secret string
	lease                         time.Duration
	host                          string
	ours                          bool
}

func (h *Hub) parse(f url.Values) (*request, string) {
	for k, v := range f {
		// Unknown parameters are ignored (WebSub 5.1); ours must be
		// unambiguous.
		if strings.HasPrefix(k, "hub.") && len(v) > 1 {
			return nil, k + ": given more than once"
		}
	}
	req := &request{mode: f.Get("hub.mode"), topic: f.Get("hub.topic"), callback: f.Get("hub.callback"), secret: f.Get("hub.secret")}
	switch req.mode {
	case "subscribe", "unsubscribe":
	case "publish":
		return nil, "hub.mode=publish: this hub publishes only its own feeds, as they change"
	default:
		return nil, "hub.mode: want subscribe or unsubscribe"
	}
	if req.topic == "" || len(req.topic) > maxURLLen {
		return nil, "hub.topic: missing or too long"
	}
	if len(req.callback) > maxURLLen {
		return nil, "hub.callback: too long"
	}
	u, err := url.Parse(req.callback)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || u.User != nil {
		return nil, "hub.callback: want an absolute http or https URL"
	}
	req.host = u.Hostname()
	if len(req.secret) > maxSecretLen {
		return nil, "hub.secret: longer than 200 bytes"
	}
	req.lease = h.o.DefaultLease
	if ls := f.Get("hub.lease_seconds"); ls != "" {
		n, err := strconv.ParseInt(ls, 10, 64)
		if err != nil || n <= 0 {
			return nil, "hub.lease_seconds: want a positive number of seconds"
		}
		req.lease = time.Duration(min(n, int64(h.o.MaxLease/time.Second))) * time.Second
	}
	req.lease = min(max(req.lease, h.o.MinLease), h.o.MaxLease)
	req.ours = h.o.IsTopic(req.topic)
	return req, ""
}

// admit applies the limits; 0 means go on with verification.
func (h *Hub) admit(req *request) (int, string) {
	if req.mode == "subscribe" && req.ours {
		if _, exists := h.store.Get(req.topic, req.callback); !exists {
			perTopic, perHost, total := h.store.Counts(req.topic, req.host)
			h.mu.Lock()
			perHost += h.verifying[req.host]
			h.mu.Unlock()
			switch {
			case total >= h.o.MaxTotal:
				return http.StatusServiceUnavailable, "the hub has as many subscriptions as it takes"
			case perTopic >= h.o.MaxPerTopic:
				return http.StatusTooManyRequests, "this topic has as many subscribers as the hub takes"
			case perHost >= h.o.MaxPerHost:
				return http.StatusTooManyRequests, "too many subscriptions for callbacks on this host"
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.nverify >= h.o.MaxVerifying {
		return http.StatusServiceUnavailable, "too many verifications under way; try again later"
	}
	h.nverify++
	h.verifying[req.host]++
	return 0, ""
}

// verifyIntent runs after the 202: it denies a topic that is not ours, or
// asks the callback to confirm (WebSub 5.3) and records or removes the
// subscription when it echoes the challenge.
func (h *Hub) verifyIntent(req *request) {
	defer h.wg.Done()
	defer func() {
		h.mu.Lock()
		h.nverify--
		if h.verifying[req.host]--; h.verifying[req.host] <= 0 {
			delete(h.verifying, req.host)
		}
		h.mu.Unlock()
	}()
	select {
	case h.verify <- struct{}{}:
		defer func() { <-h.verify }()
	case <-h.ctx.Done():
		return
	}
	log := h.log.With("topic", req.topic, "callback", req.callback)
	if !req.ours {
		q := url.Values{"hub.mode": {"denied"}, "hub.topic": {req.topic}, "hub.reason": {"not a feed of this hub"}}
		if _, _, err := h.get(req.callback, q, 0); err != nil {
			log.Info("websub: denial not delivered", "err", err)
		} else {
			log.Info("websub: subscription denied: not our topic")
		}
		return
	}
	challenge := make([]byte, 16)
	_, _ = rand.Read(challenge) // crypto/rand.Read does not fail
	ch := hex.EncodeToString(challenge)
	q := url.Values{"hub.mode": {req.mode}, "hub.topic": {req.topic}, "hub.challenge": {ch}}
	if req.mode == "subscribe" {
		q.Set("hub.lease_seconds", strconv.FormatInt(int64(req.lease/time.Second), 10))
	}
	status, body, err := h.get(req.callback, q, maxChallenge)
	switch {
	case err != nil:
		log.Info("websub: verification failed", "mode", req.mode, "err", err)
		return
	case status/100 != 2 || strings.TrimSpace(body) != ch:
		log.Info("websub: verification refused by the subscriber", "mode", req.mode, "status", status)
		return
	}
	if req.mode == "unsubscribe" {
		if ok, err := h.store.Delete(req.topic, req.callback); err != nil {
			log.Error("websub: unsubscribe", "err", err)
		} else if ok {
			h.d.forget(req.topic, req.callback)
			log.Info("websub: unsubscribed")
		}
		return
	}
	sub := Subscription{Topic: req.topic, Callback: req.callback, Secret: req.secret,
		Lease: int64(req.lease / time.Second), Expires: h.now().Add(req.lease).UTC().Truncate(time.Second)}
	if err := h.store.Put(sub); err != nil {
		log.Error("websub: subscribe", "err", err)
		return
	}
	log.Info("websub: subscribed", "lease_seconds", sub.Lease)
}

// get sends a verification or denial GET to callback, keeping its own
// query (WebSub 5.3: the hub must preserve it), and returns the status and
// up to limit bytes of the body.
func (h *Hub) get(callback string, q url.Values, limit int64) (int, string, error) {
	u := callback
	if strings.Contains(u, "?") {
		u += "&" + q.Encode()
	} else {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(h.ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return resp.StatusCode, "", err
	}
	return resp.StatusCode, string(b), nil
}
