package serve

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

var modTime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// bigBody compresses well, so NewFile keeps a gzip form.
func bigBody(tag string) []byte {
	return []byte(strings.Repeat("<item>"+tag+"</item>\n", 200))
}

// testSnapshot is a snapshot of six files whose bodies name tag. Built once
// per tag and shared by the tests (a snapshot is immutable): building one
// compresses every file in gzip and Brotli, which under -race is most of
// what a small test costs.
func testSnapshot(tag string) *snapshot.Snapshot {
	return sharedSnapshot("plain "+tag, func() *snapshot.Snapshot { return buildTestSnapshot(tag) })
}

var sharedSnapshots sync.Map // key → func() *snapshot.Snapshot

// sharedSnapshot returns the snapshot built once for key by build.
func sharedSnapshot(key string, build func() *snapshot.Snapshot) *snapshot.Snapshot {
	f, _ := sharedSnapshots.LoadOrStore(key, sync.OnceValue(build))
	return f.(func() *snapshot.Snapshot)()
}

func buildTestSnapshot(tag string) *snapshot.Snapshot {
	files := []*snapshot.File{
		snapshot.NewFile("/index.html", layout.TypeHTML, bigBody("index "+tag), modTime),
		snapshot.NewFile("/rss.xml", layout.TypeRSS, bigBody("rss "+tag), modTime),
		snapshot.NewFile("/category/hebeiribao/atom.xml", layout.TypeAtom, bigBody("atom "+tag), modTime),
		snapshot.NewFile("/tag/河北日报新闻/feed.json", layout.TypeJSON, bigBody("json "+tag), modTime),
		snapshot.NewFile("/tag/with space/rss.xml", layout.TypeRSS, bigBody("space "+tag), modTime),
		snapshot.NewFile("/feeds.opml", layout.TypeOPML, []byte("x"+tag), modTime), // too small to gzip
	}
	return snapshot.New(files, snapshot.Stats{Articles: 42, Invalid: 3, Feeds: 7, Updated: modTime})
}

func newTestHandler(t testing.TB) (*Handler, *snapshot.Snapshot) {
	t.Helper()
	h := NewHandler(Options{})
	s := testSnapshot("a")
	h.Swap(s)
	return h, s
}

// do runs one request through h. target is used verbatim as the request
// URI, so percent-encoding is decoded exactly as a server would.
func do(h http.Handler, method, target string, hdr map[string]string) *http.Response {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLookup proves the URL path → snapshot file mapping, including the
// "/" alias, decoded UTF-8 and spaces, and that traversal-looking or
// malformed paths are plain 404s.
func TestLookup(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	tests := []struct {
		name   string
		target string
		path   string // set r.URL.Path directly when non-empty
		code   int
		file   string
	}{
		{"root is index", "/", "", 200, "/index.html"},
		{"index", "/index.html", "", 200, "/index.html"},
		{"rss", "/rss.xml", "", 200, "/rss.xml"},
		{"category", "/category/hebeiribao/atom.xml", "", 200, "/category/hebeiribao/atom.xml"},
		{"utf8 tag encoded", "/tag/" + url.PathEscape("河北日报新闻") + "/feed.json", "", 200, "/tag/河北日报新闻/feed.json"},
		{"space tag", "/tag/with%20space/rss.xml", "", 200, "/tag/with space/rss.xml"},
		{"query ignored", "/rss.xml?x=1", "", 200, "/rss.xml"},
		{"unknown", "/nope.xml", "", 404, ""},
		{"dir without file", "/category/hebeiribao/", "", 404, ""},
		{"dotdot", "/category/../rss.xml", "", 404, ""},
		{"dotdot encoded", "/category/%2E%2E/rss.xml", "", 404, ""},
		{"dot segment", "/./rss.xml", "", 404, ""},
		{"backslash", "/category%5Chebeiribao/atom.xml", "", 404, ""},
		{"nul", "/rss.xml%00", "", 404, ""},
		{"no leading slash", "/", "rss.xml", 404, ""},
		{"empty path", "/", "", 200, "/index.html"},
		{"double slash", "//rss.xml", "", 404, ""},
		{"case differs", "/RSS.xml", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.path != "" {
				r.URL.Path = tt.path
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			resp := w.Result()
			got := body(t, resp)
			if resp.StatusCode != tt.code {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.code)
			}
			if tt.code == 404 {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("404 Content-Type = %q", ct)
				}
				if len(got) == 0 || len(got) > 100 {
					t.Errorf("404 body = %q, want short text", got)
				}
				return
			}
			if want := s.Get(tt.file).Body; !bytes.Equal(got, want) {
				t.Errorf("body mismatch for %s", tt.file)
			}
		})
	}
}

// TestNotReady proves the handler's behaviour before the first snapshot
// and that a nil Swap never brings the 503 back.
func TestNotReady(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{})
	tests := []struct {
		target string
		ctype  string
		body   string
	}{
		{"/rss.xml", "text/plain", ""},
		{"/", "text/plain", ""},
		{"/healthz", "application/json", `{"status":"starting"}`},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			resp := do(h, "GET", tt.target, nil)
			b := body(t, resp)
			if resp.StatusCode != 503 {
				t.Fatalf("status = %d, want 503", resp.StatusCode)
			}
			if got := resp.Header.Get("Retry-After"); got != "1" {
				t.Errorf("Retry-After = %q", got)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type = %q, want %s", ct, tt.ctype)
			}
			if tt.body != "" && strings.TrimSpace(string(b)) != tt.body {
				t.Errorf("body = %q, want %q", b, tt.body)
			}
		})
	}
	if h.Snapshot() != nil {
		t.Fatal("Snapshot() before Swap is not nil")
	}
	s := testSnapshot("a")
	h.Swap(s)
	h.Swap(nil)
	if h.Snapshot() != s {
		t.Fatal("Swap(nil) replaced the snapshot")
	}
	if resp := do(h, "GET", "/rss.xml", nil); resp.StatusCode != 200 {
		t.Fatalf("after Swap(nil): status %d", resp.StatusCode)
	}
}

// TestHealthz proves /healthz reports the snapshot's stats as uncacheable
// JSON, for GET and HEAD.
func TestHealthz(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	for _, method := range []string{"GET", "HEAD"} {
		t.Run(method, func(t *testing.T) {
			resp := do(h, method, "/healthz", nil)
			b := body(t, resp)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
			if method == "HEAD" {
				if len(b) != 0 {
					t.Errorf("HEAD body %q", b)
				}
				if resp.Header.Get("Content-Length") == "" {
					t.Error("HEAD without Content-Length")
				}
				return
			}
			if cl := resp.Header.Get("Content-Length"); cl != fmt.Sprint(len(b)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(b))
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("%v: %s", err, b)
			}
			want := map[string]any{
				"status": "ok", "articles": 42.0, "invalid": 3.0, "feeds": 7.0,
				"files": float64(s.Len()), "updated": "2024-03-01T12:00:00Z",
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("healthz = %v, want %v", got, want)
			}
		})
	}
}

// TestMethods proves only GET and HEAD are served, and that HEAD carries
// exactly GET's headers without a body.
func TestMethods(t *testing.T) {
	t.Parallel()
	h, _ := newTestHandler(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND"} {
		t.Run(m, func(t *testing.T) {
			for _, target := range []string{"/rss.xml", "/healthz", "/nope"} {
				resp := do(h, m, target, nil)
				if resp.StatusCode != 405 {
					t.Errorf("%s %s: status %d", m, target, resp.StatusCode)
				}
				if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
					t.Errorf("Allow = %q", got)
				}
			}
		})
	}
	for _, ae := range []string{"", "gzip"} {
		t.Run("HEAD ae="+ae, func(t *testing.T) {
			get := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": ae})
			head := do(h, "HEAD", "/rss.xml", map[string]string{"Accept-Encoding": ae})
			if b := body(t, head); len(b) != 0 {
				t.Errorf("HEAD body of %d bytes", len(b))
			}
			if head.StatusCode != get.StatusCode {
				t.Errorf("HEAD %d, GET %d", head.StatusCode, get.StatusCode)
			}
			if fmt.Sprint(head.Header) != fmt.Sprint(get.Header) {
				t.Errorf("HEAD headers %v\nGET headers %v", head.Header, get.Header)
			}
			if head.Header.Get("Content-Length") != fmt.Sprint(len(body(t, get))) {
				t.Errorf("HEAD Content-Length %q", head.Header.Get("Content-Length"))
			}
		})
	}
}

// TestHeaders proves every file response carries the precomputed headers.
func TestHeaders(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{CacheControl: "public, max-age=60"})
	s := testSnapshot("a")
	h.Swap(s)
	for _, p := range s.Paths() {
		t.Run(p, func(t *testing.T) {
			f := s.Get(p)
			resp := do(h, "GET", (&url.URL{Path: p}).EscapedPath(), nil)
			b := body(t, resp)
			want := map[string]string{
				"Content-Type":           f.ContentType,
				"Etag":                   f.ETag,
				"Last-Modified":          "Fri, 01 Mar 2024 12:00:00 GMT",
				"Cache-Control":          "public, max-age=60",
				"Vary":                   "Accept-Encoding",
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         fmt.Sprint(len(f.Body)),
				"Content-Encoding":       "",
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if !bytes.Equal(b, f.Body) {
				t.Error("body differs")
			}
		})
	}
	if got := NewHandler(Options{}).cacheControl[0]; got != "public, max-age=300" {
		t.Errorf("default Cache-Control %q", got)
	}
}

// TestGzip proves the precompressed body is sent with the gzip validator
// when allowed, and identity otherwise or when no gzip form exists.
func TestGzip(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	tests := []struct {
		path, ae string
		gz       bool
	}{
		{"/rss.xml", "gzip", true},
		{"/rss.xml", "br;q=0.5, gzip", true},
		{"/rss.xml", "gzip;q=0", false},
		{"/rss.xml", "deflate", false},
		{"/rss.xml", "", false},
		{"/feeds.opml", "gzip", false}, // no gzip form: identity
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.ae, func(t *testing.T) {
			f := s.Get(tt.path)
			resp := do(h, "GET", tt.path, map[string]string{"Accept-Encoding": tt.ae})
			b := body(t, resp)
			if resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Error("missing Vary")
			}
			if !tt.gz {
				if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Etag") != f.ETag || !bytes.Equal(b, f.Body) {
					t.Fatalf("want identity response, got CE=%q ETag=%q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Etag"))
				}
				return
			}
			if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("Etag") != f.GzipETag {
				t.Fatalf("CE=%q ETag=%q", resp.Header.Get("Content-Encoding"), resp.Header.Get("Etag"))
			}
			if resp.Header.Get("Content-Length") != fmt.Sprint(len(f.Gzip)) || !bytes.Equal(b, f.Gzip) {
				t.Fatal("gzip body or length differs from the precomputed one")
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, f.Body) {
				t.Fatalf("gzip body does not decode to Body: %v", err)
			}
		})
	}
}

// TestConditional proves If-None-Match / If-Modified-Since handling per
// RFC 9110, including precedence and what a 304 carries.
func TestConditional(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	f := s.Get("/rss.xml")
	lm := f.ModTime.Format(http.TimeFormat)
	before := f.ModTime.Add(-time.Hour).Format(http.TimeFormat)
	after := f.ModTime.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name string
		hdr  map[string]string
		code int
		etag string // expected ETag
	}{
		{"none", nil, 200, f.ETag},
		{"inm match", map[string]string{"If-None-Match": f.ETag}, 304, f.ETag},
		{"inm weak match", map[string]string{"If-None-Match": "W/" + f.ETag}, 304, f.ETag},
		{"inm list", map[string]string{"If-None-Match": `"x", ` + f.ETag + `, "y"`}, 304, f.ETag},
		{"inm star", map[string]string{"If-None-Match": "*"}, 304, f.ETag},
		{"inm other", map[string]string{"If-None-Match": `"other"`}, 200, f.ETag},
		{"inm unquoted", map[string]string{"If-None-Match": strings.Trim(f.ETag, `"`)}, 200, f.ETag},
		{"inm garbage", map[string]string{"If-None-Match": `"unterminated`}, 200, f.ETag},
		{"inm gzip tag, identity request", map[string]string{"If-None-Match": f.GzipETag}, 304, f.ETag},
		{"inm plain tag, gzip request", map[string]string{"If-None-Match": f.ETag, "Accept-Encoding": "gzip"}, 304, f.GzipETag},
		{"inm gzip tag, gzip request", map[string]string{"If-None-Match": f.GzipETag, "Accept-Encoding": "gzip"}, 304, f.GzipETag},
		{"inm beats ims", map[string]string{"If-None-Match": `"other"`, "If-Modified-Since": after}, 200, f.ETag},
		{"inm match beats old ims", map[string]string{"If-None-Match": f.ETag, "If-Modified-Since": before}, 304, f.ETag},
		{"ims equal", map[string]string{"If-Modified-Since": lm}, 304, f.ETag},
		{"ims later", map[string]string{"If-Modified-Since": after}, 304, f.ETag},
		{"ims earlier", map[string]string{"If-Modified-Since": before}, 200, f.ETag},
		{"ims rfc850", map[string]string{"If-Modified-Since": f.ModTime.Format(time.RFC850)}, 304, f.ETag},
		{"ims garbage", map[string]string{"If-Modified-Since": "yesterday"}, 200, f.ETag},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "HEAD"} {
			t.Run(tt.name+" "+method, func(t *testing.T) {
				resp := do(h, method, "/rss.xml", tt.hdr)
				b := body(t, resp)
				if resp.StatusCode != tt.code {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.code)
				}
				if got := resp.Header.Get("Etag"); got != tt.etag {
					t.Errorf("ETag %q, want %q", got, tt.etag)
				}
				if tt.code != 304 {
					return
				}
				if len(b) != 0 {
					t.Errorf("304 with body %q", b)
				}
				for _, k := range []string{"Cache-Control", "Vary", "Last-Modified"} {
					if resp.Header.Get(k) == "" {
						t.Errorf("304 without %s", k)
					}
				}
				for _, k := range []string{"Content-Length", "Content-Type", "Content-Encoding"} {
					if v := resp.Header.Get(k); v != "" {
						t.Errorf("304 with %s: %q", k, v)
					}
				}
			})
		}
	}
}

// TestRangeIgnored proves Range never yields 206, 416 or 5xx: the full
// body is always sent.
func TestRangeIgnored(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	f := s.Get("/rss.xml")
	for _, rg := range []string{
		"bytes=0-10", "bytes=-5", "bytes=99999999-", "bytes=5-1", "bytes=0-0,1-1,2-2",
		"bytes=" + strings.Repeat("0-1,", 1000), "lines=1-2", "garbage", "bytes=-18446744073709551616",
	} {
		t.Run(rg[:min(len(rg), 30)], func(t *testing.T) {
			resp := do(h, "GET", "/rss.xml", map[string]string{"Range": rg, "If-Range": f.ETag})
			if resp.StatusCode != 200 || !bytes.Equal(body(t, resp), f.Body) {
				t.Fatalf("status %d, want 200 with full body", resp.StatusCode)
			}
		})
	}
}

// TestConcurrentSwap proves that under concurrent Swap every response is
// entirely from one snapshot: body, ETag and Content-Length agree. Run
// with -race it also proves the publication is data-race free.
func TestConcurrentSwap(t *testing.T) {
	t.Parallel()
	snaps := []*snapshot.Snapshot{testSnapshot("a"), testSnapshot("b"), testSnapshot("c")}
	v := newVersions(t, snaps)
	h := NewHandler(Options{})
	h.Swap(snaps[0])
	tick, stop := swapper(h, snaps)

	paths := snaps[0].Paths()
	errs := make(chan error, 16)
	var readers sync.WaitGroup
	for g := 0; g < 16; g++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; i < 300; i++ {
				p := paths[(g+i)%len(paths)]
				ae := ""
				if i%2 == 0 {
					ae = "gzip"
				}
				r := httptest.NewRequest("GET", "/", nil)
				r.URL.Path = p
				r.Header.Set("Accept-Encoding", ae)
				w := httptest.NewRecorder()
				tick()
				h.ServeHTTP(w, r)
				if err := v.matchesOne(p, w); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	readers.Wait()
	stop()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// swapper swaps the snapshots into h in turn, one Swap per call of tick
// made while the previous Swap is not yet running (a tick never waits), so
// that swaps land while the readers' requests run; stop ends it. Driven by
// the requests rather than spinning, it leaves the CPU to them.
func swapper(h *Handler, snaps []*snapshot.Snapshot) (tick, stop func()) {
	ticks := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; ; i++ {
			if _, ok := <-ticks; !ok {
				return
			}
			h.Swap(snaps[i%len(snaps)])
		}
	}()
	tick = func() {
		select {
		case ticks <- struct{}{}:
		default:
		}
	}
	stop = func() {
		close(ticks)
		<-done
	}
	return tick, stop
}

// versions holds what a concurrency test's responses may be: the identity
// bytes of every file of each snapshot it swaps between, decompressed once
// rather than for every response checked.
type versions struct {
	snaps []*snapshot.Snapshot
	ids   []map[string][]byte
}

func newVersions(t *testing.T, snaps []*snapshot.Snapshot) *versions {
	t.Helper()
	v := &versions{snaps: snaps}
	for _, s := range snaps {
		ids := map[string][]byte{}
		for _, p := range s.Paths() {
			b, err := s.Get(p).Identity()
			if err != nil {
				t.Fatal(err)
			}
			ids[p] = b
		}
		v.ids = append(v.ids, ids)
	}
	return v
}

// matchesOne checks that the response w to a request for p is that of
// exactly one of the snapshots: body, ETag and Content-Length.
func (v *versions) matchesOne(p string, w *httptest.ResponseRecorder) error {
	if w.Code != 200 {
		return fmt.Errorf("%s: status %d", p, w.Code)
	}
	got, tag := w.Body.Bytes(), w.Header().Get("Etag")
	ce := w.Header().Get("Content-Encoding")
	n := 0
	for i, s := range v.snaps {
		f := s.Get(p)
		want, wantTag := v.ids[i][p], f.ETag
		switch ce {
		case "gzip":
			want, wantTag = f.Gzip, f.GzipETag
		case "br":
			want, wantTag = f.Br, f.BrETag
		}
		if bytes.Equal(got, want) && tag == wantTag && w.Header().Get("Content-Length") == fmt.Sprint(len(want)) {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("%s: response matches %d snapshots (ETag %s)", p, n, tag)
	}
	return nil
}

// TestNewServer proves the server carries the protective limits.
func TestNewServer(t *testing.T) {
	t.Parallel()
	h := NewHandler(Options{})
	srv := NewServer(":0", h)
	got := []any{srv.Addr, srv.Handler, srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes}
	want := []any{":0", http.Handler(h), 5 * time.Second, 15 * time.Second, 30 * time.Second, 120 * time.Second, 64 << 10}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestOverHTTP proves the handler works behind a real net/http server,
// where HEAD and 304 are also policed by net/http itself.
func TestOverHTTP(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := s.Get("/tag/河北日报新闻/feed.json")
	u := srv.URL + (&url.URL{Path: f.Path}).EscapedPath()

	tr := &http.Transport{DisableCompression: true}
	c := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, resp)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(b, f.Gzip) {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(b))
	}

	req.Header.Set("If-None-Match", resp.Header.Get("Etag"))
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 304 {
		t.Fatalf("revalidation status %d", resp.StatusCode)
	}

	req, _ = http.NewRequest("HEAD", u, nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ContentLength != int64(len(f.Body)) {
		t.Fatalf("HEAD Content-Length %d, want %d", resp.ContentLength, len(f.Body))
	}
}

// discardWriter is a minimal ResponseWriter so the benchmark measures the
// handler, not httptest's recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func BenchmarkServe(b *testing.B) {
	h, s := newTestHandler(b)
	f := s.Get("/rss.xml")
	// compact serves a snapshot whose files hold only their gzip form; its
	// plain case is an identity response from the decompressed cache (the
	// first request decompresses, the loop measures the hits).
	hc := NewHandler(Options{})
	hc.Swap(compactSnapshot("a"))
	cases := []struct {
		name    string
		hdr     map[string]string
		compact bool
	}{
		{"plain", nil, false},
		{"plain-compact", nil, true},
		{"gzip-compact", map[string]string{"Accept-Encoding": "gzip, deflate, br"}, true},
		{"gzip", map[string]string{"Accept-Encoding": "gzip, deflate, br"}, false},
		{"304", map[string]string{"Accept-Encoding": "gzip, deflate, br", "If-None-Match": f.GzipETag}, false},
		{"304-ims", map[string]string{"If-Modified-Since": f.ModTime.Format(http.TimeFormat)}, false},
	}
	for _, c := range cases {
		h := h
		if c.compact {
			h = hc
		}
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/rss.xml", nil)
			for k, v := range c.hdr {
				r.Header.Set(k, v)
			}
			w := &discardWriter{h: make(http.Header, 8)}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, r)
			}
		})
	}
}

func TestPreconditions(t *testing.T) {
	t.Parallel()
	body := []byte(strings.Repeat("<rss>precondition</rss>", 100))
	f := snapshot.NewFile("/rss.xml", layout.TypeRSS, body, time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC))
	h := NewHandler(Options{})
	h.Swap(snapshot.New([]*snapshot.File{f}, snapshot.Stats{}))
	before := "Tue, 30 Apr 2024 08:00:00 GMT"
	after := "Thu, 02 May 2024 08:00:00 GMT"
	tests := []struct {
		name   string
		header map[string]string
		want   int
	}{
		{"if-match current", map[string]string{"If-Match": f.ETag}, http.StatusOK},
		{"if-match gzip tag", map[string]string{"If-Match": f.GzipETag}, http.StatusOK},
		{"if-match list", map[string]string{"If-Match": `"nope", ` + f.ETag}, http.StatusOK},
		{"if-match star", map[string]string{"If-Match": "*"}, http.StatusOK},
		{"if-match other", map[string]string{"If-Match": `"nope"`}, http.StatusPreconditionFailed},
		{"if-match weak never matches", map[string]string{"If-Match": "W/" + f.ETag}, http.StatusPreconditionFailed},
		{"if-unmodified-since later", map[string]string{"If-Unmodified-Since": after}, http.StatusOK},
		{"if-unmodified-since earlier", map[string]string{"If-Unmodified-Since": before}, http.StatusPreconditionFailed},
		{"if-unmodified-since garbage ignored", map[string]string{"If-Unmodified-Since": "yesterday"}, http.StatusOK},
		{"if-match wins over if-unmodified-since", map[string]string{"If-Match": f.ETag, "If-Unmodified-Since": before}, http.StatusOK},
		{"412 before 304", map[string]string{"If-Match": `"nope"`, "If-None-Match": f.ETag}, http.StatusPreconditionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/rss.xml", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("status %d, want %d", w.Code, tt.want)
			}
		})
	}
}
