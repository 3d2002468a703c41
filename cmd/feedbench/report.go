package main

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// machineInfo describes where the benchmark ran.
type machineInfo struct {
	Nproc, CPU, Go, Kernel, Mem, Date, Rev string
}

func gatherMachineInfo() machineInfo {
	m := machineInfo{
		Nproc:  commandOutput("nproc"),
		Go:     commandOutput("go", "version"),
		Kernel: commandOutput("uname", "-srm"),
		Date:   time.Now().Format(time.RFC3339),
	}
	if m.Nproc == "" {
		m.Nproc = fmt.Sprint(runtime.NumCPU())
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.Mem = firstLine(strings.TrimPrefix(string(b), "MemTotal:"))
	}
	if rev := commandOutput("git", "rev-parse", "--short", "HEAD"); rev != "" {
		if commandOutput("git", "status", "--porcelain", "--untracked-files=no") != "" {
			rev += " (with uncommitted changes)"
		}
		m.Rev = rev
	}
	return m
}

// shellQuote quotes s for a POSIX shell when needed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,=:+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// target is one goal of the performance work, evaluated.
type target struct {
	name, goal, value, verdict string
}

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

func buildFor(res *results, n int) *buildResult {
	for _, r := range res.Builds {
		if r.Corpus.N == n && len(r.BuildWarm) > 0 {
			return r
		}
	}
	return nil
}

func daemonFor(res *results, n int) *daemonResult {
	for _, d := range res.Daemons {
		if d.N == n && len(d.Edits.Latency) > 0 {
			return d
		}
	}
	return nil
}

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

// Stated goals per corpus size.
var (
	buildRSSGoalSizes  = []int{50000, 1000000}                      // build peak RSS ≤ 100 MB
	rebuildGoalSizes   = []int{50000, 1000000}                      // rebuild with state ≤ 0.3 × cat
	daemonRSSGoalMB    = map[int]float64{100000: 150, 1000000: 200} // daemon VmRSS
	restartGoalSeconds = map[int]float64{100000: 1, 1000000: 10}    // restart → first 200
	latencyRatioSizes  = []int{100000, 1000000}                     // latency at N ≤ 1.5 × latency at 1k
)

// sortedKeys returns the keys of m in increasing order.
func sortedKeys[V any](m map[int]V) []int {
	ks := make([]int, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

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

func rpsMed(rs []wrkResult) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = r.RPS
	}
	return summarize(xs).Med
}

func fmtRPS(rs []wrkResult) string {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = r.RPS
	}
	s := summarize(xs)
	if s.N <= 1 {
		return fmt.Sprintf("%.0f", s.Med)
	}
	return fmt.Sprintf("%.0f (%.0f – %.0f)", s.Med, s.Min, s.Max)
}

func bytesPerReq(rs []wrkResult) string {
	xs := make([]float64, len(rs))
	bad := 0
	for i, r := range rs {
		xs[i] = r.BytesPerReq
		bad += r.Non2xx3xx
	}
	s := fmt.Sprintf("%.0f", summarize(xs).Med)
	if bad > 0 {
		s += fmt.Sprintf(" (**%d non-2xx/3xx**)", bad)
	}
	return s
}

// kn formats a corpus size: 1000 → 1k, 1000000 → 1M.
func kn(n int) string {
	if n%1000000 == 0 {
		return fmt.Sprintf("%dM", n/1000000)
	}
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

// renderReport renders the results as one Markdown section.
func renderReport(b *bench, res *results) string {
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	m := res.Machine
	p("## feedbench %s\n\n", m.Date)
	quoted := make([]string, len(b.cfg.args))
	for i, a := range b.cfg.args {
		quoted[i] = shellQuote(a)
	}
	p("Command: `go run ./cmd/feedbench run %s`\n\n", strings.Join(quoted, " "))
	p("| machine | |\n|---|---|\n")
	p("| nproc | %s |\n| CPU | %s |\n| memory | %s |\n| kernel | %s |\n| go | %s |\n| date | %s |\n| feedgen revision | %s |\n| wall time of this run | %s |\n\n",
		m.Nproc, m.CPU, m.Mem, m.Kernel, m.Go, m.Date, orNA(m.Rev), res.Duration.Round(time.Second))

	p("Sections: %s (`-sections`). ", b.cfg.sections.String())
	switch {
	case b.stateBuild && b.stateServe:
		p("feedgen has `-state` (build and serve): state-specific measurements made.\n\n")
	case b.stateBuild || b.stateServe:
		p("feedgen has `-state` only for %s: the others' state-specific measurements skipped.\n\n", map[bool]string{true: "build", false: "serve"}[b.stateBuild])
	default:
		p("**feedgen has no `-state` flag** (`feedgen build -h`, `feedgen serve -h`): the state-specific measurements (rebuild with a warm state, restart) are skipped.\n\n")
	}

	p("### Corpora\n\n")
	p("Synthetic (`feedbench corpus`, seed %d): 40 Zipf-sized categories with one tag each, 3–24 KB CJK bodies (median ≈ 6.5 KB), ~30%% with the hidden stock-image prefix, dates over 2022–2024 (+0800) unrelated to file-name order.\n\n", b.cfg.seed)
	p("| articles | bytes | directory |\n|---:|---:|---|\n")
	for _, c := range res.Corpora {
		p("| %d | %s | `%s` |\n", c.N, fmtBytes(c.Bytes), c.Dir)
	}

	renderBuild(p, b, res)
	renderDaemon(p, b, res)
	renderRestart(p, b, res)

	p("\n### HTTP: feedgen serve vs nginx\n\n")
	h := res.HTTP
	switch {
	case h == nil:
		p("Not run.\n")
	case h.Skipped != "":
		p("Skipped: %s.\n", h.Skipped)
	default:
		p("Corpus %d articles, `-limit %d`; feed `%s` (%s plain; gzip: feedgen %s, nginx `gzip -9 -n` file %s). ", h.N, h.Limit, h.Path, fmtBytes(int64(h.FeedBytes)), fmtBytes(int64(h.FeedgenGzip)), fmtBytes(int64(h.NginxGzip)))
		p("nginx serves `feedgen build` output of the same corpus with the same flags (config `%s`: worker_processes 2, access_log off, sendfile, open_file_cache, keepalive_requests 1000000, etag on, gzip_static on). ", h.NginxConf)
		p("Verified before measuring: identical plain bodies, gzip bodies that decompress to them, 304 for If-None-Match with each server's ETag. ")
		p("`wrk -t%d -c%d -d%s` on 127.0.0.1, %d run(s) per cell, servers alternating; median (min – max) requests/s. %s; %s.\n\n", b.cfg.wrkThreads, b.cfg.wrkConns, b.cfg.httpDuration, b.cfg.httpRuns, orNA(h.WrkVersion), orNA(h.Nginx))
		if len(h.Scenarios) > 0 && len(h.Scenarios[0].Feedgen) > 0 {
			p("| request | feedgen rps | nginx rps | feedgen/nginx | bytes/response feedgen | bytes/response nginx |\n|---|---:|---:|---:|---:|---:|\n")
			for _, sc := range h.Scenarios {
				if len(sc.Feedgen) == 0 || len(sc.Nginx) == 0 {
					continue
				}
				p("| %s | %s | %s | %.2f | %s | %s |\n", sc.Name, fmtRPS(sc.Feedgen), fmtRPS(sc.Nginx), rpsMed(sc.Feedgen)/rpsMed(sc.Nginx), bytesPerReq(sc.Feedgen), bytesPerReq(sc.Nginx))
			}
		}
		if h.Err != nil {
			p("\n**error**: %s\n", oneLine(h.Err.Error()))
		}
	}

	p("\n### Targets\n\n| target | goal | measured | verdict |\n|---|---|---:|---|\n")
	for _, t := range targets(b, res) {
		p("| %s | %s | %s | %s |\n", t.name, t.goal, t.value, t.verdict)
	}
	p("\n")
	return w.String()
}

func orNA(s string) string {
	if s == "" {
		return "n/a"
	}
	return s
}

// oneLine makes an error message fit a Markdown list item.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ⏎ ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}

// printer is the report's printf.
type printer func(format string, args ...any)

// ioMed is the median of one /proc/PID/io field over the samples that
// were read; NaN when none was.
func ioMed(xs []ioStats, f func(ioStats) int64) float64 {
	var v []float64
	for _, x := range xs {
		if x.OK {
			v = append(v, float64(f(x)))
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	return summarize(v).Med
}

func rchar(s ioStats) int64     { return s.RChar }
func readBytes(s ioStats) int64 { return s.ReadBytes }
func syscr(s ioStats) int64     { return s.SyscR }

// perArticleBytes formats bytes per article.
func perArticleBytes(total float64, n int) string {
	if math.IsNaN(total) || n == 0 {
		return "n/a"
	}
	v := total / float64(n)
	if v >= 10<<10 {
		return fmt.Sprintf("%.1f KiB", v/1024)
	}
	if v >= 1024 {
		return fmt.Sprintf("%.2f KiB", v/1024)
	}
	return fmt.Sprintf("%.0f B", v)
}

// perArticle formats a count per article.
func perArticle(total float64, n int) string {
	if math.IsNaN(total) || n == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", total/float64(n))
}

func straceTotal(c *straceCounts) float64 {
	if c == nil {
		return math.NaN()
	}
	return float64(c.Total)
}

// topCalls lists the most frequent system calls per article, down to
// 0.01 per article, at most k.
func topCalls(c *straceCounts, n, k int) string {
	if c == nil {
		return "n/a"
	}
	names := make([]string, 0, len(c.Calls))
	for name := range c.Calls {
		names = append(names, name)
	}
	slices.SortFunc(names, func(x, y string) int {
		if c.Calls[x] != c.Calls[y] {
			return cmp.Compare(c.Calls[y], c.Calls[x])
		}
		return strings.Compare(x, y)
	})
	var parts []string
	for _, name := range names {
		v := float64(c.Calls[name]) / float64(n)
		if len(parts) == k || v < 0.01 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", name, v))
	}
	return strings.Join(parts, ", ")
}

func ratioOrNA(a, b stat) string {
	if a.N == 0 || b.N == 0 || b.Med == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a.Med/b.Med)
}

// renderBuild writes the build section.
func renderBuild(p printer, b *bench, res *results) {
	p("\n### Build vs cat\n\n")
	if !b.cfg.sections["build"] {
		p("Not run (not in `-sections`).\n")
		return
	}
	p("`cat` = `%s`; build = `feedgen build -src DIR -out OUT -base-url %s", strings.ReplaceAll(catScript, `"$1"`, "DIR"), b.cfg.baseURL)
	if b.stateBuild {
		p(" -state STATE`, STATE = `%s/state/build-nN`. **First build** = OUT and STATE removed first (no state); **rebuild** = again with OUT and STATE kept and nothing changed (a warm state). ", b.cfg.workdir)
	} else {
		p("`. feedgen has no `-state`, so there is no state to keep: **first build** = OUT removed first; **rebuild** = again into the existing OUT, nothing changed (not a rebuild with a warm state: that target is skipped). ")
	}
	p("Warm: after one untimed warm-up of each, rounds of cat → first build → rebuild. ")
	if b.cold {
		p("Cold: `sync; echo 3 > /proc/sys/vm/drop_caches` before each cat and each first build.")
	} else {
		p("Cold: not measured — %s.", b.coldWy)
	}
	p(" Median (min – max) of the runs.\n\n")
	p("| articles | runs | cat warm | first build | first build / cat | rebuild (no change) | rebuild / cat | CPU first build (user+sys) | CPU rebuild |")
	if b.cold {
		p(" cat cold | first build cold | build/cat cold |")
	}
	p("\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	if b.cold {
		p("---:|---:|---:|")
	}
	p("\n")
	var notes []string
	for _, r := range res.Builds {
		if len(r.BuildWarm) == 0 {
			p("| %d | 0 | failed | | | | | | |", r.Corpus.N)
			if b.cold {
				p(" | | |")
			}
			p("\n")
			continue
		}
		cw, bw, rb := summarize(r.CatWarm), summarize(r.BuildWarm), summarize(r.Rebuild)
		p("| %d | %d | %s | %s | %s | %s | %s | %s | %s |", r.Corpus.N, r.Runs, fmtStatSec(cw), fmtStatSec(bw), ratioOrNA(bw, cw),
			fmtStatSec(rb), ratioOrNA(rb, cw), fmtStatSec(summarize(r.CPUWarm)), fmtStatSec(summarize(r.CPURebuild)))
		if b.cold {
			cc, bc := summarize(r.CatCold), summarize(r.BuildCold)
			p(" %s | %s | %s |", fmtStatSec(cc), fmtStatSec(bc), ratioOrNA(bc, cc))
		}
		p("\n")
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("n=%d: %s", r.Corpus.N, r.Note))
		}
		note := fmt.Sprintf("n=%d: output %d files, %s", r.Corpus.N, r.OutFiles, fmtBytes(r.OutBytes))
		if r.State != "" {
			note += fmt.Sprintf("; state %d files, %s", r.StateFiles, fmtBytes(r.StateBytes))
		}
		notes = append(notes, note+fmt.Sprintf("; warm-up cat %s, first build %s", fmtSec(r.WarmupCat), fmtSec(r.WarmupBd)))
	}
	for _, e := range res.BuildErrs {
		notes = append(notes, "**error** "+e)
	}
	for _, n := range notes {
		p("\n- %s", n)
	}
	p("\n")

	p("\n#### Build memory, bytes read and system calls\n\n")
	p("Peak RSS is the child's `ru_maxrss` (= VmHWM). Bytes read and read calls come from the child's `/proc/PID/io`, read after it exited and before it was reaped (`waitid(WEXITED|WNOWAIT)`), so they are its final counters; for `cat` they are the shell's, which include the `find`, `xargs` and `cat` it reaped. ")
	p("`rchar` counts the bytes that `read`-like calls returned, from the page cache or not; `read_bytes` what had to come from the disk (0 with a warm page cache); `syscr` counts read calls only. ")
	if b.straceBin != "" {
		p("All system calls: `strace -f -c` on one more untimed run of each (cat, first build, rebuild).")
	} else {
		p("All system calls: not counted — %s.", b.straceWhy)
	}
	p(" Per article, medians of the warm runs.\n\n")
	p("| articles | peak RSS first build | peak RSS rebuild | rchar cat | rchar first build | rchar rebuild | read_bytes first build | read_bytes rebuild | syscr cat | syscr first build | syscr rebuild | syscalls cat | syscalls first build | syscalls rebuild |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	notes = nil
	for _, r := range res.Builds {
		if len(r.BuildWarm) == 0 {
			continue
		}
		n := r.Corpus.N
		p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", n,
			fmtStatMiB(summarize(r.RSSWarm)), fmtStatMiB(summarize(r.RSSRebuild)),
			perArticleBytes(ioMed(r.CatIO, rchar), n), perArticleBytes(ioMed(r.BuildIO, rchar), n), perArticleBytes(ioMed(r.RebuildIO, rchar), n),
			perArticleBytes(ioMed(r.BuildIO, readBytes), n), perArticleBytes(ioMed(r.RebuildIO, readBytes), n),
			perArticle(ioMed(r.CatIO, syscr), n), perArticle(ioMed(r.BuildIO, syscr), n), perArticle(ioMed(r.RebuildIO, syscr), n),
			perArticle(straceTotal(r.CatSys), n), perArticle(straceTotal(r.BuildSys), n), perArticle(straceTotal(r.RebuildSys), n))
		if r.BuildSys != nil {
			notes = append(notes, fmt.Sprintf("n=%d, system calls per article — cat: %s; first build: %s; rebuild: %s", n,
				topCalls(r.CatSys, n, 8), topCalls(r.BuildSys, n, 8), topCalls(r.RebuildSys, n, 8)))
		}
		if r.StraceErr != "" {
			notes = append(notes, fmt.Sprintf("n=%d: strace failed: %s", n, r.StraceErr))
		}
	}
	for _, n := range notes {
		p("\n- %s", n)
	}
	p("\n")
}

// fmtMem formats a memStats' VmRSS with its anonymous and file parts.
func fmtMem(m memStats) (rss, parts, hwm string) {
	if m.VmRSS == 0 {
		return "n/a", "n/a", "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(m.VmRSS)/1024),
		fmt.Sprintf("%.1f / %.1f MiB", float64(m.RssAnon)/1024, float64(m.RssFile)/1024),
		fmt.Sprintf("%.1f MiB", float64(m.VmHWM)/1024)
}

func secOrNA(s float64) string {
	if s <= 0 {
		return "n/a"
	}
	return fmtSec(s)
}

// renderDaemon writes the daemon section.
func renderDaemon(p printer, b *bench, res *results) {
	p("\n### Daemon (`feedgen serve -debounce %s`), started without state\n\n", b.cfg.debounce)
	if !b.cfg.sections["daemon"] {
		p("Not run (not in `-sections`).\n")
		return
	}
	if b.stateServe {
		p("`-state %s/state/serve-nN`, removed before the start. ", b.cfg.workdir)
	}
	p("Cold start = process start → first 200 on `/rss.xml` (polled every 5 ms; page cache warm). Gzip ready = process start → first 200 with `Content-Encoding: gzip` on `/rss.xml` (polled every 10 ms); rchar is the daemon's `/proc/PID/io` at that moment. ")
	p("Memory from `/proc/PID/status` (VmRSS = RssAnon + RssFile + RssShmem; VmHWM its peak) %s after gzip is ready and again %s after the last edit. ", b.cfg.settle, b.cfg.settle)
	p("Update latency: an article (random, seeded: every run edits the same ones) gets a new unique title and a date in 2030 (newer than everything); it is written to a hidden temp file in the source directory and renamed over the original; the timer starts just before the rename; `/category/<slug>/rss.xml` and `/rss.xml` are polled every 1 ms with If-None-Match until both contain the title; latency is the later of the two. Pause %s between edits. Debounce window: **%s** (target ≤ %s). Edited files are restored afterwards.\n\n",
		b.cfg.editGap, b.cfg.debounce, b.cfg.debounce+10*time.Millisecond)
	p("| articles | cold start | gzip ready | rchar at gzip ready / article | VmRSS after start | anon / file | VmHWM after start | VmRSS after edits | anon / file | VmHWM after edits | edits ok/asked | latency (both feeds) | category feed | /rss.xml |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range res.Daemons {
		r1, a1, h1 := fmtMem(d.MemStart)
		r2, a2, h2 := fmtMem(d.MemAfter)
		rc := math.NaN()
		if d.IOReady.OK {
			rc = float64(d.IOReady.RChar)
		}
		e := d.Edits
		p("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d | %s | %s | %s |\n", d.N, secOrNA(d.ColdStart), secOrNA(d.GzipReady),
			perArticleBytes(rc, d.N), r1, a1, h1, r2, a2, h2,
			e.Made, e.Requested, fmtStatSec(summarize(e.Latency)), fmtStatSec(summarize(e.CatLat)), fmtStatSec(summarize(e.MainLat)))
	}
	for _, d := range res.Daemons {
		if d.Err != nil {
			p("\n- **error** n=%d: %s", d.N, oneLine(d.Err.Error()))
		}
		if d.Edits.Timeouts > 0 {
			p("\n- n=%d: %d edit(s) not visible within %s", d.N, d.Edits.Timeouts, b.cfg.editTimeout)
		}
	}
	p("\n")
}

// renderRestart writes the restart section.
func renderRestart(p printer, b *bench, res *results) {
	p("\n### Restart with a valid state, nothing changed\n\n")
	if !b.cfg.sections["restart"] {
		p("Not run (not in `-sections`).\n")
		return
	}
	if !b.stateServe {
		p("Skipped: **feedgen serve has no `-state` flag** (`feedgen serve -h`), so a restart is a cold start (see the daemon section).\n")
		return
	}
	p("`feedgen serve -debounce %s -state %s/state/serve-nN`: a first start with an empty (removed) state, stopped with SIGTERM once gzip is ready; then %d restart(s) with that state and nothing changed, each stopped with SIGTERM (exit status 0 required). ", b.cfg.debounce, b.cfg.workdir, b.cfg.restarts)
	p("Restart = process start → first 200 on `/rss.xml` (polled every 5 ms; page cache warm); gzip ready as in the daemon section; rchar and syscr are the daemon's `/proc/PID/io` at its first 200: what it read to get there. ")
	p("Memory %s after gzip is ready and %s after %d edits (made as in the daemon section) on the last restart. Median (min – max) over the restarts.\n\n", b.cfg.settle, b.cfg.settle, b.cfg.edits)
	p("| articles | first start: first 200 / gzip | state on disk | restart: first 200 | gzip ready | rchar at first 200 / article | syscr at first 200 / article | VmRSS after restart | anon / file | VmHWM | VmRSS after edits | anon / file | VmHWM after edits | edits ok/asked | latency (both feeds) |\n")
	p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range res.Restarts {
		r1, a1, h1 := fmtMem(r.MemStart)
		r2, a2, h2 := fmtMem(r.MemAfter)
		p("| %d | %s / %s | %d files, %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d | %s |\n", r.N,
			secOrNA(r.PrimeStart), secOrNA(r.PrimeGzip), r.StateFiles, fmtBytes(r.StateBytes),
			fmtStatSec(summarize(r.FirstOK)), fmtStatSec(summarize(r.GzipReady)),
			perArticleBytes(ioMed(r.IOFirstOK, rchar), r.N), perArticle(ioMed(r.IOFirstOK, syscr), r.N),
			r1, a1, h1, r2, a2, h2, r.Edits.Made, r.Edits.Requested, fmtStatSec(summarize(r.Edits.Latency)))
	}
	for _, r := range res.Restarts {
		if r.Err != nil {
			p("\n- **error** n=%d: %s", r.N, oneLine(r.Err.Error()))
		}
		if r.Edits.Timeouts > 0 {
			p("\n- n=%d: %d edit(s) not visible within %s", r.N, r.Edits.Timeouts, b.cfg.editTimeout)
		}
	}
	p("\n")
}
