package pipeline

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"feedgen/internal/soak"
	"feedgen/snapshot"
)

// TestSoakShort is the CI-sized version of cmd/feedsoak: an in-process
// daemon over 150 generated articles is polled by a load generator while
// 500 random file operations run over about 10 seconds. No request may
// fail, goroutines and file descriptors must not grow, and at the end the
// daemon must serve exactly what Build writes for the final directory.
// The long run against the real binary is
//
//	go run ./cmd/feedsoak -duration 10m -ops 10000
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 15 seconds")
	}
	if runtime.GOOS != "linux" {
		t.Skip("counts file descriptors in /proc/self/fd")
	}
	parallel(t)
	if runOwnProcess(t) {
		return
	}
	const (
		articles = 150
		nops     = 500
		duration = 10 * time.Second
	)
	tmp := t.TempDir()
	src := filepath.Join(tmp, "src")
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	mut, err := soak.Generate(src, articles, seed)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	site := testSite(t, "https://feeds.example.com/", 50)
	before := measure(t)
	d, err := NewDaemon(ServeOptions{Src: src, Site: site, Listener: ln})
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- d.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-runErr:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("Run did not return 20s after cancel")
		}
	}
	defer stop()

	loadCtx, stopLoad := context.WithCancel(context.Background())
	defer stopLoad()
	load := &soak.Load{Base: base, Workers: 4, Pause: 2 * time.Millisecond}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); load.Run(loadCtx) }()

	// Operations, evenly paced; resources sampled every half second.
	start := time.Now()
	var samples []resources
	next := time.Now()
	for i := range nops {
		if _, err := mut.Step(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(next) {
			samples = append(samples, measure(t))
			next = next.Add(500 * time.Millisecond)
		}
		time.Sleep(time.Until(start.Add(time.Duration(i+1) * duration / nops)))
	}
	samples = append(samples, measure(t))
	stopLoad()
	wg.Wait()
	t.Logf("%d ops in %v (%v); %d requests, %d failures, slowest %v", nops, time.Since(start).Round(time.Millisecond),
		mut.Counts, load.Requests.Load(), load.Failures.Load(), time.Duration(load.MaxLatency.Load()).Round(time.Millisecond))
	if n := load.Failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed; first: %v", n, load.Requests.Load(), load.Samples())
	}
	if load.Requests.Load() < 100 {
		t.Errorf("only %d requests were made", load.Requests.Load())
	}

	// Growth from a quarter of the run to its end.
	ref, last := samples[len(samples)/4], samples[len(samples)-1]
	t.Logf("goroutines %d -> %d, fds %d -> %d (from a quarter of the run to its end)", ref.goroutines, last.goroutines, ref.fds, last.fds)
	if last.fds > ref.fds+20 {
		t.Errorf("fds grew from %d to %d", ref.fds, last.fds)
	}
	if last.goroutines > ref.goroutines+20 {
		t.Errorf("goroutines grew from %d to %d", ref.goroutines, last.goroutines)
	}

	// Quiet, then served must equal a fresh build of the final tree.
	out := filepath.Join(tmp, "built")
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: site}); err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := readTree(t, out)
	// The last batch may still be regenerating (slowly under -race):
	// wait for the published snapshot to match, then check over HTTP.
	quiet := time.Now()
	var seen *snapshot.Snapshot
	var diff string
	eventually(t, 30*time.Second, "the daemon's snapshot equals Build's output", func() (bool, string) {
		if s := d.Snapshot(); s != seen { // a snapshot never changes: compare each once
			seen, diff = s, diffTrees("built", want, "served", identities(s))
		}
		return diff == "", diff
	})
	t.Logf("snapshot equal to the build %v after the last operation", time.Since(quiet).Round(time.Millisecond))
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	if err := soak.CompareServed(client, base, want); err != nil {
		t.Fatalf("the daemon does not serve what Build writes:\n%v", err)
	}
	client.Transport.(*http.Transport).CloseIdleConnections()
	stop()
	after := waitBaseline(t, before, 4, 5*time.Second)
	t.Logf("%d files served equal the build; after stopping: %d goroutines, %d fds (before the daemon: %d, %d)",
		len(want), after.goroutines, after.fds, before.goroutines, before.fds)
}
