package pipeline

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/watch"
)

// shared is the daemon the read-only HTTP tests share: a daemon over a
// copy of the seeds that nothing changes. Starting one, and compressing
// its files under -race, costs more than most of those tests, which only
// send requests. The first test that asks starts it; TestMain stops it.
var shared struct {
	once sync.Once
	td   *testDaemon
	dir  string
	err  error
}

// httpDaemon returns the shared daemon over the seeds. Tests that use it
// must not change its source or options.
func httpDaemon(t *testing.T) *testDaemon {
	t.Helper()
	shared.once.Do(func() {
		if shared.dir, shared.err = os.MkdirTemp("", "pipeline-http-"); shared.err != nil {
			return
		}
		if shared.err = copyTree(seedsDir, shared.dir); shared.err != nil {
			return
		}
		shared.td, shared.err = launchDaemon(daemonConfig{src: shared.dir, watch: watch.Options{Poll: time.Hour}})
	})
	if shared.err != nil {
		t.Fatalf("shared daemon: %v", shared.err)
	}
	return shared.td
}

// stopShared stops the shared daemon, if one was started, and removes its
// source directory.
func stopShared() error {
	var err error
	if shared.td != nil {
		err = shared.td.stop()
	}
	if shared.dir != "" {
		err = errors.Join(err, os.RemoveAll(shared.dir))
	}
	return err
}

func TestHTTPContentTypes(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	tests := []struct {
		path, ctype string
	}{
		{"/rss.xml", "application/rss+xml; charset=utf-8"},
		{"/atom.xml", "application/atom+xml; charset=utf-8"},
		{"/feed.json", "application/feed+json; charset=utf-8"},
		{"/category/caijing/rss.xml", "application/rss+xml; charset=utf-8"},
		{"/category/caijing/atom.xml", "application/atom+xml; charset=utf-8"},
		{"/category/caijing/feed.json", "application/feed+json; charset=utf-8"},
		{"/tag/财经新闻/rss.xml", "application/rss+xml; charset=utf-8"},
		{"/index.html", "text/html; charset=utf-8"},
		{"/", "text/html; charset=utf-8"},
		{"/category/caijing/", "text/html; charset=utf-8"},
		{"/category/caijing/index.html", "text/html; charset=utf-8"},
		{"/tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/", "text/html; charset=utf-8"},
		{"/feeds.opml", "text/x-opml; charset=utf-8"},
		{"/healthz", "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			r := td.do(t, http.MethodGet, tc.path, nil)
			if r.code != http.StatusOK {
				t.Fatalf("status %d, want 200", r.code)
			}
			if got := r.hdr.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := r.hdr.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			if len(r.body) == 0 {
				t.Error("empty body")
			}
			// Pages, and only pages, carry the strict policy.
			csp := r.hdr.Get("Content-Security-Policy")
			if html := strings.HasPrefix(tc.ctype, "text/html"); html != (csp == layout.PageCSPHeader) {
				t.Errorf("Content-Security-Policy %q for %s", csp, tc.ctype)
			}
		})
	}
	// "/" is the index page.
	if a, b := td.get(t, "/"), td.get(t, "/index.html"); !bytes.Equal(a, b) {
		t.Error("/ and /index.html differ")
	}
}

func TestHTTPConditional(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	for _, p := range []string{"/rss.xml", "/category/keji/atom.xml", "/tag/科技新闻/feed.json", "/index.html", "/feeds.opml"} {
		t.Run(p, func(t *testing.T) {
			r := td.do(t, http.MethodGet, p, nil)
			etag, lm := r.hdr.Get("Etag"), r.hdr.Get("Last-Modified")
			if r.code != http.StatusOK || etag == "" || lm == "" {
				t.Fatalf("GET: status %d, ETag %q, Last-Modified %q; want 200 with both validators", r.code, etag, lm)
			}
			if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
				t.Errorf("ETag %s is not a strong quoted tag", etag)
			}
			if _, err := http.ParseTime(lm); err != nil {
				t.Errorf("Last-Modified %q: %v", lm, err)
			}
			lmt, _ := http.ParseTime(lm)
			tests := []struct {
				name string
				hdr  map[string]string
				want int
			}{
				{"matching If-None-Match", map[string]string{"If-None-Match": etag}, http.StatusNotModified},
				{"weak If-None-Match", map[string]string{"If-None-Match": "W/" + etag}, http.StatusNotModified},
				{"list If-None-Match", map[string]string{"If-None-Match": `"nope", ` + etag}, http.StatusNotModified},
				{"star If-None-Match", map[string]string{"If-None-Match": "*"}, http.StatusNotModified},
				{"other If-None-Match", map[string]string{"If-None-Match": `"nope"`}, http.StatusOK},
				{"If-Modified-Since equal", map[string]string{"If-Modified-Since": lm}, http.StatusNotModified},
				{"If-Modified-Since later", map[string]string{"If-Modified-Since": lmt.Add(time.Hour).Format(http.TimeFormat)}, http.StatusNotModified},
				{"If-Modified-Since earlier", map[string]string{"If-Modified-Since": lmt.Add(-time.Hour).Format(http.TimeFormat)}, http.StatusOK},
				// If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
				{"If-None-Match other, If-Modified-Since equal", map[string]string{"If-None-Match": `"nope"`, "If-Modified-Since": lm}, http.StatusOK},
			}
			for _, tc := range tests {
				r := td.do(t, http.MethodGet, p, tc.hdr)
				if r.code != tc.want {
					t.Errorf("%s: status %d, want %d", tc.name, r.code, tc.want)
				}
				if r.code == http.StatusNotModified {
					if len(r.body) != 0 {
						t.Errorf("%s: 304 with a %d-byte body", tc.name, len(r.body))
					}
					if got := r.hdr.Get("Etag"); got != etag {
						t.Errorf("%s: 304 ETag %q, want %q", tc.name, got, etag)
					}
				}
			}
		})
	}
}

func TestHTTPGzip(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	paths := []string{"/rss.xml", "/atom.xml", "/feed.json", "/index.html", "/tag/农业新闻/rss.xml"}
	// The first snapshot is served uncompressed; gzip forms follow.
	td.waitGzip(t, paths...)
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			plain := td.do(t, http.MethodGet, p, nil)
			gz := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip, deflate"})
			if plain.code != http.StatusOK || gz.code != http.StatusOK {
				t.Fatalf("status %d / %d, want 200", plain.code, gz.code)
			}
			if ce := plain.hdr.Get("Content-Encoding"); ce != "" {
				t.Errorf("no Accept-Encoding: Content-Encoding %q, want none", ce)
			}
			if ce := gz.hdr.Get("Content-Encoding"); ce != "gzip" {
				t.Fatalf("Accept-Encoding gzip: Content-Encoding %q, want gzip", ce)
			}
			for _, r := range []response{plain, gz} {
				if v := r.hdr.Get("Vary"); !strings.EqualFold(v, "Accept-Encoding") {
					t.Errorf("Vary %q, want Accept-Encoding", v)
				}
				if cl := r.hdr.Get("Content-Length"); cl == "" {
					t.Error("no Content-Length")
				}
			}
			if !bytes.Equal(gunzip(t, gz.body), plain.body) {
				t.Error("gzip body does not decompress to the plain body")
			}
			if len(gz.body) >= len(plain.body) {
				t.Errorf("gzip body %d bytes, plain %d", len(gz.body), len(plain.body))
			}
			getag, petag := gz.hdr.Get("Etag"), plain.hdr.Get("Etag")
			if getag == "" || getag == petag {
				t.Errorf("gzip ETag %q must exist and differ from the plain one %q", getag, petag)
			}
			// Either representation's tag is current.
			for _, tag := range []string{getag, petag} {
				r := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip", "If-None-Match": tag})
				if r.code != http.StatusNotModified {
					t.Errorf("gzip request with If-None-Match %s: %d, want 304", tag, r.code)
				}
			}
			// gzip;q=0 refuses it.
			r := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip;q=0, identity"})
			if ce := r.hdr.Get("Content-Encoding"); ce != "" || !bytes.Equal(r.body, plain.body) {
				t.Errorf("gzip;q=0: Content-Encoding %q, want identity", ce)
			}
		})
	}
}

func TestHTTPMethodsAndErrors(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)

	get := td.do(t, http.MethodGet, "/atom.xml", nil)
	head := td.do(t, http.MethodHead, "/atom.xml", nil)
	if head.code != http.StatusOK || len(head.body) != 0 {
		t.Errorf("HEAD: status %d with %d body bytes, want 200 and none", head.code, len(head.body))
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Etag", "Last-Modified"} {
		if head.hdr.Get(h) != get.hdr.Get(h) {
			t.Errorf("HEAD %s %q, GET %q", h, head.hdr.Get(h), get.hdr.Get(h))
		}
	}
	if cl := get.hdr.Get("Content-Length"); cl != strconv.Itoa(len(get.body)) {
		t.Errorf("GET Content-Length %s, body %d bytes", cl, len(get.body))
	}
	if r := td.do(t, http.MethodHead, "/healthz", nil); r.code != http.StatusOK || len(r.body) != 0 {
		t.Errorf("HEAD /healthz: %d with %d body bytes", r.code, len(r.body))
	}

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		r := td.do(t, m, "/rss.xml", nil)
		if r.code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, r.code)
		}
		if a := r.hdr.Get("Allow"); a != "GET, HEAD" {
			t.Errorf("%s: Allow %q, want \"GET, HEAD\"", m, a)
		}
	}

	for _, p := range []string{
		"/nope.xml", "/category/nope/rss.xml", "/tag/不存在/rss.xml", "/category/nope/",
		"/rss.xml/", "/index.htm", "/category/nope/index.html",
		"/%2e%2e/rss.xml", "/category/caijing/../../rss.xml",
	} {
		r := td.do(t, http.MethodGet, p, nil)
		if r.code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, r.code)
		}
		if cc := r.hdr.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, cc)
		}
	}
	// The folders of the categories and the tags list their feeds.
	for _, p := range []string{"/category/", "/tag/"} {
		r := td.do(t, http.MethodGet, p, nil)
		if r.code != http.StatusOK || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") || !bytes.Contains(r.body, []byte(`class="feeds"`)) {
			t.Errorf("GET %s: status %d, %q, want the listing page", p, r.code, r.hdr.Get("Content-Type"))
		}
	}

	// A folder without its slash: 308 to the slash form, query kept; a
	// client that follows it gets the folder's page.
	noFollow := *td.client
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for target, loc := range map[string]string{
		"category/caijing?from=a%20b":              "/category/caijing/?from=a%20b",
		"tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB": "/tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/",
	} {
		res, err := noFollow.Get(td.base + target)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusPermanentRedirect || res.Header.Get("Location") != loc {
			t.Errorf("GET /%s: %d to %q, want 308 to %q", target, res.StatusCode, res.Header.Get("Location"), loc)
		}
	}
	if r := td.do(t, http.MethodGet, "/category/caijing", nil); r.code != http.StatusOK || !strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") {
		t.Errorf("GET /category/caijing, redirect followed: %d %s", r.code, r.hdr.Get("Content-Type"))
	}
}

func TestHTTPHealthz(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	r := td.do(t, http.MethodGet, "/healthz", nil)
	if r.code != http.StatusOK {
		t.Fatalf("status %d", r.code)
	}
	if cc := r.hdr.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var fields map[string]any
	if err := json.Unmarshal(r.body, &fields); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"status", "articles", "invalid", "feeds", "files", "updated"} {
		if _, ok := fields[k]; !ok {
			t.Errorf("/healthz has no %q: %s", k, r.body)
		}
	}
	var h health
	if err := json.Unmarshal(r.body, &h); err != nil {
		t.Fatal(err)
	}
	snap := td.d.Snapshot()
	st := snap.Stats()
	// The seeds: 16 files, one of which is a draft (published: false).
	want := health{Status: "ok", Articles: 15, Invalid: 0, Feeds: st.Feeds, Files: snap.Len()}
	got := h
	got.Updated = ""
	if got != want {
		t.Errorf("/healthz %+v, want %+v", got, want)
	}
	if want := 4*h.Feeds + 1 + 2 + countAssets(t, seedsDir); want != h.Files {
		t.Errorf("files %d, want 3 and a page per feed (the global one's is the index), OPML, the two listing pages and the seeds' images (%d)", h.Files, want)
	}
	u, err := time.Parse(time.RFC3339, h.Updated)
	if err != nil {
		t.Errorf("updated %q: %v", h.Updated, err)
	} else if d := time.Since(u); d < -time.Minute || d > time.Hour {
		t.Errorf("updated %v is not recent", u)
	}
}

func TestHTTPEncodedCJKTag(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	f := td.d.Snapshot().Get("/tag/财经新闻/rss.xml")
	if f == nil {
		t.Fatal("the seeds have no 财经新闻 tag")
	}
	want, err := f.Identity()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{
		"/tag/%E8%B4%A2%E7%BB%8F%E6%96%B0%E9%97%BB/rss.xml",
		"/tag/%e8%b4%a2%e7%bb%8f%e6%96%b0%e9%97%bb/rss.xml", // lower-case hex
	} {
		r := td.do(t, http.MethodGet, p, nil)
		if r.code != http.StatusOK {
			t.Errorf("GET %s: %d, want 200", p, r.code)
			continue
		}
		if !bytes.Equal(r.body, want) {
			t.Errorf("GET %s: body differs from the snapshot's", p)
		}
		if ct := r.hdr.Get("Content-Type"); ct != "application/rss+xml; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
	}
}

func TestHTTPServerTimeouts(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	srv := td.d.srv
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("server timeouts: read header %v, read %v, write %v, idle %v; all must be set",
			srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d, want a bound of at most 1 MiB", srv.MaxHeaderBytes)
	}
	if srv.Handler != td.d.Handler() {
		t.Error("server does not serve the daemon's handler")
	}
}
