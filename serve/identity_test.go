package serve

import (
	"bytes"
	"fmt"
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

// compactSnapshot is testSnapshot with every file compacted: the feeds
// keep only their gzip form, the OPML (too small to gzip) keeps its body.
// Shared by the tests, like testSnapshot.
func compactSnapshot(tag string) *snapshot.Snapshot {
	return sharedSnapshot("compact "+tag, func() *snapshot.Snapshot {
		s := testSnapshot(tag)
		files := make([]*snapshot.File, 0, s.Len())
		for _, p := range s.Paths() {
			files = append(files, s.Get(p).Compact())
		}
		return snapshot.New(files, s.Stats())
	})
}

func identity(t testing.TB, f *snapshot.File) []byte {
	t.Helper()
	b, err := f.Identity()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompactIdentity proves that a client without gzip gets the exact
// identity bytes of a compact file, with the headers, validators and
// conditional answers of the plain file it was made from.
func TestCompactIdentity(t *testing.T) {
	t.Parallel()
	plain := testSnapshot("a")
	s := compactSnapshot("a")
	h := NewHandler(Options{})
	h.Swap(s)
	if !s.Get("/rss.xml").IsCompact() || s.Get("/feeds.opml").IsCompact() {
		t.Fatal("test snapshot is not what the test needs")
	}
	for _, p := range s.Paths() {
		t.Run(p, func(t *testing.T) {
			f, orig := s.Get(p), plain.Get(p)
			target := (&url.URL{Path: p}).EscapedPath()
			resp := do(h, "GET", target, nil)
			b := body(t, resp)
			if resp.StatusCode != 200 || !bytes.Equal(b, orig.Body) {
				t.Fatalf("status %d, %d bytes; want 200 and the %d identity bytes", resp.StatusCode, len(b), len(orig.Body))
			}
			want := map[string]string{
				"Etag":             orig.ETag,
				"Content-Length":   fmt.Sprint(len(orig.Body)),
				"Content-Encoding": "",
				"Content-Type":     orig.ContentType,
				"Vary":             "Accept-Encoding",
				"Last-Modified":    "Fri, 01 Mar 2024 12:00:00 GMT",
			}
			for k, v := range want {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("GET %s = %q, want %q", k, got, v)
				}
			}
			// HEAD: same headers, no body, and no need to decompress.
			resp = do(h, "HEAD", target, nil)
			if b := body(t, resp); resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("Content-Length") != fmt.Sprint(len(orig.Body)) || resp.Header.Get("Etag") != orig.ETag {
				t.Errorf("HEAD: status %d, %d body bytes, Content-Length %q", resp.StatusCode, len(b), resp.Header.Get("Content-Length"))
			}
			// gzip clients still get the stored gzip bytes.
			if f.Gzip != nil {
				resp = do(h, "GET", target, map[string]string{"Accept-Encoding": "gzip"})
				if b := body(t, resp); !bytes.Equal(b, f.Gzip) || resp.Header.Get("Etag") != f.GzipETag {
					t.Error("gzip response of a compact file")
				}
			}
			for _, c := range []struct {
				hdr  map[string]string
				code int
			}{
				{map[string]string{"If-None-Match": orig.ETag}, 304},
				{map[string]string{"If-None-Match": orig.GzipETag}, 304},
				{map[string]string{"If-Modified-Since": "Fri, 01 Mar 2024 12:00:00 GMT"}, 304},
				{map[string]string{"If-Match": `"other"`}, 412},
				{map[string]string{"If-Match": orig.ETag}, 200},
				{map[string]string{"If-Unmodified-Since": "Thu, 29 Feb 2024 12:00:00 GMT"}, 412},
			} {
				for _, method := range []string{"GET", "HEAD"} {
					resp := do(h, method, target, c.hdr)
					b := body(t, resp)
					if resp.StatusCode != c.code {
						t.Errorf("%s %v: status %d, want %d", method, c.hdr, resp.StatusCode, c.code)
					}
					if c.code == 200 && method == "GET" && !bytes.Equal(b, orig.Body) {
						t.Errorf("%s %v: body differs", method, c.hdr)
					}
					if c.code == 304 && (len(b) != 0 || resp.Header.Get("Content-Length") != "" || resp.Header.Get("Etag") != orig.ETag) {
						t.Errorf("%s %v: 304 with body %d bytes, Content-Length %q, ETag %q", method, c.hdr, len(b), resp.Header.Get("Content-Length"), resp.Header.Get("Etag"))
					}
					if c.code == 412 && method == "GET" && resp.Header.Get("Content-Length") != fmt.Sprint(len(b)) {
						t.Errorf("%s %v: 412 Content-Length %q for %d bytes", method, c.hdr, resp.Header.Get("Content-Length"), len(b))
					}
				}
			}
		})
	}
}

// TestIdentityCacheReuses proves that repeated identity requests for one
// compact file decompress it once: they get the very same bytes back,
// whereas every Identity call makes a new slice. Concurrent first requests
// share one decompression too.
func TestIdentityCacheReuses(t *testing.T) {
	t.Parallel()
	f := compactSnapshot("a").Get("/rss.xml")
	c := newByteCache(DefaultIdentityCacheBytes)
	var wg sync.WaitGroup
	got := make([][]byte, 32)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := identityBody(c, f)
			if err != nil {
				t.Error(err)
			}
			got[i] = b
		}()
	}
	wg.Wait()
	want := identity(t, f)
	for i, b := range got {
		if !bytes.Equal(b, want) {
			t.Fatalf("request %d: wrong bytes", i)
		}
		if &b[0] != &got[0][0] {
			t.Fatalf("request %d decompressed again", i)
		}
	}
	again, _ := identityBody(c, f)
	if &again[0] != &got[0][0] {
		t.Error("a later request decompressed again")
	}
	if n, used := c.stats(); n != 1 || used != int64(len(want)) {
		t.Errorf("cache holds %d entries, %d bytes; want 1, %d", n, used, len(want))
	}
	// A file of a new snapshot with the same bytes (same ETag) hits the
	// same entry: nothing is decompressed again after a Swap that did
	// not change the feed.
	same := snapshot.NewFile(f.Path, f.ContentType, want, time.Now()).Compact()
	if b, _ := identityBody(c, same); &b[0] != &got[0][0] {
		t.Error("equal bytes in a new file decompressed again")
	}
	// Disabled cache: correct bytes, nothing kept.
	off := newByteCache(-1)
	a, _ := identityBody(off, f)
	b, _ := identityBody(off, f)
	if !bytes.Equal(a, want) || !bytes.Equal(b, want) || &a[0] == &b[0] {
		t.Error("disabled cache")
	}
	if n, _ := off.stats(); n != 0 {
		t.Error("disabled cache keeps entries")
	}
}

// TestIdentityCacheBound proves the cache never holds more than its bound,
// evicts the least recently used first, and serves a file larger than the
// whole bound without keeping it.
func TestIdentityCacheBound(t *testing.T) {
	t.Parallel()
	var files []*snapshot.File
	for i := range 10 {
		files = append(files, snapshot.NewFile(fmt.Sprintf("/f%d", i), layout.TypeRSS, bigBody(fmt.Sprint("file ", i)), modTime).Compact())
	}
	size := int64(files[0].Size())
	for _, f := range files {
		if int64(f.Size()) != size || !f.IsCompact() {
			t.Fatal("test files must be compact and of one size")
		}
	}
	max := 3*size + size/2 // room for three
	h := NewHandler(Options{IdentityCacheBytes: max})
	h.Swap(snapshot.New(files, snapshot.Stats{}))
	get := func(i int) {
		t.Helper()
		resp := do(h, "GET", files[i].Path, nil)
		if b := body(t, resp); resp.StatusCode != 200 || !bytes.Equal(b, identity(t, files[i])) {
			t.Fatalf("%s: status %d", files[i].Path, resp.StatusCode)
		}
		if n, used := h.identity.stats(); used > max || used != int64(n)*size {
			t.Fatalf("cache holds %d entries, %d bytes; bound %d", n, used, max)
		}
	}
	for i := range files {
		get(i)
	}
	if n, _ := h.identity.stats(); n != 3 {
		t.Fatalf("%d entries, want 3", n)
	}
	// Least recently used goes first: touch 7, then add 0; 8 is evicted.
	get(7)
	get(0)
	cached := func(i int) bool {
		h.identity.mu.Lock()
		defer h.identity.mu.Unlock()
		return h.identity.m[files[i].ETag] != nil
	}
	for i, want := range map[int]bool{0: true, 7: true, 9: true, 8: false, 1: false} {
		if cached(i) != want {
			t.Errorf("file %d cached = %v, want %v", i, !want, want)
		}
	}
	// Larger than the bound: served, never cached.
	huge := snapshot.NewFile("/huge", layout.TypeRSS, []byte(strings.Repeat("<x>big</x>", int(max))), modTime).Compact()
	h.Swap(snapshot.New([]*snapshot.File{huge}, snapshot.Stats{}))
	resp := do(h, "GET", "/huge", nil)
	if b := body(t, resp); resp.StatusCode != 200 || !bytes.Equal(b, identity(t, huge)) {
		t.Fatal("file larger than the cache")
	}
	if _, used := h.identity.stats(); used > max {
		t.Errorf("%d bytes cached, bound %d", used, max)
	}
	if cached := h.identity.m[huge.ETag]; cached != nil {
		t.Error("file larger than the bound was cached")
	}
}

// TestCompactConcurrent runs identity and gzip requests for compact files
// against swaps and a cache small enough to evict all the time. Every
// response must come whole from one snapshot; under -race this also proves
// the cache is free of data races.
func TestCompactConcurrent(t *testing.T) {
	t.Parallel()
	snaps := []*snapshot.Snapshot{compactSnapshot("a"), testSnapshot("b"), compactSnapshot("c"), compactSnapshot("d")}
	v := newVersions(t, snaps)
	h := NewHandler(Options{IdentityCacheBytes: int64(2 * snaps[0].Get("/rss.xml").Size())})
	h.Swap(snaps[0])
	tick, stop := swapper(h, snaps)
	paths := snaps[0].Paths()
	var readers sync.WaitGroup
	for g := range 16 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := range 200 {
				p := paths[(g+i)%len(paths)]
				r := httptest.NewRequest("GET", "/", nil)
				r.URL.Path = p
				if i%3 == 0 {
					r.Header.Set("Accept-Encoding", "gzip")
				}
				w := httptest.NewRecorder()
				tick()
				h.ServeHTTP(w, r)
				if err := v.matchesOne(p, w); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	readers.Wait()
	stop()
	if _, used := h.identity.stats(); used > h.identity.max {
		t.Errorf("cache %d bytes over its bound %d", used, h.identity.max)
	}
}

// TestCompactCorruptIs500 proves that a compact file whose gzip form does
// not decompress is answered 500 without the file's validators (never with
// bytes that do not match them), and that gzip clients are unaffected.
func TestCompactCorruptIs500(t *testing.T) {
	t.Parallel()
	good := compactSnapshot("a").Get("/rss.xml")
	bad := *good
	bad.Gzip = bytes.Clone(good.Gzip)
	bad.Gzip[len(bad.Gzip)-6] ^= 0xff // CRC-32 trailer
	h := NewHandler(Options{})
	h.Swap(snapshot.New([]*snapshot.File{&bad}, snapshot.Stats{}))
	for range 2 { // a failure is not cached
		resp := do(h, "GET", "/rss.xml", nil)
		b := body(t, resp)
		if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Etag") != "" || resp.Header.Get("Last-Modified") != "" {
			t.Fatalf("status %d, ETag %q", resp.StatusCode, resp.Header.Get("Etag"))
		}
		if resp.Header.Get("Content-Length") != fmt.Sprint(len(b)) || resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("500 headers")
		}
	}
	if n, _ := h.identity.stats(); n != 0 {
		t.Error("failed decompression kept in the cache")
	}
	if resp := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": "gzip"}); resp.StatusCode != 200 {
		t.Errorf("gzip request: %d", resp.StatusCode)
	}
}
