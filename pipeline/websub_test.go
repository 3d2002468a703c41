package pipeline

import (
	"context"
	"crypto/hmac"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/watch"
	"feedgen/websub"
)

// recorder is a stub external hub (publish pings) and a WebSub subscriber
// (verifications and deliveries) in one loopback server.
type recorder struct {
	srv    *httptest.Server
	status atomic.Int32 // answer to deliveries and pings (0: 2xx)

	mu        sync.Mutex
	pings     []string // hub.topic of every publish ping
	pingReqs  int
	verified  []url.Values
	delivered []delivery
}

type delivery struct {
	at     time.Time
	body   []byte
	header http.Header
}

func newRecorder(t *testing.T) *recorder { return newRecorderTB(t) }

func newRecorderTB(t testing.TB) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		body, _ := io.ReadAll(q.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case q.URL.Path == "/hub":
			r.pingReqs++
			if st := r.status.Load(); st != 0 {
				w.WriteHeader(int(st))
				return
			}
			f, _ := url.ParseQuery(string(body))
			if f.Get("hub.mode") != "publish" || !slices.Equal(f["hub.url"], f["hub.topic"]) {
				w.WriteHeader(400)
				return
			}
			r.pings = append(r.pings, f["hub.topic"]...)
			w.WriteHeader(204)
		case q.Method == http.MethodGet:
			r.verified = append(r.verified, q.URL.Query())
			io.WriteString(w, q.URL.Query().Get("hub.challenge"))
		default:
			if st := r.status.Load(); st != 0 {
				w.WriteHeader(int(st))
				return
			}
			r.delivered = append(r.delivered, delivery{at: time.Now(), body: body, header: q.Header.Clone()})
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) hub() string { return r.srv.URL + "/hub" }

func (r *recorder) snapshot() (pings []string, verified []url.Values, delivered []delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.pings)), slices.Clone(r.verified), slices.Clone(r.delivered)
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pings, r.delivered, r.pingReqs = nil, nil, 0
}

// startWebSubDaemon starts a daemon with hubs and the built-in hub
// (loopback callbacks allowed, short timeouts).
func startWebSubDaemon(t *testing.T, src, state, addr string, hubs []string, timeout time.Duration) *testDaemon {
	t.Helper()
	return startWebSubDaemonTB(t, src, state, addr, hubs, timeout)
}

// quiet is the watcher's debounce (20 ms unless given).
func startWebSubDaemonTB(t testing.TB, src, state, addr string, hubs []string, timeout time.Duration, quiet ...time.Duration) *testDaemon {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/"
	site := testSite(t, base, config.DefaultLimit)
	site.Hubs = append(slices.Clone(hubs), ownHub(base))
	d, err := NewDaemon(ServeOptions{
		Src: src, Site: site, Listener: ln, State: state,
		Watch: watch.Options{Quiet: append(quiet, 20*time.Millisecond)[0]},
		WebSub: WebSubOptions{
			BuiltIn: true,
			Hub:     websub.HubOptions{AllowPrivate: true, Timeout: timeout, RetryBase: 20 * time.Millisecond, MaxAttempts: 3},
			Publish: websub.PublisherOptions{Timeout: timeout, RetryBase: 20 * time.Millisecond, MaxAttempts: 3},
		},
	})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	td := &testDaemon{d: d, base: base, site: site, src: src, client: &http.Client{Timeout: 10 * time.Second}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	td.cancel = cancel
	go func() {
		defer close(td.done)
		td.runErr = d.Run(ctx)
	}()
	t.Cleanup(func() {
		if err := td.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return td
}

// changedTopics lists the feed URLs whose bytes differ between two
// snapshots, added and removed ones included.
func changedTopics(base string, a, b *snapshot.Snapshot) []string {
	var out []string
	for _, p := range b.Paths() {
		if f := b.Get(p); layout.IsFeed(p) && (a.Get(p) == nil || a.Get(p).ETag != f.ETag) {
			out = append(out, websub.TopicURL(base, p))
		}
	}
	for _, p := range a.Paths() {
		if layout.IsFeed(p) && b.Get(p) == nil {
			out = append(out, websub.TopicURL(base, p))
		}
	}
	slices.Sort(out)
	return out
}

func subscribe(t *testing.T, td *testDaemon, mode, topic, callback string, extra ...string) {
	t.Helper()
	subscribeTB(t, td, mode, topic, callback, extra...)
}

func subscribeTB(t testing.TB, td *testDaemon, mode, topic, callback string, extra ...string) {
	t.Helper()
	f := url.Values{"hub.mode": {mode}, "hub.topic": {topic}, "hub.callback": {callback}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	resp, err := td.client.PostForm(td.base+"websub", f)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("%s: %d, want 202", mode, resp.StatusCode)
	}
}

// TestWebSubDaemon: over loopback HTTP, a subscriber subscribes to the
// daemon's own hub, is verified, gets the new feed pushed (signed) after an
// article is added, renews, survives a restart of the daemon, and
// unsubscribes; an external stub hub is pinged with exactly the changed
// topics; the feeds and their responses name both hubs.
func TestWebSubDaemon(t *testing.T) {
	parallel(t)
	src, state := t.TempDir(), t.TempDir()
	copyDir(t, seedsDir, src)
	rec := newRecorder(t)
	td := startWebSubDaemon(t, src, state, "", []string{rec.hub()}, time.Second)
	topic := td.base + "rss.xml"

	// Discovery: the served feed and its Link header.
	r := td.do(t, http.MethodGet, "/rss.xml", nil)
	wantLinks := []string{"<" + rec.hub() + `>; rel="hub"`, "<" + td.base + `websub>; rel="hub"`, "<" + topic + `>; rel="self"`}
	if got := r.hdr.Values("Link"); !slices.Equal(got, wantLinks) {
		t.Fatalf("Link %q, want %q", got, wantLinks)
	}
	if !strings.Contains(string(r.body), `<atom:link href="`+td.base+`websub" rel="hub">`) {
		t.Fatal("the feed does not name the built-in hub")
	}
	// Every feed's rel="self" is the self URL its own body names.
	snap := td.d.Snapshot()
	for _, p := range snap.Paths() {
		if !layout.IsFeed(p) {
			continue
		}
		r := td.do(t, http.MethodGet, p, nil)
		links := r.hdr.Values("Link")
		self, ok := strings.CutSuffix(links[len(links)-1], `>; rel="self"`)
		self = strings.TrimPrefix(self, "<")
		if !ok || !(strings.Contains(string(r.body), `href="`+self+`" rel="self"`) || strings.Contains(string(r.body), `"feed_url": "`+self+`"`)) {
			t.Errorf("%s: Link self %q is not the feed's own self URL", p, links[len(links)-1])
		}
	}
	if r := td.do(t, http.MethodGet, "/", nil); len(r.hdr.Values("Link")) != 0 {
		t.Fatal("the index page has a Link header")
	}

	// What is served equals what a build with the same hubs writes.
	out := t.TempDir()
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: td.site}); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees("served", identities(td.d.Snapshot()), "built", readTree(t, out)); d != "" {
		t.Fatalf("serve with hubs != build with hubs: %s", d)
	}

	cb := rec.srv.URL + "/sub?who=1"
	subscribe(t, td, "subscribe", topic, cb, "hub.secret", "s3cret", "hub.lease_seconds", "86400")
	eventually(t, 5*time.Second, "subscription verified", func() (bool, string) {
		_, ok := td.d.Hub().Store().Get(topic, cb)
		return ok, "not in the store"
	})
	_, v, _ := rec.snapshot()
	if v[0].Get("hub.mode") != "subscribe" || v[0].Get("hub.topic") != topic || v[0].Get("hub.lease_seconds") != "86400" || v[0].Get("hub.challenge") == "" {
		t.Fatalf("verification %v", v[0])
	}

	before := td.d.Snapshot()
	rec.reset()
	art := article{Title: "WebSub 推送测试", Date: "2030-01-02 03:04:05 +0800", Categories: []string{"websubcat"}, Tags: []string{"推送"}, Link: "http://e.example.com/ws/1"}
	writeAtomic(t, filepath.Join(src, "900_websub.txt"), []byte(art.String()))
	eventually(t, 5*time.Second, "pushed feed", func() (bool, string) {
		_, _, d := rec.snapshot()
		return len(d) > 0, "nothing delivered"
	})
	_, _, d := rec.snapshot()
	served := td.get(t, "/rss.xml")
	if string(d[0].body) != string(served) || !strings.Contains(string(served), art.Title) {
		t.Fatalf("pushed body (%d bytes) is not the served feed with the new article", len(d[0].body))
	}
	if sig := d[0].header.Get("X-Hub-Signature"); !hmac.Equal([]byte(sig), []byte("sha256="+websub.Sign("s3cret", served))) {
		t.Fatalf("X-Hub-Signature %q", sig)
	}
	if ct := d[0].header.Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if got := d[0].header.Values("Link"); !slices.Equal(got, wantLinks) {
		t.Fatalf("delivery Link %q", got)
	}
	want := changedTopics(td.base, before, td.d.Snapshot())
	if len(want) < 9 { // the global, category and (new) tag feeds, three formats each
		t.Fatalf("only %d changed topics: %q", len(want), want)
	}
	eventually(t, 5*time.Second, "pings of the changed topics", func() (bool, string) {
		p, _, _ := rec.snapshot()
		return slices.Equal(p, want), strings.Join(p, " ")
	})
	time.Sleep(100 * time.Millisecond)
	if p, _, _ := rec.snapshot(); !slices.Equal(p, want) {
		t.Fatalf("pings %q, want exactly %q", p, want)
	}

	// Renewal with another lease.
	subscribe(t, td, "subscribe", topic, cb, "hub.secret", "s3cret", "hub.lease_seconds", "172800")
	eventually(t, 5*time.Second, "renewal", func() (bool, string) {
		s, _ := td.d.Hub().Store().Get(topic, cb)
		return s.Lease == 172800, "lease not renewed"
	})

	// Restart on the same state and address: the subscription is still
	// there and served.
	if err := td.stop(); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(td.base, "http://"), "/")
	td = startWebSubDaemon(t, src, state, addr, []string{rec.hub()}, time.Second)
	<-td.d.Synced()
	if _, ok := td.d.Hub().Store().Get(topic, cb); !ok {
		t.Fatal("subscription lost in the restart")
	}
	rec.reset()
	art.Title = "WebSub 重启后"
	writeAtomic(t, filepath.Join(src, "900_websub.txt"), []byte(art.String()))
	eventually(t, 5*time.Second, "push after restart", func() (bool, string) {
		_, _, d := rec.snapshot()
		return len(d) > 0 && strings.Contains(string(d[len(d)-1].body), art.Title), "not delivered"
	})

	// Unsubscribe: no more deliveries.
	subscribe(t, td, "unsubscribe", topic, cb)
	eventually(t, 5*time.Second, "unsubscribed", func() (bool, string) {
		_, ok := td.d.Hub().Store().Get(topic, cb)
		return !ok, "still subscribed"
	})
	rec.reset()
	art.Title = "WebSub 退订后"
	writeAtomic(t, filepath.Join(src, "900_websub.txt"), []byte(art.String()))
	eventually(t, 5*time.Second, "pings after the edit", func() (bool, string) {
		p, _, _ := rec.snapshot()
		return len(p) > 0, "no ping"
	})
	time.Sleep(100 * time.Millisecond)
	if _, _, d := rec.snapshot(); len(d) != 0 {
		t.Fatalf("%d deliveries after unsubscribing", len(d))
	}
}

// TestWebSubFaultsDoNotDelayRegeneration: with the external hub down, a
// callback answering 500, one that hangs and one that reads a byte a
// second, an edit is still served at once, and the daemon stops promptly.
func TestWebSubFaultsDoNotDelayRegeneration(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String() + "/"
	ln.Close()
	// The hub and callback timeouts are long, so that an edit that
	// waited for one would show.
	const hangFor = 20 * time.Second // its half is well above a slow stop on a loaded CI machine
	failing := newRecorder(t)
	failing.status.Store(500)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		_, _ = io.ReadAll(r.Body) // then the server notices the hub hang up
		<-r.Context().Done()      // never answers a delivery
	}))
	defer hang.Close()
	// A callback that reads one byte a second.
	quit := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		b := make([]byte, 1)
		for {
			if _, err := r.Body.Read(b); err != nil {
				return
			}
			select {
			case <-time.After(time.Second):
			case <-quit: // the test is over
				return
			}
		}
	}))
	defer slow.Close()
	defer close(quit)
	td := startWebSubDaemon(t, src, t.TempDir(), "", []string{down}, hangFor)
	topic := td.base + "atom.xml"
	for _, cb := range []string{failing.srv.URL + "/a", hang.URL + "/b", slow.URL + "/c"} {
		subscribe(t, td, "subscribe", topic, cb)
		eventually(t, 5*time.Second, "subscribed", func() (bool, string) {
			_, ok := td.d.Hub().Store().Get(topic, cb)
			return ok, cb
		})
	}
	for i, title := range []string{"故障一", "故障二", "故障三"} {
		start := time.Now()
		art := article{Title: title, Date: "2030-01-02 03:04:05 +0800", Categories: []string{"x"}, Link: "http://e.example.com/f/1"}
		writeAtomic(t, filepath.Join(src, "901_fault.txt"), []byte(art.String()))
		eventually(t, hangFor/2, "edit served", func() (bool, string) { // the bound checked below
			return strings.Contains(string(td.get(t, "/atom.xml")), title), "not yet"
		})
		// Debounce is 20 ms; a regeneration is tens of ms (more under
		// -race on a loaded machine). Waiting for the hanging callback or
		// the hub would take hangFor.
		if d := time.Since(start); d > hangFor/2 {
			t.Errorf("edit %d served after %s", i, d)
		}
	}
	start := time.Now()
	if err := td.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > hangFor/2 {
		t.Errorf("stopping took %s: it waited for a callback or hub", d)
	}
}

// TestWebSubTopics: the built-in hub accepts the served feeds only; an
// archive document, a page or the OPML list is served but never announced,
// so a subscription to it would be accepted and never delivered.
func TestWebSubTopics(t *testing.T) {
	parallel(t)
	const base = "https://feeds.example.com/"
	mod := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var files []*snapshot.File
	for _, p := range []string{"/rss.xml", "/category/caijing/atom.xml", "/tag/河北/rss.xml", "/archive/2026/10/rss.xml",
		"/category/caijing/archive/2026/10/feed.json", "/index.html", "/feeds.opml"} {
		files = append(files, snapshot.NewFile(p, "application/rss+xml; charset=utf-8", []byte("x"), mod))
	}
	snap := snapshot.New(files, snapshot.Stats{})
	ok := isTopic(base, func() *snapshot.Snapshot { return snap })
	for topic, want := range map[string]bool{
		base + "rss.xml": true, base + "category/caijing/atom.xml": true,
		base + "tag/%E6%B2%B3%E5%8C%97/rss.xml":             true,  // as the feed's self link spells it
		base + "tag/%e6%b2%b3%e5%8c%97/rss.xml":             false, // another spelling: never delivered to
		base + "tag/河北/rss.xml":                             false,
		base + "%72ss.xml":                                  false,
		base + "tag/gone/rss.xml":                           false, // not served
		base + "archive/2026/10/rss.xml":                    false,
		base + "category/caijing/archive/2026/10/feed.json": false,
		base + "index.html":                                 false,
		base + "feeds.opml":                                 false,
		"https://elsewhere.example/rss.xml":                 false,
	} {
		if got := ok(topic); got != want {
			t.Errorf("isTopic(%s) = %v, want %v", topic, got, want)
		}
	}
}
