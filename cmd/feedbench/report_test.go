package main

import (
	"strings"
	"testing"
	"time"
)

// fakeResults are figures shaped like a run with every section, at 1k,
// 50k, 100k and 1M.
func fakeResults(state bool) (*bench, *results) {
	b := &bench{cfg: runConfig{
		sizes: []int{1000, 50000, 1000000}, daemonSizes: []int{1000, 100000, 1000000},
		runs: 1, edits: 100, restarts: 3, debounce: 50 * time.Millisecond, settle: 2 * time.Second,
		editGap: 200 * time.Millisecond, editTimeout: time.Minute, sections: allSections(),
		workdir: "WORKDIR", baseURL: "http://bench.example/",
	}, stateBuild: state, stateServe: state, straceWhy: "strace is not installed"}
	res := &results{Start: time.Now(), HTTP: &httpResult{Skipped: "test"}}
	stateDir := ""
	if state {
		stateDir = "WORKDIR/state/build-n"
	}
	for _, n := range []int{1000, 50000, 1000000} {
		res.Corpora = append(res.Corpora, corpusInfo{N: n, Dir: "/c", Bytes: int64(n) * 7000})
		res.Builds = append(res.Builds, &buildResult{
			Corpus: corpusInfo{N: n}, Runs: 1, State: stateDir,
			CatWarm: []float64{1.0}, BuildWarm: []float64{0.9}, Rebuild: []float64{0.25},
			CPUWarm: []float64{1}, CPURebuild: []float64{0.3},
			RSSWarm: []float64{90000}, RSSRebuild: []float64{100000}, // 92.2 MB, 102.4 MB
			CatIO:   []ioStats{{RChar: int64(n) * 7000, SyscR: int64(n) * 2, OK: true}},
			BuildIO: []ioStats{{RChar: int64(n) * 6000, SyscR: int64(n) * 2, OK: true}},
		})
	}
	mem := func(kib int64) memStats { return memStats{VmRSS: kib, VmHWM: kib, RssAnon: kib - 9000, RssFile: 9000} }
	res.Daemons = []*daemonResult{
		{N: 1000, ColdStart: 1, GzipReady: 1.5, MemStart: mem(100000), MemAfter: mem(110000),
			Edits: editStats{Requested: 100, Made: 100, Latency: []float64{0.060}, CatLat: []float64{0.05}, MainLat: []float64{0.06}}},
		{N: 100000, ColdStart: 8, GzipReady: 10, MemStart: mem(600000), MemAfter: mem(500000),
			Edits: editStats{Requested: 100, Made: 100, Latency: []float64{0.080}}},
		{N: 1000000, ColdStart: 80, GzipReady: 90, MemStart: mem(190000), MemAfter: mem(195000), // 199.7 MB
			Edits: editStats{Requested: 100, Made: 100, Latency: []float64{0.095}}},
	}
	if state {
		res.Restarts = []*restartResult{
			{N: 1000, FirstOK: []float64{0.1}},
			{N: 100000, FirstOK: []float64{0.8, 0.9, 1.5}, MemStart: mem(150000), MemAfter: mem(140000)}, // 153.6 MB
			{N: 1000000, FirstOK: []float64{12}, MemStart: mem(100000), MemAfter: mem(100000)},
		}
	} else {
		for _, n := range b.cfg.daemonSizes {
			res.Restarts = append(res.Restarts, &restartResult{N: n, Skipped: "no -state"})
		}
	}
	return b, res
}

// verdicts indexes targets by name.
func verdicts(ts []target) map[string]target {
	m := map[string]target{}
	for _, t := range ts {
		m[t.name] = t
	}
	return m
}

func TestTargetsWithState(t *testing.T) {
	t.Parallel()
	b, res := fakeResults(true)
	ts := verdicts(targets(b, res))
	check := func(name, verdict, value string) {
		t.Helper()
		got, ok := ts[name]
		if !ok {
			var names []string
			for n := range ts {
				names = append(names, n)
			}
			t.Fatalf("no target %q among:\n%s", name, strings.Join(names, "\n"))
		}
		if got.verdict != verdict || !strings.Contains(got.value, value) {
			t.Errorf("%s: %q %s, want %q containing %q", name, got.value, got.verdict, verdict, value)
		}
	}
	check("first build (no state) / cat at 50k (warm, medians)", "PASS", "0.90")
	check("rebuild with a warm state, no change / cat at 50k (warm, medians)", "PASS", "0.25")
	check("rebuild with a warm state, no change / cat at 1M (warm, medians)", "PASS", "0.25")
	check("build peak RSS at 50k (larger of the first-build and rebuild medians)", "MISS", "102.4 MB")
	check("update latency at 1k (median)", "PASS", "60.0 ms")
	check("update latency at 1M (median)", "MISS", "95.0 ms")
	check("update latency 100k / 1k (medians)", "PASS", "1.33")
	check("update latency 1M / 1k (medians)", "MISS", "1.58")
	check("daemon VmRSS at 100k, started without state (larger of: after start, after 100 edits)", "MISS", "614.4 MB")
	check("daemon VmRSS at 1M, started without state (larger of: after start, after 100 edits)", "PASS", "199.7 MB")
	check("daemon VmRSS at 100k, restarted with a valid state (larger of: after start, after 100 edits)", "MISS", "153.6 MB")
	check("daemon VmRSS at 1M, restarted with a valid state (larger of: after start, after 100 edits)", "PASS", "102.4 MB")
	check("restart with a valid state, nothing changed, at 100k: process start → first 200 on /rss.xml (median)", "PASS", "900.0 ms")
	check("restart with a valid state, nothing changed, at 1M: process start → first 200 on /rss.xml (median)", "MISS", "12.0 s")
	check("daemon cold start (no state) at 100k vs first build", "n/a", "not measured")
	check("HTTP rps feedgen / nginx", "n/a", "not measured")
}

func TestTargetsWithoutState(t *testing.T) {
	t.Parallel()
	b, res := fakeResults(false)
	ts := verdicts(targets(b, res))
	for _, name := range []string{
		"rebuild with a warm state, no change / cat at 50k (warm, medians)",
		"daemon VmRSS at 100k, restarted with a valid state (larger of: after start, after 100 edits)",
		"restart with a valid state, nothing changed, at 1M: process start → first 200 on /rss.xml (median)",
	} {
		if got := ts[name]; got.verdict != "n/a" || !strings.HasPrefix(got.value, "skipped: ") {
			t.Errorf("%s: %q %q, want skipped", name, got.value, got.verdict)
		}
	}
	if got := ts["first build (no state) / cat at 50k (warm, medians)"]; got.verdict != "PASS" {
		t.Errorf("first build without -state support: %+v", got)
	}
}

func TestRenderReport(t *testing.T) {
	t.Parallel()
	for _, state := range []bool{true, false} {
		b, res := fakeResults(state)
		r := renderReport(b, res)
		for _, want := range []string{
			"### Build vs cat", "#### Build memory, bytes read and system calls", "### Daemon", "### Restart with a valid state",
			"### Targets", "| 50000 | 1 | 1.00 s | 900.0 ms | 0.90 | 250.0 ms | 0.25 |",
			"| 1000 | 87.9 MiB | 97.7 MiB | 6.84 KiB | 5.86 KiB | n/a |",
		} {
			if !strings.Contains(r, want) {
				t.Errorf("state=%v: report lacks %q:\n%s", state, want, r)
			}
		}
		if !state && !strings.Contains(r, "**feedgen has no `-state` flag**") {
			t.Errorf("no note on the missing -state flag:\n%s", r)
		}
		if state && !strings.Contains(r, "| 100000 | n/a / n/a | 0 files, 0 B | 900.0 ms (800.0 ms – 1.50 s) |") {
			t.Errorf("restart row:\n%s", r)
		}
		// Every table row has as many cells as its header.
		var cols int
		for line := range strings.SplitSeq(r, "\n") {
			if !strings.HasPrefix(line, "|") {
				cols = 0
				continue
			}
			n := strings.Count(line, "|")
			if cols == 0 {
				cols = n
			} else if n != cols {
				t.Errorf("state=%v: row with %d cells under a header of %d: %s", state, n-1, cols-1, line)
			}
		}
	}
}

func TestKn(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1000: "1k", 50000: "50k", 1000000: "1M", 2000000: "2M", 1500000: "1500k", 1234: "1234"} {
		if got := kn(n); got != want {
			t.Errorf("kn(%d) = %q, want %q", n, got, want)
		}
	}
}
