package serve

import (
	"net/http"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

// TestFolderIsItsPage checks that a folder URL answers with the page in
// it, as a static host does, and that pages, and only pages, carry the
// pages' Content-Security-Policy.
func TestFolderIsItsPage(t *testing.T) {
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
		{"/category/c", 404, false},   // no redirect: every link the pages hold ends with a slash
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
// ask for) allocates no more than answering its page by name.
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
