package websub

import (
	"crypto/hmac"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// subscriber is a WebSub subscriber over loopback HTTP: it answers
// verifications (echoing the challenge unless refuse is set) and records
// what is delivered to it.
type subscriber struct {
	srv    *httptest.Server
	refuse atomic.Bool
	status atomic.Int32 // answer to deliveries (0: 200)
	slow   atomic.Bool  // read deliveries one byte per 50 ms

	mu       sync.Mutex
	verified []url.Values
	got      []delivered
	posts    atomic.Int32
	notify   chan struct{}
}

type delivered struct {
	body   []byte
	header http.Header
}

func newSubscriber(t *testing.T) *subscriber {
	s := &subscriber{notify: make(chan struct{}, 100)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			q := r.URL.Query()
			s.mu.Lock()
			s.verified = append(s.verified, q)
			s.mu.Unlock()
			defer s.ping()
			if s.refuse.Load() {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, q.Get("hub.challenge"))
		case http.MethodPost:
			s.posts.Add(1)
			var body []byte
			if s.slow.Load() {
				buf := make([]byte, 1)
				for {
					n, err := r.Body.Read(buf)
					body = append(body, buf[:n]...)
					if err != nil {
						break
					}
					select { // a real slow reader; gone when the hub hangs up
					case <-time.After(50 * time.Millisecond):
					case <-r.Context().Done():
						return
					}
				}
			} else {
				body, _ = io.ReadAll(r.Body)
			}
			if st := s.status.Load(); st != 0 {
				w.WriteHeader(int(st))
				s.ping()
				return
			}
			s.mu.Lock()
			s.got = append(s.got, delivered{body: body, header: r.Header.Clone()})
			s.mu.Unlock()
			s.ping()
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *subscriber) ping() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *subscriber) deliveries() []delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivered(nil), s.got...)
}

func (s *subscriber) verifications() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.verified...)
}

// waitFor polls cond until it holds or 5 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const topicRSS = "https://feeds.example.com/rss.xml"

type testHub struct {
	*Hub
	srv *httptest.Server
}

func newTestHub(t *testing.T, o HubOptions) *testHub {
	t.Helper()
	if o.IsTopic == nil {
		o.IsTopic = func(topic string) bool { return strings.HasPrefix(topic, "https://feeds.example.com/") }
	}
	o.AllowPrivate = !o.AllowPrivate // tests run on loopback; set AllowPrivate to test the guard
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	if o.RetryBase == 0 {
		o.RetryBase = 10 * time.Millisecond
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 3
	}
	o.Hubs = []string{"https://feeds.example.com/websub"}
	h, err := NewHub(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return &testHub{Hub: h, srv: srv}
}

func (h *testHub) request(t *testing.T, form url.Values) int {
	t.Helper()
	resp, err := http.PostForm(h.srv.URL, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func subscribeForm(mode, topic, callback string, extra ...string) url.Values {
	f := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.callback": {callback}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

// TestHubLifecycle: subscribe (202, verified with the four parameters,
// active only once the challenge is echoed), a signed delivery of the
// complete feed with its type and Link headers, renewal, unsubscribe.
func TestHubLifecycle(t *testing.T) {
	h := newTestHub(t, HubOptions{MinLease: time.Minute})
	s := newSubscriber(t)
	cb := s.srv.URL + "/cb?id=7"
	if code := h.request(t, subscribeForm("subscribe", topicRSS, cb, "hub.secret", "k3y", "hub.lease_seconds", "7200")); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d, want 202", code)
	}
	waitFor(t, "subscription", func() bool { _, ok := h.Store().Get(topicRSS, cb); return ok })
	v := s.verifications()[0]
	if v.Get("hub.mode") != "subscribe" || v.Get("hub.topic") != topicRSS || v.Get("hub.lease_seconds") != "7200" || len(v.Get("hub.challenge")) < 16 || v.Get("id") != "7" {
		t.Fatalf("verification %v: want mode, topic, lease, a challenge and the callback's own query", v)
	}
	sub, _ := h.Store().Get(topicRSS, cb)
	if sub.Lease != 7200 || time.Until(sub.Expires) < 7100*time.Second {
		t.Fatalf("lease %+v", sub)
	}

	body := []byte("<rss>new version</rss>")
	start := time.Now()
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml; charset=utf-8", Body: body}})
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Publish took %s", d)
	}
	waitFor(t, "delivery", func() bool { return len(s.deliveries()) == 1 })
	got := s.deliveries()[0]
	if string(got.body) != string(body) || got.header.Get("Content-Type") != "application/rss+xml; charset=utf-8" {
		t.Fatalf("delivered %q as %q", got.body, got.header.Get("Content-Type"))
	}
	sig, ok := strings.CutPrefix(got.header.Get("X-Hub-Signature"), "sha256=")
	if !ok || !hmac.Equal([]byte(sig), []byte(Sign("k3y", body))) {
		t.Fatalf("signature %q", got.header.Get("X-Hub-Signature"))
	}
	links := strings.Join(got.header.Values("Link"), ", ")
	if !strings.Contains(links, `<https://feeds.example.com/websub>; rel="hub"`) || !strings.Contains(links, "<"+topicRSS+`>; rel="self"`) {
		t.Fatalf("Link %q", links)
	}

	// Renewal: a new lease, still one subscription.
	if code := h.request(t, subscribeForm("subscribe", topicRSS, cb, "hub.lease_seconds", "99999999")); code != http.StatusAccepted {
		t.Fatal(code)
	}
	waitFor(t, "renewal", func() bool { sub, _ := h.Store().Get(topicRSS, cb); return sub.Lease != 7200 })
	sub, _ = h.Store().Get(topicRSS, cb)
	if sub.Lease != int64(h.o.MaxLease/time.Second) || sub.Secret != "" {
		t.Fatalf("renewed %+v: want the lease clamped to the maximum and the secret dropped", sub)
	}
	if _, _, n := h.Store().Counts("", ""); n != 1 {
		t.Fatalf("%d subscriptions after renewal", n)
	}
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml", Body: []byte("v3")}})
	waitFor(t, "unsigned delivery", func() bool { return len(s.deliveries()) == 2 })
	if s.deliveries()[1].header.Get("X-Hub-Signature") != "" {
		t.Fatal("signed without a secret")
	}

	if code := h.request(t, subscribeForm("unsubscribe", topicRSS, cb)); code != http.StatusAccepted {
		t.Fatal(code)
	}
	waitFor(t, "unsubscription", func() bool { _, ok := h.Store().Get(topicRSS, cb); return !ok })
	if m := s.verifications()[len(s.verifications())-1].Get("hub.mode"); m != "unsubscribe" {
		t.Fatalf("last verification %q", m)
	}
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml", Body: []byte("v4")}})
	time.Sleep(50 * time.Millisecond)
	if n := len(s.deliveries()); n != 2 {
		t.Fatalf("%d deliveries after unsubscribing", n)
	}
}

// TestHubVerificationRefused: a callback that does not echo the challenge
// is not subscribed; one that refuses an unsubscription stays.
func TestHubVerificationRefused(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{})
	s := newSubscriber(t)
	s.refuse.Store(true)
	h.request(t, subscribeForm("subscribe", topicRSS, s.srv.URL))
	waitFor(t, "verification", func() bool { return len(s.verifications()) == 1 })
	time.Sleep(20 * time.Millisecond)
	if _, ok := h.Store().Get(topicRSS, s.srv.URL); ok {
		t.Fatal("subscribed without the challenge echoed")
	}
}

// TestHubDenied: a topic that is not ours is denied at the callback.
func TestHubDenied(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{})
	s := newSubscriber(t)
	if code := h.request(t, subscribeForm("subscribe", "https://elsewhere.example/rss.xml", s.srv.URL)); code != http.StatusAccepted {
		t.Fatal(code)
	}
	waitFor(t, "denial", func() bool { return len(s.verifications()) == 1 })
	v := s.verifications()[0]
	if v.Get("hub.mode") != "denied" || v.Get("hub.topic") != "https://elsewhere.example/rss.xml" || v.Get("hub.reason") == "" {
		t.Fatalf("denial %v", v)
	}
	if _, _, n := h.Store().Counts("", ""); n != 0 {
		t.Fatal("denied topic subscribed")
	}
}

func TestHubBadRequests(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{})
	cb := "http://127.0.0.1:1/cb" // nothing listens: the accepted request's verification goes nowhere
	for name, c := range map[string]struct {
		form url.Values
		want int
	}{
		"no mode":        {url.Values{"hub.topic": {topicRSS}, "hub.callback": {cb}}, 400},
		"publish":        {subscribeForm("publish", topicRSS, cb), 400},
		"no topic":       {subscribeForm("subscribe", "", cb), 400},
		"no callback":    {subscribeForm("subscribe", topicRSS, ""), 400},
		"ftp callback":   {subscribeForm("subscribe", topicRSS, "ftp://sub.example/"), 400},
		"relative":       {subscribeForm("subscribe", topicRSS, "/cb"), 400},
		"userinfo":       {subscribeForm("subscribe", topicRSS, "https://u:p@sub.example/"), 400},
		"long callback":  {subscribeForm("subscribe", topicRSS, cb+"?"+strings.Repeat("x", 3000)), 400},
		"secret 201":     {subscribeForm("subscribe", topicRSS, cb, "hub.secret", strings.Repeat("s", 201)), 400},
		"lease text":     {subscribeForm("subscribe", topicRSS, cb, "hub.lease_seconds", "soon"), 400},
		"lease negative": {subscribeForm("subscribe", topicRSS, cb, "hub.lease_seconds", "-5"), 400},
		"repeated":       {url.Values{"hub.mode": {"subscribe", "unsubscribe"}, "hub.topic": {topicRSS}, "hub.callback": {cb}}, 400},
		"unknown param":  {url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topicRSS}, "hub.callback": {cb}, "x": {"1", "2"}}, 202},
		"huge body":      {url.Values{"hub.mode": {"subscribe"}, "pad": {strings.Repeat("p", 20000)}}, 400},
	} {
		if got := h.request(t, c.form); got != c.want {
			t.Errorf("%s: %d, want %d", name, got, c.want)
		}
	}
	resp, err := http.Get(h.srv.URL)
	if err != nil || resp.StatusCode != 405 {
		t.Errorf("GET: %v %v", resp.StatusCode, err)
	}
	resp, err = http.Post(h.srv.URL, "text/plain", strings.NewReader("hub.mode=subscribe"))
	if err != nil || resp.StatusCode != 415 {
		t.Errorf("text/plain: %v %v", resp.StatusCode, err)
	}
	// A 200-byte secret is accepted.
	if got := h.request(t, subscribeForm("subscribe", topicRSS, cb, "hub.secret", strings.Repeat("s", 200))); got != 202 {
		t.Errorf("secret of 200 bytes: %d", got)
	}
}

// TestHubLimits: subscriptions per callback host and per topic are bounded
// (verifications under way count).
func TestHubLimits(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{MaxPerHost: 2, MaxPerTopic: 3})
	s := newSubscriber(t)
	for i, want := range []int{202, 202, 429} {
		cb := s.srv.URL + "/" + string(rune('a'+i))
		if got := h.request(t, subscribeForm("subscribe", topicRSS, cb)); got != want {
			t.Errorf("callback %d: %d, want %d", i, got, want)
		}
	}
	waitFor(t, "two subscriptions", func() bool { _, _, n := h.Store().Counts("", ""); return n == 2 })
	// Renewing an existing one is not a new subscription.
	if got := h.request(t, subscribeForm("subscribe", topicRSS, s.srv.URL+"/a")); got != 202 {
		t.Errorf("renewal at the limit: %d", got)
	}
	h2 := newTestHub(t, HubOptions{MaxPerHost: 100, MaxPerTopic: 2})
	for i, want := range []int{202, 202, 429} {
		cb := s.srv.URL + "/t" + string(rune('a'+i))
		if got := h2.request(t, subscribeForm("subscribe", topicRSS, cb)); got != want {
			t.Errorf("per topic, callback %d: %d, want %d", i, got, want)
		}
		waitFor(t, "verification", func() bool { h2.mu.Lock(); defer h2.mu.Unlock(); return h2.nverify == 0 })
	}
}

// TestHubRefusesPrivateCallbacks: without AllowPrivate a loopback callback
// is never contacted.
func TestHubRefusesPrivateCallbacks(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{AllowPrivate: true}) // inverted by newTestHub: the guard is on
	s := newSubscriber(t)
	if code := h.request(t, subscribeForm("subscribe", topicRSS, s.srv.URL)); code != 202 {
		t.Fatal(code)
	}
	waitFor(t, "verification to end", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.nverify == 0 })
	if len(s.verifications()) != 0 {
		t.Fatal("a loopback callback was contacted")
	}
	if _, _, n := h.Store().Counts("", ""); n != 0 {
		t.Fatal("subscribed")
	}
}

func subscribed(t *testing.T, h *testHub, s *subscriber, path string) string {
	t.Helper()
	cb := s.srv.URL + path
	if code := h.request(t, subscribeForm("subscribe", topicRSS, cb)); code != 202 {
		t.Fatal(code)
	}
	waitFor(t, "subscription", func() bool { _, ok := h.Store().Get(topicRSS, cb); return ok })
	return cb
}

// TestHubDeliveryFailures: a callback answering 500 is retried with
// backoff and then given up; 410 removes the subscription; a slow reader
// is cut off by the timeout and holds up neither the other subscriber nor
// Publish.
func TestHubDeliveryFailures(t *testing.T) {
	h := newTestHub(t, HubOptions{Timeout: 300 * time.Millisecond, MaxAttempts: 3, RetryBase: 20 * time.Millisecond})
	failing, gone, slow, good := newSubscriber(t), newSubscriber(t), newSubscriber(t), newSubscriber(t)
	for _, s := range []*subscriber{failing, gone, slow, good} {
		subscribed(t, h, s, "/cb")
	}
	failing.status.Store(500)
	gone.status.Store(410)
	slow.slow.Store(true)
	body := []byte(strings.Repeat("x", 10)) // 500 ms for the slow reader, past the 300 ms timeout
	start := time.Now()
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml", Body: body}})
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("Publish took %s", d)
	}
	waitFor(t, "the good subscriber", func() bool { return len(good.deliveries()) == 1 })
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("the good subscriber waited %s, behind the slow one", d)
	}
	waitFor(t, "three attempts at the failing callback", func() bool { return failing.posts.Load() == 3 })
	waitFor(t, "the gone subscriber removed", func() bool { _, ok := h.Store().Get(topicRSS, gone.srv.URL+"/cb"); return !ok })
	waitFor(t, "three attempts at the slow callback", func() bool { return slow.posts.Load() == 3 })
	time.Sleep(200 * time.Millisecond)
	if n := failing.posts.Load(); n != 3 {
		t.Errorf("failing callback tried %d times, want 3 (then given up)", n)
	}
	if n := gone.posts.Load(); n != 1 {
		t.Errorf("410 callback tried %d times", n)
	}
	if n := slow.posts.Load(); n != 3 {
		t.Errorf("slow callback tried %d times, want 3 (cut off by the timeout each time, then given up)", n)
	}
	// Recovery: the failing callback answers again and gets the next version.
	failing.status.Store(0)
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml", Body: []byte("v2")}})
	waitFor(t, "delivery after recovery", func() bool { return len(failing.deliveries()) == 1 })
}

// TestHubRetryThenSuccess: two 500s, then the delivery goes through.
func TestHubRetryThenSuccess(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{MaxAttempts: 4})
	s := newSubscriber(t)
	cb := subscribed(t, h, s, "/cb")
	s.status.Store(500)
	h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml", Body: []byte("v1")}})
	waitFor(t, "two failed attempts", func() bool { return s.posts.Load() >= 2 })
	s.status.Store(0)
	waitFor(t, "delivery", func() bool { return len(s.deliveries()) == 1 })
	if string(s.deliveries()[0].body) != "v1" {
		t.Fatal("wrong body")
	}
	_ = cb
}

// TestHubNewestWins: versions published while a delivery is under way
// collapse into the newest one: the subscriber gets the first and the
// last, never an older after a newer.
func TestHubNewestWins(t *testing.T) {
	t.Parallel()
	h := newTestHub(t, HubOptions{})
	s := newSubscriber(t)
	subscribed(t, h, s, "/cb")
	s.slow.Store(true) // the first delivery takes a while (50 ms a byte)
	h.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("v1")}})
	waitFor(t, "first delivery under way", func() bool { return s.posts.Load() == 1 })
	for i := 2; i <= 9; i++ {
		h.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("v" + string(rune('0'+i)))}})
	}
	waitFor(t, "two deliveries", func() bool { return len(s.deliveries()) == 2 })
	time.Sleep(150 * time.Millisecond)
	d := s.deliveries()
	if len(d) != 2 || string(d[0].body) != "v1" || string(d[1].body) != "v9" {
		var got []string
		for _, x := range d {
			got = append(got, string(x.body))
		}
		t.Fatalf("delivered %q, want v1 then v9", got)
	}
}

// TestHubLeaseExpiry: an expired lease gets no delivery and is swept.
func TestHubLeaseExpiry(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Now().Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	h := newTestHub(t, HubOptions{Now: clock, MinLease: 10 * time.Second, SweepEvery: 5 * time.Millisecond})
	s := newSubscriber(t)
	if code := h.request(t, subscribeForm("subscribe", topicRSS, s.srv.URL, "hub.lease_seconds", "1")); code != 202 {
		t.Fatal(code)
	}
	waitFor(t, "subscription", func() bool { _, ok := h.Store().Get(topicRSS, s.srv.URL); return ok })
	if v := s.verifications()[0].Get("hub.lease_seconds"); v != "10" {
		t.Fatalf("lease %s, want the minimum 10", v)
	}
	now.Add(11)
	h.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("late")}})
	waitFor(t, "sweep", func() bool { _, ok := h.Store().Get(topicRSS, s.srv.URL); return !ok })
	if s.posts.Load() != 0 {
		t.Fatal("delivered after the lease ended")
	}
}

// TestHubSubscriptionsSurviveRestart: a hub reopened on the same file
// delivers to the subscribers of the first.
func TestHubSubscriptionsSurviveRestart(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/websub.db"
	h := newTestHub(t, HubOptions{StorePath: path})
	s := newSubscriber(t)
	subscribed(t, h, s, "/cb")
	h.srv.Close()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	h2 := newTestHub(t, HubOptions{StorePath: path})
	h2.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("after restart")}})
	waitFor(t, "delivery after restart", func() bool { return len(s.deliveries()) == 1 })
}

// syncBuffer is a log destination safe for the hub's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestHubLogsDownCallbackOnce: a callback that fails every delivery is
// reported once, and its recovery once.
func TestHubLogsDownCallbackOnce(t *testing.T) {
	var logs syncBuffer
	h := newTestHub(t, HubOptions{MaxAttempts: 2, RetryBase: time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s := newSubscriber(t)
	subscribed(t, h, s, "/cb")
	s.status.Store(500)
	for i := 1; i <= 3; i++ {
		h.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("v")}})
		waitFor(t, "attempts", func() bool { return s.posts.Load() == int32(2*i) })
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(logs.String(), "giving up"); n != 1 {
		t.Fatalf("%d give-up lines at info level or above, want 1:\n%s", n, logs.String())
	}
	s.status.Store(0)
	h.Publish([]Content{{Topic: topicRSS, ContentType: "text/plain", Body: []byte("v")}})
	waitFor(t, "delivery", func() bool { return len(s.deliveries()) == 1 })
	waitFor(t, "recovery logged", func() bool { return strings.Count(logs.String(), "reachable again") == 1 })
}

// FuzzHubRequest: any form body gets a 4xx or 202, never a panic or a 5xx
// other than the documented 503.
func FuzzHubRequest(f *testing.F) {
	f.Add("hub.mode=subscribe&hub.topic=https%3A%2F%2Ffeeds.example.com%2Frss.xml&hub.callback=https%3A%2F%2Fsub.example%2Fcb&hub.lease_seconds=60&hub.secret=x")
	f.Add("hub.mode=unsubscribe&hub.topic=x&hub.callback=http://[::1]:80/")
	f.Add("hub.mode=subscribe&hub.lease_seconds=99999999999999999999999")
	f.Add("%zz&&==;")
	// Verifications and denials of accepted requests go nowhere: a fuzzed
	// callback may name any host, and tests stay off the network.
	offline := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, errOffline })}
	h, err := NewHub(HubOptions{IsTopic: func(t string) bool { return strings.HasPrefix(t, "https://feeds.example.com/") }, Client: offline})
	if err != nil {
		f.Fatal(err)
	}
	defer h.Close()
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/websub", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		switch w.Code {
		case 202, 400, 429, 503:
		default:
			t.Fatalf("%q: status %d", body, w.Code)
		}
	})
}

var errOffline = errors.New("offline")

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
