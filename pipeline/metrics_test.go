package pipeline

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/metrics"
	"feedgen/watch"
	"feedgen/websub"
)

// TestMetricsEndpoint proves that a daemon with metrics serves /metrics on
// its own address, counting feed requests, 304s, bytes by coding and
// regenerations, and the watcher's batches after a change.
func TestMetricsEndpoint(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, metrics: metrics.New(), watch: watch.Options{Quiet: 20 * time.Millisecond}})
	td.waitGzip(t, "/rss.xml")
	r := td.do(t, http.MethodGet, "/rss.xml", map[string]string{"Accept-Encoding": "br"})
	td.do(t, http.MethodGet, "/rss.xml", map[string]string{"If-None-Match": r.hdr.Get("Etag")})
	td.do(t, http.MethodGet, "/nope.xml", nil)
	writeAtomic(t, filepath.Join(src, "new.md"), []byte(article{Title: "新文章", Date: "2024-07-03", Link: "http://news.example.com/new"}.String()))
	var out string
	eventually(t, 10*time.Second, "the change counted", func() (bool, string) {
		out = string(td.do(t, http.MethodGet, "/metrics", nil).body)
		// The batch is counted before the regeneration it causes.
		return strings.Contains(out, "feedgen_articles 16\n"), out
	})
	for _, want := range []string{
		`feedgen_http_requests_total{code="2xx",format="rss"} `,
		`feedgen_http_requests_total{code="3xx",format="rss"} 1`,
		`feedgen_http_requests_total{code="4xx",format="other"} 1`,
		`feedgen_http_not_modified_total 1`,
		`feedgen_http_response_bytes_total{encoding="br"} ` + r.hdr.Get("Content-Length"),
		`feedgen_regenerations_total{kind="full"} 1`,
		`feedgen_watch_batches_total `,
		`feedgen_watch_events_total `,
		`feedgen_feeds `,
		`feedgen_degraded{what="output_failing"} 0`,
		`go_goroutines `,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestMetricsSeparateAddress proves -metrics-addr: /metrics is served
// there and no longer on the feeds' address.
func TestMetricsSeparateAddress(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, metrics: metrics.New(), metricsAddr: "127.0.0.1:0", watch: watch.Options{Poll: time.Hour}})
	if r := td.do(t, http.MethodGet, "/metrics", nil); r.code != http.StatusNotFound {
		t.Errorf("/metrics on the feeds' address: %d, want 404", r.code)
	}
	td.do(t, http.MethodGet, "/atom.xml", nil)
	res, err := td.client.Get("http://" + td.d.MetricsAddr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), `feedgen_http_requests_total{code="2xx",format="atom"} 1`) {
		t.Errorf("metrics address: status %d\n%s", res.StatusCode, b)
	}
	// A taken metrics address fails at start-up.
	_, err = NewDaemon(ServeOptions{Src: src, Site: td.site, Addr: "127.0.0.1:0", Metrics: metrics.New(), MetricsAddr: td.d.MetricsAddr().String(), State: ""})
	if err == nil || !strings.Contains(err.Error(), "metrics address") {
		t.Errorf("taken metrics address: %v", err)
	}
}

// TestMetricsWebSub proves the WebSub counters are fed: a ping accepted by
// an external hub and a delivery taken by a subscriber of the built-in hub
// each count as ok.
func TestMetricsWebSub(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	rec := newRecorder(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String() + "/"
	site := testSite(t, base, config.DefaultLimit)
	site.Hubs = []string{rec.hub(), ownHub(base)}
	d, err := NewDaemon(ServeOptions{
		Src: src, Site: site, Listener: ln, Metrics: metrics.New(),
		Watch: watch.Options{Quiet: 20 * time.Millisecond},
		WebSub: WebSubOptions{
			BuiltIn: true,
			Hub:     websub.HubOptions{AllowPrivate: true, Timeout: time.Second},
			Publish: websub.PublisherOptions{Timeout: time.Second},
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

	topic := base + "rss.xml"
	cb := rec.srv.URL + "/sub"
	subscribe(t, td, "subscribe", topic, cb)
	eventually(t, 5*time.Second, "subscription verified", func() (bool, string) {
		_, ok := d.Hub().Store().Get(topic, cb)
		return ok, "not in the store"
	})
	writeAtomic(t, filepath.Join(src, "900_metrics.txt"), []byte(article{Title: "指标 推送", Date: "2030-01-02 03:04:05 +0800", Link: "http://e.example.com/m/1"}.String()))
	eventually(t, 10*time.Second, "ping and delivery counted", func() (bool, string) {
		out := string(td.do(t, http.MethodGet, "/metrics", nil).body)
		return !strings.Contains(out, `feedgen_websub_pings_total{result="ok"} 0`) &&
			!strings.Contains(out, `feedgen_websub_deliveries_total{result="ok"} 0`), out
	})
}
