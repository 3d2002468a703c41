package websub

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stubHub records the publish pings it gets; fail makes it answer 503 for
// the first n requests.
type stubHub struct {
	mu     sync.Mutex
	topics []string
	urls   []string
	fail   atomic.Int32
	reqs   atomic.Int32
}

func (s *stubHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.reqs.Add(1)
	if s.fail.Add(-1) >= 0 {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("hub.mode") != "publish" {
		http.Error(w, "bad", 400)
		return
	}
	s.mu.Lock()
	s.topics = append(s.topics, r.PostForm["hub.topic"]...)
	s.urls = append(s.urls, r.PostForm["hub.url"]...)
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *stubHub) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.topics))
}

func flush(t *testing.T, p *Publisher) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := p.Flush(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPublisher(t *testing.T) {
	good, flaky := &stubHub{}, &stubHub{}
	flaky.fail.Store(2)
	gs, fs := httptest.NewServer(good), httptest.NewServer(flaky)
	defer gs.Close()
	defer fs.Close()
	// A hub that is down: a port nothing listens on.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := "http://" + ln.Addr().String() + "/"
	ln.Close()
	for _, per := range []int{1, 3} {
		good.topics, flaky.topics, good.urls = nil, nil, nil
		p := NewPublisher(PublisherOptions{Hubs: []string{gs.URL, fs.URL, down}, RetryBase: 5 * time.Millisecond, MaxAttempts: 4, TopicsPerRequest: per})
		topics := []string{"https://f/rss.xml", "https://f/atom.xml", "https://f/feed.json", "https://f/rss.xml"}
		start := time.Now()
		p.Publish(topics)
		if d := time.Since(start); d > 100*time.Millisecond {
			t.Errorf("Publish blocked for %s", d)
		}
		failed := flush(t, p)
		want := []string{"https://f/atom.xml", "https://f/feed.json", "https://f/rss.xml"}
		if g := good.got(); !slices.Equal(g, want) {
			t.Errorf("per %d: good hub got %q, want %q (each changed topic once)", per, g, want)
		}
		if g := flaky.got(); !slices.Equal(g, want) {
			t.Errorf("per %d: hub answering 503 twice got %q, want %q after retries", per, g, want)
		}
		if !slices.Equal(slices.Sorted(slices.Values(good.urls)), want) {
			t.Errorf("hub.url %q, want the topics too", good.urls)
		}
		if failed != 3 {
			t.Errorf("per %d: %d topics failed, want the 3 of the hub that is down", per, failed)
		}
		p.Close()
	}
}

// TestPublisherRefused: a 4xx is not retried; 429 (too many requests) is,
// like a 5xx, since it means "later".
func TestPublisherRefused(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		status       int
		wantRequests int32
	}{
		{http.StatusBadRequest, 1},
		{http.StatusNotFound, 1},
		{http.StatusTooManyRequests, 3},
	} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			http.Error(w, "no", tt.status)
		}))
		p := NewPublisher(PublisherOptions{Hubs: []string{srv.URL}, RetryBase: time.Millisecond, MaxAttempts: 3})
		p.Publish([]string{"https://f/rss.xml"})
		if failed := flush(t, p); failed != 1 || n.Load() != tt.wantRequests {
			t.Errorf("status %d: failed %d after %d requests, want 1 after %d", tt.status, failed, n.Load(), tt.wantRequests)
		}
		p.Close()
		srv.Close()
	}
}

// TestPublisherHangingHub: a hub that never answers is cut off by the
// timeout and does not delay another hub.
func TestPublisherHangingHub(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	good := &stubHub{}
	gs := httptest.NewServer(good)
	defer gs.Close()
	p := NewPublisher(PublisherOptions{Hubs: []string{hang.URL, gs.URL}, Timeout: 200 * time.Millisecond, MaxAttempts: 2, RetryBase: time.Millisecond})
	defer p.Close()
	p.Publish([]string{"https://f/rss.xml"})
	deadline := time.Now().Add(2 * time.Second)
	for len(good.got()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if len(good.got()) != 1 {
		t.Fatal("the good hub waited for the hanging one")
	}
	if failed := flush(t, p); failed != 1 {
		t.Fatalf("failed %d, want the hanging hub's 1", failed)
	}
}
