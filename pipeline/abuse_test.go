package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// abuseHeaderTimeout replaces the daemon's 5 s ReadHeaderTimeout in these
// tests, so that slowloris and idle connections are cut quickly. The
// daemon has no option for it; the test sets the field of its unexported
// *http.Server before Run.
const abuseHeaderTimeout = time.Second

// abuseDaemon is a running daemon over a copy of seeds/ whose handler
// counts 5xx answers.
type abuseDaemon struct {
	d         *Daemon
	addr      string
	base      string
	serverErr atomic.Int64 // 5xx answers written by the handler
	cancel    context.CancelFunc
	done      chan error
}

// statusRecorder notes the status code a handler writes.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.code = code
	s.ResponseWriter.WriteHeader(code)
}

func startAbuseDaemon(t *testing.T) *abuseDaemon {
	t.Helper()
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	d, err := NewDaemon(ServeOptions{Src: src, Site: testSite(t, base+"/", 0), Listener: ln})
	if err != nil {
		ln.Close()
		t.Fatalf("NewDaemon: %v", err)
	}
	ad := &abuseDaemon{d: d, addr: ln.Addr().String(), base: base, done: make(chan error, 1)}
	// Hooks the daemon does not offer: a shorter header timeout and a
	// handler wrapper that counts server errors. Set before Run, so no
	// request can race with them.
	d.srv.ReadHeaderTimeout = abuseHeaderTimeout
	h := d.srv.Handler
	d.srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		if rec.code >= 500 {
			ad.serverErr.Add(1)
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ad.cancel = cancel
	go func() { ad.done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-ad.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return 20s after cancel")
		}
	})
	return ad
}

// rawRequest sends req (raw bytes) on a new connection, writing and
// reading concurrently so that a server that answers before reading all
// of an oversized request is still heard, and returns the status code.
func rawRequest(addr string, req []byte) (int, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(req)
		werr <- err
	}()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, fmt.Errorf("reading response (write: %v): %w", <-werr, err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	c.Close()
	<-werr
	return res.StatusCode, nil
}

// TestAbuse runs the daemon's real HTTP server through hostile clients
// while a well-behaved reader polls /rss.xml: oversized headers, slowloris,
// thousands of idle connections, unknown methods, absurd Range and
// conditional headers. Throughout, the reader must get 200 or 304 within a
// second and nobody may get a 5xx; afterwards goroutines and file
// descriptors must come back to their baseline. It runs in a process of
// its own, for the counts, and does not call t.Parallel, so it runs before
// the other tests of the package, alone: the reader's one second is a
// bound on the daemon, which other tests' work on the same cores would
// take from it.
func TestAbuse(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("counts file descriptors in /proc/self/fd")
	}
	if runOwnProcess(t) {
		return
	}
	nofile := raiseNoFile(t)
	ad := startAbuseDaemon(t)
	// Let start-up compression finish first: its goroutines would skew the
	// baseline, and the poller should see the gzip form as readers will.
	waitClient := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	waitGzip(t, waitClient, ad.base, compressWait, "/rss.xml")
	waitClient.Transport.(*http.Transport).CloseIdleConnections()
	rssFile := ad.d.Snapshot().Get("/rss.xml")
	if rssFile == nil {
		t.Fatal("no /rss.xml in the snapshot")
	}
	rss, err := rssFile.Identity()
	if err != nil {
		t.Fatal(err)
	}
	// Warm up, so that lazily started goroutines exist before the baseline.
	if code, err := rawRequest(ad.addr, []byte("GET /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")); err != nil || code != 200 {
		t.Fatalf("warm-up: %d %v", code, err)
	}
	time.Sleep(100 * time.Millisecond)
	base := measure(t)
	t.Logf("baseline: %d goroutines, %d fds; RLIMIT_NOFILE %d", base.goroutines, base.fds, nofile)

	// scenario runs fn under a poller; fn is repeated until at least
	// minTime has passed, so that quick abuse overlaps many polls.
	scenario := func(name string, minTime time.Duration, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			p := startPoller(ad.base+"/rss.xml", 20*time.Millisecond)
			start := time.Now()
			for rounds := 0; rounds < 1000 && !t.Failed(); rounds++ {
				fn(t)
				if time.Since(start) >= minTime {
					break
				}
			}
			p.stop(t, time.Second)
			after := waitBaseline(t, base, 4, 5*time.Second)
			t.Logf("%v; back to %d goroutines, %d fds", time.Since(start).Round(time.Millisecond), after.goroutines, after.fds)
			if n := ad.serverErr.Load(); n > 0 {
				t.Fatalf("the handler answered 5xx %d times", n)
			}
		})
	}

	scenario("OversizedHeaders", 0, func(t *testing.T) {
		big := "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"
		var many strings.Builder
		many.WriteString("GET /rss.xml HTTP/1.1\r\nHost: x\r\n")
		for i := range 20000 {
			fmt.Fprintf(&many, "X-H%d: v\r\n", i)
		}
		many.WriteString("\r\n")
		// One at a time, each must be answered 431.
		for i := range 6 {
			req := big
			if i%2 == 1 {
				req = many.String()
			}
			code, err := rawRequest(ad.addr, []byte(req))
			if err == nil && code != http.StatusRequestHeaderFieldsTooLarge {
				err = fmt.Errorf("status %d, want 431", code)
			}
			if err != nil {
				t.Errorf("oversized request %d: %v", i, err)
			}
		}
		// A flood of them at once: the server may hang up before a
		// client that is still writing reads the 431 (net/http calls
		// that undefined), or cut a header that arrives slower than the
		// header timeout (400 or silence), but it must never fail with 5xx.
		var wg sync.WaitGroup
		var got431 atomic.Int64
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req := big
				if i%2 == 1 {
					req = many.String()
				}
				code, err := rawRequest(ad.addr, []byte(req))
				switch {
				case err != nil:
				case code == http.StatusRequestHeaderFieldsTooLarge:
					got431.Add(1)
				case code >= 500 || code < 400:
					t.Errorf("oversized request in a flood: status %d", code)
				}
			}()
		}
		wg.Wait()
		t.Logf("flood of 16 oversized requests: %d answered 431", got431.Load())
	})

	scenario("Slowloris", 0, func(t *testing.T) {
		const n = 200
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for range n {
			c, err := net.Dial("tcp", ad.addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if _, err := c.Write([]byte("GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Slow: ")); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		// One byte per connection every 100ms, until well past the
		// header timeout. Writes start failing once the server hangs up.
		for time.Since(start) < abuseHeaderTimeout+time.Second {
			time.Sleep(100 * time.Millisecond)
			for _, c := range conns {
				_ = c.SetWriteDeadline(time.Now().Add(10 * time.Millisecond))
				_, _ = c.Write([]byte("a"))
			}
		}
		// Every connection must have been closed by the server: a read
		// returns at once with EOF or a reset, never a timeout, and never
		// a response (the request was never complete).
		open := 0
		for _, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			var buf [64]byte
			n, err := c.Read(buf[:])
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open++
			} else if n > 0 && !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 408")) {
				t.Errorf("slowloris connection got a response: %q", buf[:n])
			}
		}
		if open > 0 {
			t.Errorf("%d of %d slowloris connections still open %v after they started (header timeout %v)",
				open, n, time.Since(start).Round(time.Millisecond), abuseHeaderTimeout)
		}
	})

	scenario("IdleConnections", 0, func(t *testing.T) {
		n := 2000
		// Both ends of every connection live in this process.
		if limit := int(nofile) - base.fds - 200; 2*n > limit {
			n = max(limit/2, 100)
			t.Logf("RLIMIT_NOFILE %d: opening %d connections instead of 2000", nofile, n)
		}
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		start := time.Now()
		for range n {
			c, err := net.DialTimeout("tcp", ad.addr, 5*time.Second)
			if err != nil {
				t.Fatalf("dial after %d connections: %v", len(conns), err)
			}
			conns = append(conns, c)
		}
		t.Logf("%d idle connections opened in %v", n, time.Since(start).Round(time.Millisecond))
		// While they sit there, requests on fresh connections still work.
		for i := range 20 {
			code, err := rawRequest(ad.addr, []byte("GET /atom.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
			if err != nil || code != 200 {
				t.Fatalf("request %d among idle connections: %d %v", i, code, err)
			}
		}
		// A connection that never sends a request line is cut by the
		// header timeout.
		time.Sleep(time.Until(start.Add(abuseHeaderTimeout + 500*time.Millisecond)))
		open := 0
		deadline := time.Now().Add(3 * time.Second)
		for _, c := range conns {
			_ = c.SetReadDeadline(deadline)
			var buf [1]byte
			_, err := c.Read(buf[:])
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				open++
			}
		}
		if open > 0 {
			t.Errorf("%d of %d idle connections still open %v after they were opened", open, n, time.Since(start).Round(time.Millisecond))
		}
	})

	scenario("IdleKeepAlive", 0, func(t *testing.T) {
		// Connections that made one request and then idle are kept until
		// IdleTimeout (minutes); closing them from our side must release
		// everything on the server's.
		const n = 300
		conns := make([]net.Conn, 0, n)
		for range n {
			c, err := net.Dial("tcp", ad.addr)
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			if _, err := c.Write([]byte("HEAD /feed.json HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
		}
		for i, c := range conns {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodHead})
			if err != nil || res.StatusCode != 200 {
				t.Fatalf("keep-alive connection %d: %v %v", i, res, err)
			}
		}
		time.Sleep(300 * time.Millisecond)
		for _, c := range conns {
			c.Close()
		}
	})

	scenario("UnknownMethods", 500*time.Millisecond, func(t *testing.T) {
		cases := []struct {
			method string
			want   []int
		}{
			{"PROPFIND", []int{405}},
			{"BREW", []int{405}},
			{"POST", []int{405}},
			{"DELETE", []int{405}},
			{"OPTIONS", []int{405}},
			{"TRACE", []int{405}},
			{"CONNECT", []int{400, 405}},
			{strings.Repeat("X", 4000), []int{405}},
			{strings.Repeat("GARBAGE", 20000), []int{400, 431}}, // longer than MaxHeaderBytes
			{"G(T", []int{400}},
			{"GET\x00", []int{400}},
		}
		for _, c := range cases {
			code, err := rawRequest(ad.addr, []byte(c.method+" /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
			name := c.method
			if len(name) > 20 {
				name = fmt.Sprintf("%.12s…(%d bytes)", name, len(name))
			}
			if err != nil {
				t.Errorf("%q: %v", name, err)
				continue
			}
			ok := false
			for _, w := range c.want {
				ok = ok || code == w
			}
			if !ok {
				t.Errorf("%q: status %d, want one of %v", name, code, c.want)
			}
		}
	})

	// get uses a fresh client per call, so that no connection outlives
	// the scenario and skews the baseline check.
	get := func(t *testing.T, p string, hdr map[string]string) (int, []byte) {
		t.Helper()
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		req, _ := http.NewRequest(http.MethodGet, ad.base+p, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		return res.StatusCode, b
	}

	scenario("AbsurdRange", 500*time.Millisecond, func(t *testing.T) {
		var many strings.Builder
		many.WriteString("bytes=")
		for i := range 1000 {
			if i > 0 {
				many.WriteByte(',')
			}
			fmt.Fprintf(&many, "%d-%d", i, i)
		}
		for _, rg := range []string{
			many.String(),
			"bytes=999999999999999999999-",
			"bytes=-999999999999999999999",
			"bytes=0-0,-1",
			"bytes=5-1",
			"bytes=--",
			"bytes=",
			"furlongs=0-10",
			strings.Repeat("bytes=0-1,", 3000),
		} {
			code, body := get(t, "/rss.xml", map[string]string{"Range": rg})
			// Range is ignored by design: always the whole feed.
			if code != 200 || !bytes.Equal(body, rss) {
				t.Errorf("Range %.40q: status %d, %d bytes; want 200 and the full %d bytes", rg, code, len(body), len(rss))
			}
		}
	})

	scenario("ConditionalHeaders", 500*time.Millisecond, func(t *testing.T) {
		var tags strings.Builder
		for i := range 10000 {
			if i > 0 {
				tags.WriteString(",")
			}
			fmt.Fprintf(&tags, `"%c"`, 'a'+i%26)
		}
		noMatch := tags.String()
		withMatch := noMatch + "," + rssFile.ETag
		weird := strings.Repeat(`W/"x", `, 5000) + `"unterminated`
		cases := []struct {
			hdr  map[string]string
			want []int
		}{
			{map[string]string{"If-None-Match": noMatch}, []int{200}},
			{map[string]string{"If-None-Match": withMatch}, []int{304}},
			{map[string]string{"If-None-Match": weird}, []int{200}},
			{map[string]string{"If-None-Match": strings.Repeat(",", 30000)}, []int{200}},
			{map[string]string{"If-Modified-Since": "garbage"}, []int{200}},
			{map[string]string{"If-Modified-Since": strings.Repeat("Mon, 32 Foo ", 3000)}, []int{200}},
			{map[string]string{"If-Modified-Since": "Sat, 01 Jan 10000 00:00:00 GMT"}, []int{200}},
			{map[string]string{"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"}, []int{304}},
			{map[string]string{"If-Match": noMatch}, []int{200, 412}},
			{map[string]string{"If-Match": "garbage"}, []int{200, 412}},
			{map[string]string{"If-Unmodified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}, []int{200, 412}},
			{map[string]string{"If-Unmodified-Since": "garbage"}, []int{200}},
			{map[string]string{"If-Range": `"nope"`, "Range": "bytes=0-10"}, []int{200}},
			{map[string]string{"If-Range": "garbage", "Range": many()}, []int{200}},
		}
		for _, c := range cases {
			code, body := get(t, "/rss.xml", c.hdr)
			ok := false
			for _, w := range c.want {
				ok = ok || code == w
			}
			if !ok {
				var ks []string
				for k, v := range c.hdr {
					ks = append(ks, fmt.Sprintf("%s: %.40q (%d bytes)", k, v, len(v)))
				}
				t.Errorf("%s: status %d, want one of %v", strings.Join(ks, ", "), code, c.want)
			}
			if code == 200 && !bytes.Equal(body, rss) {
				t.Errorf("%v: 200 with %d bytes, want the feed's %d", c.hdr, len(body), len(rss))
			}
		}
	})

}

// many is a Range of 1000 one-byte ranges.
func many() string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i := range 1000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", i, i)
	}
	return b.String()
}
