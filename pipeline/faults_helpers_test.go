package pipeline

import (
	"context"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Helpers shared by the abuse, crash and soak tests.

// countFDs counts this process's open file descriptors.
func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting fds: %v", err)
	}
	return len(ents)
}

// resources is a goroutine and file descriptor count.
type resources struct{ goroutines, fds int }

func measure(t testing.TB) resources {
	return resources{runtime.NumGoroutine(), countFDs(t)}
}

// waitBaseline waits up to timeout for the goroutine and fd counts to come
// back to base plus slack, and fails the test with a goroutine dump if
// they do not.
func waitBaseline(t testing.TB, base resources, slack int, timeout time.Duration) resources {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		now := measure(t)
		if now.goroutines <= base.goroutines+slack && now.fds <= base.fds+slack {
			return now
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("resources did not return to baseline within %v: goroutines %d (baseline %d), fds %d (baseline %d), slack %d\n%s",
				timeout, now.goroutines, base.goroutines, now.fds, base.fds, slack, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// poller is a well-behaved feed reader: it polls one URL every interval,
// conditionally once it has an ETag, and records every answer that is not
// 200 or 304 and the slowest answer.
type poller struct {
	polls, failures atomic.Int64
	maxLatency      atomic.Int64
	mu              sync.Mutex
	firstFailure    string
	cancel          context.CancelFunc
	done            chan struct{}
	tr              *http.Transport
}

func startPoller(url string, interval time.Duration) *poller {
	ctx, cancel := context.WithCancel(context.Background())
	p := &poller{cancel: cancel, done: make(chan struct{}), tr: &http.Transport{DisableCompression: true}}
	client := &http.Client{Transport: p.tr, Timeout: 5 * time.Second}
	go func() {
		defer close(p.done)
		etag := ""
		for i := 0; ctx.Err() == nil; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if etag != "" && i%2 == 0 {
				req.Header.Set("If-None-Match", etag)
			}
			if i%3 == 0 {
				req.Header.Set("Accept-Encoding", "gzip")
			}
			start := time.Now()
			res, err := client.Do(req)
			if err == nil {
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			lat := time.Since(start)
			if ctx.Err() != nil {
				break
			}
			p.polls.Add(1)
			if int64(lat) > p.maxLatency.Load() {
				p.maxLatency.Store(int64(lat))
			}
			switch {
			case err != nil:
				p.fail(err.Error())
			case res.StatusCode == http.StatusOK:
				if res.Header.Get("Content-Encoding") == "" {
					etag = res.Header.Get("ETag")
				}
			case res.StatusCode != http.StatusNotModified:
				p.fail(res.Status)
			}
			select {
			case <-ctx.Done():
			case <-time.After(interval):
			}
		}
	}()
	return p
}

func (p *poller) fail(s string) {
	p.failures.Add(1)
	p.mu.Lock()
	if p.firstFailure == "" {
		p.firstFailure = time.Now().Format("15:04:05.000 ") + s
	}
	p.mu.Unlock()
}

// stop ends polling, closes the poller's connections and checks that every
// poll was answered with 200 or 304 within maxLatency.
func (p *poller) stop(t testing.TB, maxLatency time.Duration) {
	t.Helper()
	p.cancel()
	<-p.done
	p.tr.CloseIdleConnections()
	lat := time.Duration(p.maxLatency.Load())
	t.Logf("poller: %d polls, %d failures, slowest %v", p.polls.Load(), p.failures.Load(), lat.Round(time.Millisecond))
	if n := p.failures.Load(); n > 0 {
		t.Errorf("well-behaved poller: %d of %d polls failed, first: %s", n, p.polls.Load(), p.firstFailure)
	}
	if p.polls.Load() == 0 {
		t.Error("well-behaved poller: no poll completed")
	}
	if lat > maxLatency {
		t.Errorf("well-behaved poller: slowest poll took %v, want under %v", lat, maxLatency)
	}
}
