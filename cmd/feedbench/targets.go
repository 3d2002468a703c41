package main

import (
	"fmt"
	"slices"
	"time"
)

// target is one goal of the performance work, evaluated.
type target struct {
	name, goal, value, verdict string
}

// judge is a target's verdict.
func judge(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

// notMeasured is the row of a target the run did not measure.
func notMeasured(name, goal string) target {
	return target{name, goal, "not measured", "n/a"}
}

// skipped is the row of a target the binary cannot be measured against.
func skipped(name, goal, why string) target {
	return target{name, goal, "skipped: " + why, "n/a"}
}

// Stated goals per corpus size.
var (
	buildRSSGoalSizes  = []int{50000, 1000000}                      // build peak RSS ≤ 100 MB
	rebuildGoalSizes   = []int{50000, 1000000}                      // rebuild with state ≤ 0.3 × cat
	daemonRSSGoalMB    = map[int]float64{100000: 150, 1000000: 200} // daemon VmRSS
	restartGoalSeconds = map[int]float64{100000: 1, 1000000: 10}    // restart → first 200
	latencyRatioSizes  = []int{100000, 1000000}                     // latency at N ≤ 1.5 × latency at 1k
)

// targets evaluates the goals. Build figures are warm-cache medians. A
// goal stated for a size the run did not measure gets a "not measured"
// row, so that the table always lists every goal.
func targets(b *bench, res *results) []target {
	var ts []target
	add := func(t target) { ts = append(ts, t) }

	// Build.
	{
		name, goal := "first build (no state) / cat at 50k (warm, medians)", "≤ 1.0"
		if r := buildFor(res, 50000); r != nil {
			ratio := summarize(r.BuildWarm).Med / summarize(r.CatWarm).Med
			add(target{name, goal, fmt.Sprintf("%.2f", ratio), judge(ratio <= 1.0)})
		} else {
			add(notMeasured(name, goal))
		}
	}
	for _, n := range rebuildGoalSizes {
		name, goal := fmt.Sprintf("rebuild with a warm state, no change / cat at %s (warm, medians)", kn(n)), "≤ 0.3"
		switch r := buildFor(res, n); {
		case r == nil:
			add(notMeasured(name, goal))
		case r.State == "":
			add(skipped(name, goal, "feedgen build has no -state"))
		default:
			ratio := summarize(r.Rebuild).Med / summarize(r.CatWarm).Med
			add(target{name, goal, fmt.Sprintf("%.2f", ratio), judge(ratio <= 0.3)})
		}
	}
	for _, n := range buildRSSGoalSizes {
		name, goal := fmt.Sprintf("build peak RSS at %s (larger of the first-build and rebuild medians)", kn(n)), "≤ 100 MB"
		if r := buildFor(res, n); r != nil {
			kib := max(summarize(r.RSSWarm).Med, summarize(r.RSSRebuild).Med)
			add(target{name, goal, fmtMB(kib), judge(mb(kib) <= 100)})
		} else {
			add(notMeasured(name, goal))
		}
	}

	// Daemon: latency.
	limit := b.cfg.debounce + 10*time.Millisecond
	for _, d := range res.Daemons {
		name, goal := fmt.Sprintf("update latency at %s (median)", kn(d.N)), "≤ debounce + 10ms = "+limit.String()
		if len(d.Edits.Latency) == 0 {
			add(notMeasured(name, goal))
			continue
		}
		m := summarize(d.Edits.Latency).Med
		add(target{name, goal, fmtSec(m), judge(m <= limit.Seconds())})
	}
	for _, n := range latencyRatioSizes {
		name, goal := fmt.Sprintf("update latency %s / 1k (medians)", kn(n)), "≤ 1.5"
		small, big := daemonFor(res, 1000), daemonFor(res, n)
		if small == nil || big == nil {
			add(notMeasured(name, goal))
			continue
		}
		r := summarize(big.Edits.Latency).Med / summarize(small.Edits.Latency).Med
		add(target{name, goal, fmt.Sprintf("%.2f", r), judge(r <= 1.5)})
	}

	// Daemon and restart: memory.
	for _, n := range sortedKeys(daemonRSSGoalMB) {
		goalMB := daemonRSSGoalMB[n]
		goal := fmt.Sprintf("≤ %.0f MB", goalMB)
		name := fmt.Sprintf("daemon VmRSS at %s, started without state (larger of: after start, after %d edits)", kn(n), b.cfg.edits)
		var d *daemonResult
		for _, x := range res.Daemons {
			if x.N == n && x.MemStart.VmRSS > 0 {
				d = x
			}
		}
		if d != nil {
			kib := float64(max(d.MemStart.VmRSS, d.MemAfter.VmRSS))
			add(target{name, goal, fmtMB(kib), judge(mb(kib) <= goalMB)})
		} else {
			add(notMeasured(name, goal))
		}
		name = fmt.Sprintf("daemon VmRSS at %s, restarted with a valid state (larger of: after start, after %d edits)", kn(n), b.cfg.edits)
		switch r := restartFor(res, n); {
		case r == nil:
			add(notMeasured(name, goal))
		case r.Skipped != "":
			add(skipped(name, goal, "feedgen serve has no -state"))
		case r.MemStart.VmRSS == 0:
			add(notMeasured(name, goal))
		default:
			kib := float64(max(r.MemStart.VmRSS, r.MemAfter.VmRSS))
			add(target{name, goal, fmtMB(kib), judge(mb(kib) <= goalMB)})
		}
	}

	// Start-up.
	{
		name, goal := "daemon cold start (no state) at 100k vs first build", "≤ first build time (warm median)"
		var top *daemonResult
		for _, d := range res.Daemons {
			if d.N == 100000 && d.ColdStart > 0 {
				top = d
			}
		}
		if r := buildFor(res, 100000); r != nil && top != nil {
			bt := summarize(r.BuildWarm).Med
			add(target{name, goal, fmt.Sprintf("%s vs %s", fmtSec(top.ColdStart), fmtSec(bt)), judge(top.ColdStart <= bt)})
		} else {
			add(notMeasured(name, goal))
		}
	}
	for _, n := range sortedKeys(restartGoalSeconds) {
		sec := restartGoalSeconds[n]
		name, goal := fmt.Sprintf("restart with a valid state, nothing changed, at %s: process start → first 200 on /rss.xml (median)", kn(n)), "≤ "+fmtSec(sec)
		switch r := restartFor(res, n); {
		case r == nil:
			add(notMeasured(name, goal))
		case r.Skipped != "":
			add(skipped(name, goal, "feedgen serve has no -state"))
		case len(r.FirstOK) == 0:
			add(notMeasured(name, goal))
		default:
			m := summarize(r.FirstOK).Med
			add(target{name, goal, fmtSec(m), judge(m <= sec)})
		}
	}

	// HTTP.
	if h := res.HTTP; h != nil && len(h.Scenarios) > 0 && len(h.Scenarios[0].Feedgen) > 0 {
		for _, sc := range h.Scenarios {
			r := rpsMed(sc.Feedgen) / rpsMed(sc.Nginx)
			add(target{"HTTP rps feedgen / nginx, " + sc.Name, "≥ 1.0", fmt.Sprintf("%.2f", r), judge(r >= 1.0)})
		}
	} else {
		add(notMeasured("HTTP rps feedgen / nginx", "≥ 1.0"))
	}
	return ts
}

// buildFor is the build result at n articles that has warm runs, or nil.
func buildFor(res *results, n int) *buildResult {
	for _, r := range res.Builds {
		if r.Corpus.N == n && len(r.BuildWarm) > 0 {
			return r
		}
	}
	return nil
}

// daemonFor is the daemon result at n articles that has latencies, or nil.
func daemonFor(res *results, n int) *daemonResult {
	for _, d := range res.Daemons {
		if d.N == n && len(d.Edits.Latency) > 0 {
			return d
		}
	}
	return nil
}

// restartFor is the restart result at n articles, or nil.
func restartFor(res *results, n int) *restartResult {
	for _, r := range res.Restarts {
		if r.N == n {
			return r
		}
	}
	return nil
}

// mb converts KiB to MB (10^6 bytes): the memory targets are stated in MB.
func mb(kib float64) float64 { return kib * 1024 / 1e6 }

// fmtMB formats KiB as MB, with MiB beside it (the tables use MiB).
func fmtMB(kib float64) string {
	return fmt.Sprintf("%.1f MB (%.1f MiB)", mb(kib), kib/1024)
}

// sortedKeys returns the keys of m in increasing order.
func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
