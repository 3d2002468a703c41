package pipeline

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"feedgen/watch"
)

// TestDaemonAnswersBeforeCompressing proves the start-up order: the first
// snapshot is published uncompressed and answered while the generator is
// still busy (here: held, as a long compression would hold it); then the
// compressor swaps in a compact snapshot (gzip forms only) with the same
// bytes, tags and dates, which plain clients still get exactly. After a
// change the gzip form follows the identity one, and a file whose bytes
// did not change stays the same file with the same Last-Modified.
func TestDaemonAnswersBeforeCompressing(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	d, err := NewDaemon(ServeOptions{Src: src, Site: testSite(t, base+"/", 0), Listener: ln, Watch: watch.Options{Poll: time.Hour}})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	first := d.Snapshot()
	for _, p := range first.Paths() {
		if f := first.Get(p); f.Compressed || f.Gzip != nil || f.Body == nil {
			t.Fatalf("%s: NewDaemon published a compressed file; the first snapshot must not wait for compression", p)
		}
	}
	want := identities(first)

	d.mu.Lock()
	held := true
	release := func() {
		if held {
			held = false
			d.mu.Unlock()
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(ctx) }()
	tr := &http.Transport{DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	t.Cleanup(func() {
		release()
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return 20s after cancel")
		}
		tr.CloseIdleConnections()
	})
	get := func(p string, hdr map[string]string) response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, base+escapePath(p), nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		if _, err := b.ReadFrom(res.Body); err != nil {
			t.Fatal(err)
		}
		return response{code: res.StatusCode, hdr: res.Header, body: b.Bytes()}
	}

	// Answers while the generator is held: identity, even for gzip clients.
	for _, p := range []string{"/rss.xml", "/index.html", "/feeds.opml"} {
		r := get(p, map[string]string{"Accept-Encoding": "gzip"})
		if r.code != 200 || r.hdr.Get("Content-Encoding") != "" || !bytes.Equal(r.body, want[p]) {
			t.Fatalf("%s while compression waits: status %d, Content-Encoding %q", p, r.code, r.hdr.Get("Content-Encoding"))
		}
	}
	if d.Snapshot() != first {
		t.Fatal("the snapshot changed while the generator was held")
	}
	release()

	waitGzip(t, client, base, compressWait, first.Paths()...)
	comp := d.Snapshot()
	for _, p := range first.Paths() {
		f, of := comp.Get(p), first.Get(p)
		if !f.Compressed || (f.Gzip != nil && f.Body != nil) {
			t.Errorf("%s: compressed=%v, body %d bytes, gzip %d bytes; want compact", p, f.Compressed, len(f.Body), len(f.Gzip))
		}
		if f.ETag != of.ETag || !f.ModTime.Equal(of.ModTime) || f.Size() != len(want[p]) {
			t.Errorf("%s: compaction changed ETag, ModTime or size", p)
		}
		r := get(p, nil)
		if r.code != 200 || !bytes.Equal(r.body, want[p]) || r.hdr.Get("Etag") != of.ETag || r.hdr.Get("Content-Length") != strconv.Itoa(len(want[p])) {
			t.Errorf("%s: plain GET of the compact file: status %d, %d bytes (want %d), ETag %q", p, r.code, len(r.body), len(want[p]), r.hdr.Get("Etag"))
		}
	}
	if d := diffTrees("uncompressed", want, "compact", identities(comp)); d != "" {
		t.Fatalf("compaction changed bytes: %s", d)
	}
	opml := comp.Get("/feeds.opml")
	if !opml.IsCompact() {
		t.Fatal("/feeds.opml is not compact; the reuse check below needs it to be")
	}
	opmlLM := get("/feeds.opml", nil).hdr.Get("Last-Modified")

	// Retitle one article: identity first, then its gzip form.
	name := filepath.Join(src, "101_9c3e2a7b1d4f6e80.txt")
	old, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	const title = "压缩之后 改过的标题"
	edited := regexp.MustCompile(`(?m)^title: .*$`).ReplaceAll(old, []byte(`title: "`+title+`"`))
	writeAtomic(t, name, edited)
	d.Rescan()
	eventually(t, 10*time.Second, "the new title in the identity /rss.xml", func() (bool, string) {
		r := get("/rss.xml", nil)
		return bytes.Contains(r.body, []byte(title)), "not yet"
	})
	eventually(t, compressWait, "the new title in the gzip /rss.xml", func() (bool, string) {
		r := get("/rss.xml", map[string]string{"Accept-Encoding": "gzip"})
		if r.hdr.Get("Content-Encoding") != "gzip" {
			return false, "identity still"
		}
		return bytes.Contains(gunzip(t, r.body), []byte(title)), "old gzip form"
	})
	// The OPML did not change: the compact file is reused, not rebuilt with
	// a new date (If-Modified-Since readers would refetch it) and
	// compressed again.
	if got := d.Snapshot().Get("/feeds.opml"); got != opml {
		t.Error("/feeds.opml rebuilt although its bytes did not change")
	}
	if lm := get("/feeds.opml", nil).hdr.Get("Last-Modified"); lm != opmlLM {
		t.Errorf("/feeds.opml Last-Modified %q, was %q", lm, opmlLM)
	}
}

// TestWarmStartCompressesBeforeRescan: a daemon started from its state
// publishes the restored feeds uncompressed, then compresses them before
// the rescan that follows, which holds the generator for as long as
// reading every file takes: the feeds must not be held whole, beside their
// compressed forms, all that time. The rescan still happens (Synced).
func TestWarmStartCompressesBeforeRescan(t *testing.T) {
	parallel(t)
	src, state := t.TempDir(), t.TempDir()
	copyDir(t, seedsDir, src)
	site := testSite(t, "http://127.0.0.1/", 0)
	if _, err := Build(BuildOptions{Src: src, Out: t.TempDir(), Site: site, State: state}); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	d, err := NewDaemon(ServeOptions{Src: src, Site: site, Addr: "127.0.0.1:0", State: state, Logger: logs.logger(), Watch: watch.Options{Poll: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	select {
	case <-d.Synced():
	case <-time.After(20 * time.Second):
		t.Fatal("the rescan after a warm start did not finish within 20 s")
	}
	l := logs.String()
	compressed, rescanned := strings.Index(l, "msg=compressed"), strings.Index(l, "full=true")
	if compressed < 0 || rescanned < 0 || compressed > rescanned {
		t.Errorf("want the first compression logged before the rescan's regeneration; log:\n%s", l)
	}
}
