package serve

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/andybalholm/brotli"

	"feedgen/snapshot"
)

// lazyDoc is a lazy file whose producer counts its calls and returns
// *src, which a test may change to play a regeneration.
type lazyDoc struct {
	calls atomic.Int64
	mu    sync.Mutex
	src   []byte
	gate  chan struct{} // when not nil, producing waits for it
}

func (d *lazyDoc) file(path string, body []byte) *snapshot.File {
	d.src = body
	return snapshot.NewLazyFile(path, "application/rss+xml; charset=utf-8", snapshot.ETagOf(body), len(body),
		time.Unix(1.7e9, 0), "public, max-age=86400", d.produce)
}

func (d *lazyDoc) produce() ([]byte, error) {
	d.calls.Add(1)
	if d.gate != nil {
		<-d.gate
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return bytes.Clone(d.src), nil
}

func (d *lazyDoc) set(b []byte) {
	d.mu.Lock()
	d.src = b
	d.mu.Unlock()
}

func lazyBody(n int, tag string) []byte {
	return []byte(strings.Repeat("<item>"+tag+" archived item</item>\n", n))
}

func decode(t *testing.T, ce string, b []byte) []byte {
	t.Helper()
	var r io.Reader
	switch ce {
	case "":
		return b
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		t.Fatalf("Content-Encoding %q", ce)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLazyFile: a lazy file is served in every coding with its own tags
// and the right length, a 304 renders nothing, a HEAD in identity renders
// nothing, and repeated requests come from the cache.
func TestLazyFile(t *testing.T) {
	t.Parallel()
	d := &lazyDoc{}
	want := lazyBody(2000, "a")
	f := d.file("/archive/2024/02/rss.xml", want)
	h := NewHandler(Options{})
	h.Swap(snapshot.New([]*snapshot.File{f}, snapshot.Stats{}))
	for _, tc := range []struct{ ae, ce, etag string }{
		{"", "", f.ETag}, {"gzip", "gzip", f.GzipETag}, {"br, gzip", "br", f.BrETag},
	} {
		for range 2 {
			resp := do(h, http.MethodGet, f.Path, map[string]string{"Accept-Encoding": tc.ae})
			b := body(t, resp)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != tc.ce || resp.Header.Get("ETag") != tc.etag ||
				resp.Header.Get("Cache-Control") != "public, max-age=86400" || resp.Header.Get("Content-Length") != strconv.Itoa(len(b)) {
				t.Fatalf("Accept-Encoding %q: %d %v", tc.ae, resp.StatusCode, resp.Header)
			}
			if !bytes.Equal(decode(t, tc.ce, b), want) {
				t.Fatalf("Accept-Encoding %q: wrong bytes", tc.ae)
			}
		}
	}
	// Three codings, each produced once (the identity bytes are rendered
	// for each coding, since only the compressed forms are kept together).
	if n := d.calls.Load(); n != 3 {
		t.Errorf("%d renderings for 6 requests in 3 codings, want 3", n)
	}
	d.calls.Store(0)
	for _, tag := range []string{f.ETag, f.GzipETag, f.BrETag} {
		if resp := do(h, http.MethodGet, f.Path, map[string]string{"If-None-Match": tag, "Accept-Encoding": "gzip"}); resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: %d", tag, resp.StatusCode)
		}
	}
	h2 := NewHandler(Options{}) // a cold cache
	h2.Swap(snapshot.New([]*snapshot.File{f}, snapshot.Stats{}))
	resp := do(h2, http.MethodHead, f.Path, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(len(want)) {
		t.Errorf("HEAD: %d, Content-Length %q", resp.StatusCode, resp.Header.Get("Content-Length"))
	}
	if resp := do(h2, http.MethodGet, f.Path, map[string]string{"If-None-Match": f.BrETag, "Accept-Encoding": "br"}); resp.StatusCode != http.StatusNotModified {
		t.Errorf("cold 304: %d", resp.StatusCode)
	}
	if n := d.calls.Load(); n != 0 {
		t.Errorf("304s and an identity HEAD rendered %d times, want 0", n)
	}
}

// TestLazyFileSingleFlight: concurrent requests for a cold document render
// it once (run with -race).
func TestLazyFileSingleFlight(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		d := &lazyDoc{gate: make(chan struct{})}
		want := lazyBody(1000, "b")
		f := d.file("/archive/2024/03/atom.xml", want)
		h := NewHandler(Options{})
		h.Swap(snapshot.New([]*snapshot.File{f}, snapshot.Stats{}))
		var wg sync.WaitGroup
		bad := make(chan string, 64)
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ae := []string{"gzip", "br"}[i%2]
				resp := do(h, http.MethodGet, f.Path, map[string]string{"Accept-Encoding": ae})
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || !bytes.Equal(decodeNoT(resp.Header.Get("Content-Encoding"), b), want) {
					bad <- ae
				}
			}()
		}
		synctest.Wait() // all of them piled up on the one rendering
		close(d.gate)
		wg.Wait()
		close(bad)
		for ae := range bad {
			t.Errorf("a %s request got wrong bytes", ae)
		}
		if n := d.calls.Load(); n != 1 {
			t.Errorf("32 concurrent requests rendered %d times, want 1", n)
		}
	})
}

func decodeNoT(ce string, b []byte) []byte {
	var r io.Reader = bytes.NewReader(b)
	switch ce {
	case "gzip":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil
		}
		r = zr
	case "br":
		r = brotli.NewReader(r)
	}
	out, _ := io.ReadAll(r)
	return out
}

// TestLazyCacheBound: the cache keeps no more than its bound; bodies beyond
// it are rendered again when asked for.
func TestLazyCacheBound(t *testing.T) {
	t.Parallel()
	// Room for two of the documents compressed: what is at stake is the
	// bound and the order of eviction, not the size (small documents keep
	// the compression cheap under -race).
	const count, size, bound = 6, 10 << 10, 16 << 10
	h := NewHandler(Options{LazyCacheBytes: bound})
	var files []*snapshot.File
	var docs []*lazyDoc
	for i := range count {
		d := &lazyDoc{}
		// Random-ish bytes so that each is kilobytes compressed.
		b := make([]byte, 0, size)
		x := uint32(i + 1)
		for len(b) < size {
			x = x*1664525 + 1013904223
			b = append(b, byte('a'+x>>27))
		}
		docs = append(docs, d)
		files = append(files, d.file("/archive/2020/"+strconv.Itoa(10+i)+"/rss.xml", b))
	}
	h.Swap(snapshot.New(files, snapshot.Stats{}))
	for _, f := range files {
		if resp := do(h, http.MethodGet, f.Path, map[string]string{"Accept-Encoding": "gzip"}); resp.StatusCode != 200 {
			t.Fatalf("%s: %d", f.Path, resp.StatusCode)
		}
	}
	if n, used := h.lazy.stats(); used > bound || n == 0 || n == len(files) {
		t.Errorf("cache: %d entries, %d bytes; want some, within %d bytes", n, used, bound)
	}
	do(h, http.MethodGet, files[0].Path, map[string]string{"Accept-Encoding": "gzip"})
	if n := docs[0].calls.Load(); n != 2 {
		t.Errorf("the evicted first document rendered %d times, want 2", n)
	}
}

// TestLazyFileReplaced: a request for a document whose sources changed
// under it (a regeneration is replacing it) waits for the snapshot that
// replaces it and gets the new bytes with the new tag; with no new
// snapshot it gets a 503, never bytes under the wrong tag.
func TestLazyFileReplaced(t *testing.T) {
	t.Parallel()
	// In a bubble the clock is fake: the wait for a snapshot that comes
	// after 100 ms, and the whole of staleWait when none comes, take no
	// time, and the order of events is that of the clock.
	synctest.Test(t, func(t *testing.T) {
		d := &lazyDoc{}
		oldBody, newBody := lazyBody(100, "old"), lazyBody(100, "new")
		f := d.file("/archive/2024/04/feed.json", oldBody)
		h := NewHandler(Options{})
		h.Swap(snapshot.New([]*snapshot.File{f}, snapshot.Stats{}))
		d.set(newBody) // the state changed; the new snapshot is not out yet
		d2 := &lazyDoc{}
		nf := d2.file(f.Path, newBody)
		go func() {
			time.Sleep(100 * time.Millisecond)
			h.Swap(snapshot.New([]*snapshot.File{nf}, snapshot.Stats{}))
		}()
		start := time.Now()
		resp := do(h, http.MethodGet, f.Path, nil)
		if b := body(t, resp); resp.StatusCode != 200 || !bytes.Equal(b, newBody) || resp.Header.Get("ETag") != nf.ETag {
			t.Fatalf("during a replacement: %d, ETag %s, %d bytes", resp.StatusCode, resp.Header.Get("ETag"), len(b))
		}
		if waited := time.Since(start); waited != 100*time.Millisecond {
			t.Errorf("answered after %v, want when the new snapshot came (100ms)", waited)
		}

		d2.set(oldBody) // and no snapshot follows
		start = time.Now()
		resp = do(h, http.MethodGet, f.Path, map[string]string{"Accept-Encoding": "gzip"})
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("ETag") != "" || resp.Header.Get("Retry-After") == "" {
			t.Errorf("stale with no replacement: %d %v", resp.StatusCode, resp.Header)
		}
		if waited := time.Since(start); waited != staleWait {
			t.Errorf("503 after %v, want after staleWait (%v)", waited, staleWait)
		}
	})
}
