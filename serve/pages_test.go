package serve

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

// TestFolderIsItsPage checks that a folder URL answers with the page in
// it, as a static host does, and that pages, and only pages, carry the
// pages' Content-Security-Policy.
func TestFolderIsItsPage(t *testing.T) {
	t.Parallel()
	mod := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	h := NewHandler(Options{})
	h.Swap(snapshot.New([]*snapshot.File{
		snapshot.NewFile("/index.html", layout.TypeHTML, []byte("<p>index</p>"), mod),
		snapshot.NewFile("/category/c/index.html", layout.TypeHTML, []byte("<p>c</p>"), mod),
		snapshot.NewFile("/tag/财经/index.html", layout.TypeHTML, []byte("<p>tag</p>"), mod),
		snapshot.NewFile("/category/c/rss.xml", layout.TypeRSS, []byte("<rss/>"), mod),
	}, snapshot.Stats{}))
	cases := []struct {
		target string
		code   int
		csp    bool
	}{
		{"/", 200, true},
		{"/index.html", 200, true},
		{"/category/c/", 200, true},
		{"/category/c/index.html", 200, true},
		{"/tag/%E8%B4%A2%E7%BB%8F/", 200, true},
		{"/category/c/rss.xml", 200, false},
		{"/category/c", 308, false},   // to the slash form (TestFolderRedirect)
		{"/category/", 404, false},    // no page for the folder of folders
		{"/rss.xml/", 404, false},     // a file is not a folder
		{"/category/d/", 404, false},  // no such feed
		{"/category/../", 404, false}, // traversal stays refused
	}
	for _, c := range cases {
		res := do(h, http.MethodGet, c.target, nil)
		if res.StatusCode != c.code {
			t.Errorf("GET %s: status %d, want %d", c.target, res.StatusCode, c.code)
		}
		if got := res.Header.Get("Content-Security-Policy"); (got == layout.PageCSPHeader) != c.csp || (!c.csp && got != "") {
			t.Errorf("GET %s: Content-Security-Policy %q", c.target, got)
		}
	}
}

// TestFolderNoAllocation: answering a folder ("/", the page most visitors
// ask for) allocates no more than answering its page by name. Not
// parallel: testing.AllocsPerRun counts every goroutine's allocations.
func TestFolderNoAllocation(t *testing.T) {
	mod := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	h := NewHandler(Options{})
	h.Swap(snapshot.New([]*snapshot.File{
		snapshot.NewFile("/index.html", layout.TypeHTML, []byte("<p>index</p>"), mod),
		snapshot.NewFile("/category/c/index.html", layout.TypeHTML, []byte("<p>c</p>"), mod),
	}, snapshot.Stats{}))
	w := &discardWriter{h: http.Header{}}
	allocs := func(target string) float64 {
		r, err := http.NewRequest(http.MethodGet, "http://x"+target, nil)
		if err != nil {
			t.Fatal(err)
		}
		h.ServeHTTP(w, r)
		return testing.AllocsPerRun(100, func() {
			clear(w.h)
			h.ServeHTTP(w, r)
		})
	}
	for _, c := range [][2]string{{"/", "/index.html"}, {"/category/c/", "/category/c/index.html"}} {
		if folder, page := allocs(c[0]), allocs(c[1]); folder > page {
			t.Errorf("GET %s: %v allocations, GET %s: %v", c[0], folder, c[1], page)
		}
	}
}

// TestFolderRedirect: a folder asked for without its trailing slash gets
// 308 to the slash form, with its query, when the folder has a page in the
// snapshot; anything else unknown stays 404.
func TestFolderRedirect(t *testing.T) {
	t.Parallel()
	mod := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	h := NewHandler(Options{CacheControl: "public, max-age=60"})
	h.Swap(snapshot.New([]*snapshot.File{
		snapshot.NewFile("/index.html", layout.TypeHTML, []byte("<p>index</p>"), mod),
		snapshot.NewFile("/category/c/index.html", layout.TypeHTML, []byte("<p>c</p>"), mod),
		snapshot.NewFile("/category/c/rss.xml", layout.TypeRSS, []byte("<rss/>"), mod),
		snapshot.NewFile("/tag/财经/index.html", layout.TypeHTML, []byte("<p>tag</p>"), mod),
		snapshot.NewFile("/tag/with space/index.html", layout.TypeHTML, []byte("<p>space</p>"), mod),
		snapshot.NewFile("/tag/feed/rss.xml", layout.TypeRSS, []byte("<rss/>"), mod), // a folder without a page
		snapshot.NewFile("/file", layout.TypePlain, []byte("a file"), mod),
		snapshot.NewFile("/file/index.html", layout.TypeHTML, []byte("<p>shadowed</p>"), mod),
	}, snapshot.Stats{}))
	cases := []struct {
		method, target string
		code           int
		location       string
	}{
		{"GET", "/category/c", 308, "/category/c/"},
		{"HEAD", "/category/c", 308, "/category/c/"},
		{"GET", "/category/c?x=1&y=%20z", 308, "/category/c/?x=1&y=%20z"},
		{"GET", "/category/c?", 308, "/category/c/"},
		{"GET", "/tag/%E8%B4%A2%E7%BB%8F", 308, "/tag/%E8%B4%A2%E7%BB%8F/"},
		{"GET", "/tag/%e8%b4%a2%e7%bb%8f?q=%E8%B4%A2", 308, "/tag/%E8%B4%A2%E7%BB%8F/?q=%E8%B4%A2"},
		{"GET", "/tag/with%20space", 308, "/tag/with%20space/"},
		{"GET", "/category/c/", 200, ""},
		{"GET", "/file", 200, ""},       // a file of that name wins
		{"GET", "/category", 404, ""},   // its slash form has no page
		{"GET", "/tag/feed", 404, ""},   // a folder of feeds only
		{"GET", "/category/d", 404, ""}, // no such folder
		{"GET", "/category/c/rss.xml", 200, ""},
		{"GET", "/category/c/rss.xml/", 404, ""},
		{"GET", "//category/c", 404, ""}, // never a redirect off the site
		{"GET", "/x/../category/c", 404, ""},
		{"GET", "/CATEGORY/c", 404, ""},
		{"POST", "/category/c", 405, ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			res := do(h, c.method, c.target, nil)
			b := body(t, res)
			if res.StatusCode != c.code || res.Header.Get("Location") != c.location {
				t.Fatalf("status %d, Location %q; want %d, %q", res.StatusCode, res.Header.Get("Location"), c.code, c.location)
			}
			if c.code != 308 {
				return
			}
			want := map[string]string{
				"Cache-Control":          "public, max-age=60",
				"Content-Type":           layout.TypePlain,
				"X-Content-Type-Options": "nosniff",
				"Content-Length":         strconv.Itoa(len(body308)),
				"Etag":                   "",
				"Vary":                   "",
			}
			for k, v := range want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if c.method == "HEAD" && len(b) != 0 || c.method == "GET" && !bytes.Equal(b, body308) {
				t.Errorf("body %q", b)
			}
		})
	}

	// A client that follows redirects lands on the page, query kept.
	srv := httptest.NewServer(h)
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/tag/%E8%B4%A2%E7%BB%8F?from=test")
	if err != nil {
		t.Fatal(err)
	}
	b := body(t, res)
	res.Body.Close()
	if res.StatusCode != 200 || string(b) != "<p>tag</p>" || res.Request.URL.Path != "/tag/财经/" || res.Request.URL.RawQuery != "from=test" {
		t.Errorf("followed: %d %q at %s", res.StatusCode, b, res.Request.URL)
	}
}
