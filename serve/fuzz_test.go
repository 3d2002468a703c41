package serve

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"feedgen/layout"
	"feedgen/snapshot"
)

// fuzzSnapshot is the usual test snapshot plus files whose keys only a
// traversal could reach. The handler must never serve them: validPath
// refuses such paths before the lookup.
func fuzzSnapshot() *snapshot.Snapshot {
	s := testSnapshot("f")
	files := make([]*snapshot.File, 0, s.Len()+4)
	for i, p := range s.Paths() {
		f := s.Get(p)
		if i%2 == 0 {
			f = f.Compact() // identity responses decompress
		}
		files = append(files, f)
	}
	// A folder with a page: its path without the slash is redirected.
	files = append(files, snapshot.NewFile("/category/hebeiribao/index.html", layout.TypeHTML, []byte("<p>page</p>"), modTime))
	for _, p := range []string{"/tag/../secret", "/../etc/passwd", `/tag/a\b/rss.xml`, "/tag/\x00/rss.xml"} {
		files = append(files, snapshot.NewFile(p, layout.TypePlain, []byte("SECRET "+p), modTime))
	}
	return snapshot.New(files, s.Stats())
}

// FuzzServeHTTP sends arbitrary request targets, methods and conditional,
// encoding and range headers to a handler with a snapshot. It must never
// panic, never answer 5xx, never serve a file whose key is a traversal, and
// every 200 body must be the bytes (or gzip bytes) of the file the path
// names, and every 308 must send to the slash form of a folder with a page.
func FuzzServeHTTP(f *testing.F) {
	seeds := []struct {
		target, method, inm, ims, ae, rng string
	}{
		{"/", "GET", "", "", "", ""},
		{"/rss.xml", "GET", "", "", "gzip", ""},
		{"/rss.xml", "HEAD", "*", "", "", ""},
		{"/rss.xml", "GET", `W/"x", "y"`, "", "gzip;q=0, *;q=1", "bytes=0-10"},
		{"/rss.xml", "GET", "", "Fri, 01 Mar 2024 12:00:00 GMT", "x-gzip;q=0.5", "bytes=-1"},
		{"/rss.xml", "GET", "", "garbage", "gzip;q=1.0001", "bytes=99999999999999999999-"},
		{"/category/hebeiribao/atom.xml", "GET", `"`, "", ";q=", ""},
		{"/category/hebeiribao?x=1", "GET", "", "", "", ""},
		{"/category/hebeiribao", "HEAD", "", "", "", ""},
		{"/tag/%E6%B2%B3%E5%8C%97%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB/feed.json", "GET", "", "", "*", ""},
		{"/tag/with%20space/rss.xml", "GET", "", "", "", ""},
		{"/tag/../secret", "GET", "", "", "", ""},
		{"/tag/%2e%2e/secret", "GET", "", "", "", ""},
		{"/tag/..%2f..%2fetc/passwd", "GET", "", "", "", ""},
		{"/../etc/passwd", "GET", "", "", "", ""},
		{"//etc/passwd", "GET", "", "", "", ""},
		{`/tag/a\b/rss.xml`, "GET", "", "", "", ""},
		{"/tag/a%5Cb/rss.xml", "GET", "", "", "", ""},
		{"/tag/%00/rss.xml", "GET", "", "", "", ""},
		{"/healthz", "POST", "", "", "", ""},
		{"*", "OPTIONS", "", "", "", ""},
		{"http://evil.example/rss.xml", "GET", "", "", "", ""},
	}
	for _, s := range seeds {
		f.Add([]byte(s.target), s.method, s.inm, s.ims, s.ae, s.rng)
	}
	snap := fuzzSnapshot()
	h := NewHandler(Options{})
	h.Swap(snap)
	f.Fuzz(func(t *testing.T, target []byte, method, inm, ims, ae, rng string) {
		r := &http.Request{Method: method, Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
		// What a server would hand over when the request line parses;
		// otherwise the raw bytes as the path, which a router or a proxy
		// in front might produce.
		if u, err := url.ParseRequestURI(string(target)); err == nil {
			r.URL, r.RequestURI = u, string(target)
		} else {
			r.URL = &url.URL{Path: string(target)}
		}
		for k, v := range map[string]string{"If-None-Match": inm, "If-Modified-Since": ims, "Accept-Encoding": ae, "Range": rng} {
			if v != "" {
				r.Header[k] = []string{v}
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		res := w.Result()
		got := w.Body.Bytes()
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: status %d", method, target, res.StatusCode)
		}
		if res.StatusCode == http.StatusPermanentRedirect {
			loc := res.Header.Get("Location")
			u, err := url.Parse(loc)
			if err != nil || (method != "GET" && method != "HEAD") || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || u.Host != "" ||
				u.Path != r.URL.Path+"/" || snap.Get(u.Path+layout.PageFile) == nil || u.RawQuery != r.URL.RawQuery {
				t.Fatalf("%s %q: 308 to %q", method, target, loc)
			}
			return
		}
		switch res.StatusCode {
		case 200, 304, 404, 405, 406:
		default:
			t.Fatalf("%s %q: unexpected status %d", method, target, res.StatusCode)
		}
		if res.StatusCode != 200 {
			if res.StatusCode != 405 && method != "GET" && method != "HEAD" {
				t.Fatalf("%s %q: status %d, want 405", method, target, res.StatusCode)
			}
			return
		}
		if method == "HEAD" {
			if len(got) != 0 {
				t.Fatalf("HEAD %q: body of %d bytes", target, len(got))
			}
			return
		}
		if bytes.HasPrefix(got, []byte("SECRET")) {
			t.Fatalf("%s %q served a file only a traversal reaches: %q", method, target, got)
		}
		if r.URL.Path == "/healthz" {
			return
		}
		p := r.URL.Path
		if p == "/" {
			p = "/index.html"
		}
		file := snap.Get(p)
		if file == nil {
			t.Fatalf("%s %q: 200 for a path that is not in the snapshot", method, target)
		}
		plain := got
		if res.Header.Get("Content-Encoding") == "gzip" {
			if !bytes.Equal(got, file.Gzip) {
				t.Fatalf("%q: gzip body is not the file's gzip form", target)
			}
			zr, err := gzip.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			if plain, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if res.Header.Get("Content-Encoding") == "br" {
			if !bytes.Equal(got, file.Br) {
				t.Fatalf("%q: br body is not the file's Brotli form", target)
			}
			var err error
			if plain, err = io.ReadAll(brotli.NewReader(bytes.NewReader(got))); err != nil {
				t.Fatal(err)
			}
		}
		if want, err := file.Identity(); err != nil || !bytes.Equal(plain, want) {
			t.Fatalf("%q: body is not the bytes of %s", target, p)
		}
		for _, seg := range strings.Split(p, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("%q: 200 for a path with a dot segment", target)
			}
		}
	})
}
