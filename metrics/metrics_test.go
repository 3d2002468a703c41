package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fixed answers like the feed handler, allocating nothing itself: a
// status, an optional coding, a body.
type fixed struct {
	code int
	ce   []string
	body []byte
}

func answer(code int, ce, body string) http.Handler {
	f := &fixed{code: code, body: []byte(body)}
	if ce != "" {
		f.ce = []string{ce}
	}
	return f
}

func (f *fixed) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.ce != nil {
		w.Header()["Content-Encoding"] = f.ce
	}
	w.WriteHeader(f.code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(f.body)
	}
}

func TestFormatOf(t *testing.T) {
	tests := map[string]int{
		"/rss.xml":                   fmtRSS,
		"/category/caijing/atom.xml": fmtAtom,
		"/tag/河北日报新闻/feed.json":      fmtJSON,
		"/":                          fmtHTML,
		"/index.html":                fmtHTML,
		"/tag/x/":                    fmtHTML,
		"/feeds.opml":                fmtOPML,
		"/healthz":                   fmtHealth,
		"/metrics":                   fmtMetrics,
		"/notrss.xml":                fmtOther,
		"/favicon.ico":               fmtOther,
		"/rss.xml.gz":                fmtOther,
		"":                           fmtOther,
	}
	for p, want := range tests {
		if got := formatOf(p); got != want {
			t.Errorf("formatOf(%q) = %s, want %s", p, formatNames[got], formatNames[want])
		}
	}
}

// TestWrapCounts proves the counts a response adds: by format and status
// class, 304s, and body bytes by coding (nothing for HEAD or a 304).
func TestWrapCounts(t *testing.T) {
	m := New()
	do := func(h http.Handler, method, path string) {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(method, path, nil))
	}
	do(m.Wrap(answer(200, "br", "12345")), "GET", "/rss.xml")
	do(m.Wrap(answer(200, "gzip", "123")), "GET", "/category/a/atom.xml")
	do(m.Wrap(answer(200, "", "1234567")), "GET", "/feed.json")
	do(m.Wrap(answer(200, "", "1234567")), "HEAD", "/feed.json")
	do(m.Wrap(answer(304, "", "")), "GET", "/rss.xml")
	do(m.Wrap(answer(404, "", "404 page not found\n")), "GET", "/nope")
	do(m.Wrap(answer(503, "", "x")), "GET", "/")

	checks := []struct {
		name string
		got  float64
		want float64
	}{
		{"rss 2xx", testutil.ToFloat64(m.requests[fmtRSS][1]), 1},
		{"rss 3xx", testutil.ToFloat64(m.requests[fmtRSS][2]), 1},
		{"atom 2xx", testutil.ToFloat64(m.requests[fmtAtom][1]), 1},
		{"json 2xx", testutil.ToFloat64(m.requests[fmtJSON][1]), 2},
		{"other 4xx", testutil.ToFloat64(m.requests[fmtOther][3]), 1},
		{"html 5xx", testutil.ToFloat64(m.requests[fmtHTML][4]), 1},
		{"304s", testutil.ToFloat64(m.notModified), 1},
		{"br bytes", testutil.ToFloat64(m.bytesSent[encBr]), 5},
		{"gzip bytes", testutil.ToFloat64(m.bytesSent[encGzip]), 3},
		{"identity bytes", testutil.ToFloat64(m.bytesSent[encIdentity]), 7 + 19 + 1},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

// TestNoAllocationPerRequest proves that counting a request allocates
// nothing: the series are resolved at start-up and the recorder is pooled.
func TestNoAllocationPerRequest(t *testing.T) {
	m := New()
	h := m.Wrap(answer(200, "gzip", "body"))
	r := httptest.NewRequest("GET", "/rss.xml", nil)
	w := &nopWriter{h: http.Header{}}
	h.ServeHTTP(w, r) // warm the pool
	if n := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, r) }); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}

type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

// TestExposition proves /metrics is the Prometheus text format with every
// documented family, the Go runtime's included.
func TestExposition(t *testing.T) {
	m := New()
	m.Regenerated(true, 30*time.Millisecond, 15, 2, 9)
	m.Regenerated(false, 2*time.Millisecond, 16, 2, 9)
	m.WatchBatch(3, false)
	m.WatchBatch(0, true)
	m.Rescan()
	m.WebSubPing(true)
	m.WebSubDelivery(false)
	m.Wrap(answer(200, "", "x")).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/rss.xml", nil))
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	out := w.Body.String()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		`feedgen_http_requests_total{code="2xx",format="rss"} 1`,
		`feedgen_http_not_modified_total 0`,
		`feedgen_http_response_bytes_total{encoding="identity"} 1`,
		`feedgen_regenerations_total{kind="full"} 1`,
		`feedgen_regenerations_total{kind="update"} 1`,
		`feedgen_regeneration_duration_seconds_count 2`,
		`feedgen_articles 16`,
		`feedgen_invalid_articles 2`,
		`feedgen_feeds 9`,
		`feedgen_watch_events_total 3`,
		`feedgen_watch_batches_total 2`,
		`feedgen_rescans_total 2`,
		`feedgen_websub_pings_total{result="ok"} 1`,
		`feedgen_websub_pings_total{result="error"} 0`,
		`feedgen_websub_deliveries_total{result="error"} 1`,
		`go_goroutines `,
		`go_memstats_heap_alloc_bytes `,
		`# TYPE feedgen_regeneration_duration_seconds histogram`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
}

// TestNil proves a nil *Metrics does nothing and Wrap returns the handler.
func TestNil(t *testing.T) {
	var m *Metrics
	m.Regenerated(true, time.Second, 1, 1, 1)
	m.WatchBatch(1, true)
	m.Rescan()
	m.WebSubPing(true)
	m.WebSubDelivery(true)
	h := answer(200, "", "")
	if m.Wrap(h) != h {
		t.Error("nil Metrics must not wrap")
	}
}
