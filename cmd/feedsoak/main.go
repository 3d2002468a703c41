// Command feedsoak runs feedgen serve for a long time under load and under
// a storm of file operations, then checks that nothing leaked and that
// what is served equals what feedgen build writes for the final directory.
//
//	go run ./cmd/feedsoak -duration 10m -ops 10000
//
// It builds the feedgen binary, generates a source tree of -articles
// articles, starts "feedgen serve" on 127.0.0.1 (a port the kernel picks)
// with -out, polls it with -clients goroutines while -ops random file
// operations (create, modify, editor saves, delete, rename, invalid
// writes, copies, mkdir, rmdir, directory moves, junk files) are spread
// over -duration, and samples the daemon every -sample from /proc: VmRSS,
// threads and open file descriptors. Goroutines cannot be counted from the
// outside (the daemon has no debug endpoint), so threads, fds and RSS stand
// in for them.
//
// At the end it waits for the daemon to go quiet, runs "feedgen build" on
// the same directory with the same -base-url, and compares every file of
// the build with what the daemon serves (GET without gzip) and with the
// daemon's -out tree, and checks that the index links no feed the build
// lacks. It exits 1 on any request failure, any difference, RSS growth of
// more than 50 % or fd growth of more than 20 between the one-minute mark
// (or a quarter of the run, if shorter) and the end, or if the daemon does
// not exit 0 on SIGTERM.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"feedgen/internal/soak"
)

const baseURL = "http://feeds.example.com/"

func main() {
	os.Exit(run())
}

type sample struct {
	at time.Duration
	soak.ProcSample
	requests, failures int64
}

func run() int {
	duration := flag.Duration("duration", 10*time.Minute, "how long to run the operations and the load")
	nops := flag.Int("ops", 10000, "number of random file operations, spread evenly over -duration")
	articles := flag.Int("articles", 500, "articles in the generated source tree")
	clients := flag.Int("clients", 8, "polling goroutines")
	every := flag.Duration("sample", 5*time.Second, "sampling interval")
	bin := flag.String("bin", "", "feedgen binary to test (default: go build ./cmd/feedgen)")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed for the tree and the operations")
	keep := flag.Bool("keep", false, "keep the temporary directory")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "feedsoak-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "feedsoak:", err)
		return 1
	}
	if *keep {
		fmt.Println("work dir:", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "feedsoak: "+format+"\n", args...)
		fmt.Fprintln(os.Stderr, "daemon log:", filepath.Join(tmp, "serve.log"), "(kept)")
		*keep = true
		return 1
	}
	if *bin == "" {
		*bin = filepath.Join(tmp, "feedgen")
		cmd := exec.Command("go", "build", "-o", *bin, "feedgen/cmd/feedgen")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fail("go build: %v", err)
		}
	}
	src, out, built := filepath.Join(tmp, "src"), filepath.Join(tmp, "out"), filepath.Join(tmp, "built")
	mut, err := soak.Generate(src, *articles, *seed)
	if err != nil {
		return fail("generate: %v", err)
	}
	fmt.Printf("seed %d, %d articles, %d ops over %v, %d clients\n", *seed, *articles, *nops, *duration, *clients)

	// Start the daemon on a kernel-chosen port; its "serving" log line
	// says which.
	logf, err := os.Create(filepath.Join(tmp, "serve.log"))
	if err != nil {
		return fail("%v", err)
	}
	defer logf.Close()
	daemon := exec.Command(*bin, "serve", "-src", src, "-out", out, "-addr", "127.0.0.1:0",
		"-base-url", baseURL, "-log-format", "json")
	stderr, err := daemon.StderrPipe()
	if err != nil {
		return fail("%v", err)
	}
	if err := daemon.Start(); err != nil {
		return fail("starting feedgen serve: %v", err)
	}
	exited := make(chan error, 1)
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			fmt.Fprintf(logf, "%s\n", line)
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "serving" {
				select {
				case addrc <- rec.Addr:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		exited <- daemon.Wait()
	}()
	defer func() {
		if daemon.ProcessState == nil {
			_ = daemon.Process.Kill()
		}
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-exited:
		return fail("feedgen serve exited at start: %v", err)
	case <-time.After(60 * time.Second):
		return fail("feedgen serve did not start listening within 60s")
	}
	base := "http://" + addr
	pid := strconv.Itoa(daemon.Process.Pid)
	fmt.Println("daemon pid", pid, "at", base)

	// Load, operations and sampling run together for the duration. The
	// operations are paced evenly but never skipped: if the machine
	// stalls they catch up, and the run lasts until both the duration has
	// passed and every operation is done (at most three durations).
	start := time.Now()
	hardStop := start.Add(3 * *duration)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	load := &soak.Load{Base: base, Workers: *clients, Pause: time.Millisecond}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); load.Run(ctx) }()

	var opsDone atomic.Int64
	var opErr error
	opsFinished := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(opsFinished)
		interval := *duration / time.Duration(max(*nops, 1))
		for i := range *nops {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(d):
				}
			}
			if ctx.Err() != nil {
				return
			}
			if _, err := mut.Step(); err != nil {
				opErr = err
				return
			}
			opsDone.Add(1)
		}
	}()

	var samples []sample
	tick := time.NewTicker(*every)
	take := func() error {
		s, err := soak.ReadProc(pid)
		if err != nil {
			return err
		}
		at := time.Since(start).Round(time.Second)
		if n := len(samples); n > 0 && at-samples[n-1].at > 3**every {
			fmt.Printf("note: %v between samples (machine stalled?)\n", at-samples[n-1].at)
		}
		samples = append(samples, sample{at, s, load.Requests.Load(), load.Failures.Load()})
		last := samples[len(samples)-1]
		fmt.Printf("%6v rss %6d KiB threads %3d fds %3d requests %8d failures %d ops %d\n",
			last.at, last.RSSKiB, last.Threads, last.FDs, last.requests, last.failures, opsDone.Load())
		return nil
	}
	if err := take(); err != nil {
		cancel()
		return fail("sampling: %v", err)
	}
	finished := false
sampling:
	for {
		select {
		case err := <-exited:
			cancel()
			return fail("feedgen serve died: %v", err)
		case <-opsFinished:
			opsFinished = nil
			finished = true
		case <-tick.C:
			if err := take(); err != nil {
				cancel()
				return fail("sampling: %v", err)
			}
			if (finished && time.Since(start) >= *duration) || time.Now().After(hardStop) {
				break sampling
			}
		}
	}
	tick.Stop()
	cancel()
	wg.Wait()
	if opErr != nil {
		return fail("file operation: %v", opErr)
	}

	// Quiet: the last batch is published within max-delay; then build
	// and compare, retrying briefly in case a regeneration was running.
	time.Sleep(2 * time.Second)
	bcmd := exec.Command(*bin, "build", "-src", src, "-out", built, "-base-url", baseURL, "-allow-invalid", "-log-format", "json")
	if b, err := bcmd.CombinedOutput(); err != nil {
		return fail("feedgen build: %v\n%s", err, b)
	}
	want, err := soak.ReadTree(built)
	if err != nil {
		return fail("%v", err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	var cmpErr error
	for range 10 {
		if cmpErr = soak.CompareServed(client, base, want); cmpErr == nil {
			break
		}
		time.Sleep(time.Second)
	}
	var diskErr error
	if got, err := soak.ReadTree(out); err != nil {
		diskErr = err
	} else {
		diskErr = diffTrees(want, got)
	}

	// Graceful stop.
	_ = daemon.Process.Signal(syscall.SIGTERM)
	var exitErr error
	select {
	case exitErr = <-exited:
	case <-time.After(30 * time.Second):
		exitErr = errors.New("did not exit 30s after SIGTERM")
		_ = daemon.Process.Kill()
	}

	// Summary.
	mark := time.Minute
	if *duration < 4*time.Minute {
		mark = *duration / 4
	}
	var ref sample
	for _, s := range samples {
		if s.at >= mark {
			ref = s
			break
		}
	}
	last := samples[len(samples)-1]
	rssMin, rssMax, fdMin, fdMax, thMax := last.RSSKiB, last.RSSKiB, last.FDs, last.FDs, last.Threads
	for _, s := range samples {
		rssMin, rssMax = min(rssMin, s.RSSKiB), max(rssMax, s.RSSKiB)
		fdMin, fdMax = min(fdMin, s.FDs), max(fdMax, s.FDs)
		thMax = max(thMax, s.Threads)
	}
	var problems []string
	if int(opsDone.Load()) < *nops {
		problems = append(problems, fmt.Sprintf("only %d of %d operations done", opsDone.Load(), *nops))
	}
	if n := load.Failures.Load(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d request failures, first: %s", n, strings.Join(load.Samples(), "; ")))
	}
	if cmpErr != nil {
		problems = append(problems, "served differs from build: "+cmpErr.Error())
	}
	if diskErr != nil {
		problems = append(problems, "-out tree differs from build: "+diskErr.Error())
	}
	if exitErr != nil {
		problems = append(problems, fmt.Sprintf("daemon exit on SIGTERM: %v", exitErr))
	}
	if ref.RSSKiB > 0 && float64(last.RSSKiB) > 1.5*float64(ref.RSSKiB) {
		problems = append(problems, fmt.Sprintf("RSS grew from %d KiB at %v to %d KiB", ref.RSSKiB, ref.at, last.RSSKiB))
	}
	if ref.FDs > 0 && last.FDs > ref.FDs+20 {
		problems = append(problems, fmt.Sprintf("fds grew from %d at %v to %d", ref.FDs, ref.at, last.FDs))
	}
	names := make([]string, 0, len(mut.Counts))
	for k := range mut.Counts {
		names = append(names, k)
	}
	sort.Strings(names)
	var kinds []string
	for _, k := range names {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, mut.Counts[k]))
	}
	fmt.Println("---- feedsoak summary ----")
	fmt.Printf("duration      %v (seed %d)\n", time.Since(start).Round(time.Second), *seed)
	fmt.Printf("ops done      %d of %d (%s)\n", opsDone.Load(), *nops, strings.Join(kinds, " "))
	fmt.Printf("requests      %d, failures %d, max latency %v\n", load.Requests.Load(), load.Failures.Load(), time.Duration(load.MaxLatency.Load()).Round(time.Millisecond))
	fmt.Printf("RSS KiB       min %d max %d at-%v %d last %d\n", rssMin, rssMax, ref.at, ref.RSSKiB, last.RSSKiB)
	fmt.Printf("fds           min %d max %d at-%v %d last %d\n", fdMin, fdMax, ref.at, ref.FDs, last.FDs)
	fmt.Printf("threads       max %d last %d (goroutines: not observable from outside)\n", thMax, last.Threads)
	fmt.Printf("served==build %v (%d files)\n", cmpErr == nil, len(want))
	fmt.Printf("out==build    %v\n", diskErr == nil)
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Println("FAIL:", p)
		}
		*keep = true
		fmt.Println("work dir kept:", tmp)
		return 1
	}
	fmt.Println("PASS")
	return 0
}

// diffTrees reports the paths where got differs from want.
func diffTrees(want, got map[string][]byte) error {
	var errs []error
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: missing", p))
		case string(g) != string(w):
			errs = append(errs, fmt.Errorf("%s: differs", p))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			errs = append(errs, fmt.Errorf("%s: extra", p))
		}
	}
	if len(errs) > 10 {
		errs = append(errs[:10], fmt.Errorf("and %d more", len(errs)-10))
	}
	return errors.Join(errs...)
}
