package main

import (
	"fmt"
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
	name, goal, value string
	ok, known         bool
}

func (t target) verdict() string {
	switch {
	case !t.known && strings.HasSuffix(t.value, "measured"):
		return "n/a"
	case !t.known:
		return "n/a (other size)"
	case t.ok:
		return "PASS"
	}
	return "MISS"
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
		if d.N == n && len(d.Latency) > 0 {
			return d
		}
	}
	return nil
}

// targets evaluates the goals. Build figures are warm-cache medians.
func targets(b *bench, res *results) []target {
	var ts []target
	add := func(t target) { ts = append(ts, t) }

	if r := buildFor(res, 50000); r != nil {
		ratio := summarize(r.BuildWarm).Med / summarize(r.CatWarm).Med
		add(target{"build / cat at 50k (warm, medians)", "≤ 1.0", fmt.Sprintf("%.2f", ratio), ratio <= 1.0, true})
		rss := summarize(r.RSSWarm).Med / 1024
		add(target{"build peak RSS at 50k (median)", "≤ 100 MiB", fmt.Sprintf("%.1f MiB", rss), rss <= 100, true})
	} else {
		add(target{name: "build / cat at 50k", goal: "≤ 1.0", value: "not measured"})
		add(target{name: "build peak RSS at 50k", goal: "≤ 100 MiB", value: "not measured"})
	}
	limit := b.cfg.debounce + 10*time.Millisecond
	for _, d := range res.Daemons {
		if len(d.Latency) == 0 {
			add(target{name: fmt.Sprintf("update latency at %s (median)", kn(d.N)), goal: "≤ " + limit.String(), value: "not measured"})
			continue
		}
		m := summarize(d.Latency).Med
		add(target{fmt.Sprintf("update latency at %s (median)", kn(d.N)), "≤ debounce + 10ms = " + limit.String(), fmtSec(m),
			m <= limit.Seconds(), true})
	}
	// The goals are stated for 1k and 100k; other sizes are shown, not judged.
	ds := b.cfg.daemonSizes
	lo, hi := slices.Min(ds), slices.Max(ds)
	small, big := daemonFor(res, lo), daemonFor(res, hi)
	if small != nil && big != nil && lo != hi {
		r := summarize(big.Latency).Med / summarize(small.Latency).Med
		add(target{fmt.Sprintf("update latency %s / %s (medians)", kn(hi), kn(lo)), "≤ 1.5 (100k / 1k)", fmt.Sprintf("%.2f", r), r <= 1.5, lo == 1000 && hi == 100000})
	} else {
		add(target{name: "update latency 100k / 1k", goal: "≤ 1.5", value: "not measured"})
	}
	var top *daemonResult
	for _, d := range res.Daemons {
		if d.N == hi && d.ColdStart > 0 {
			top = d
		}
	}
	if top != nil && top.RSSSettle > 0 {
		rss := float64(max(top.RSSSettle, top.RSSAfter)) / 1024
		add(target{fmt.Sprintf("daemon RSS at %s (max of VmRSS after start-up and after edits)", kn(hi)), "≤ 150 MiB (at 100k)", fmt.Sprintf("%.1f MiB", rss), rss <= 150, hi == 100000})
	} else {
		add(target{name: "daemon RSS at 100k", goal: "≤ 150 MiB", value: "not measured"})
	}
	if r := buildFor(res, hi); r != nil && top != nil {
		bt := summarize(r.BuildWarm).Med
		add(target{fmt.Sprintf("daemon cold start at %s vs build (warm median %s)", kn(hi), fmtSec(bt)), "≤ build time (at 100k)", fmtSec(top.ColdStart), top.ColdStart <= bt, hi == 100000})
	} else {
		add(target{name: "daemon cold start ≤ build time at 100k", goal: "≤ build", value: "not measured"})
	}
	if h := res.HTTP; h != nil && len(h.Scenarios) > 0 && len(h.Scenarios[0].Feedgen) > 0 {
		for _, sc := range h.Scenarios {
			r := rpsMed(sc.Feedgen) / rpsMed(sc.Nginx)
			add(target{"HTTP rps feedgen / nginx, " + sc.Name, "≥ 1.0", fmt.Sprintf("%.2f", r), r >= 1.0, true})
		}
	} else {
		add(target{name: "HTTP rps feedgen / nginx", goal: "≥ 1.0", value: "not measured"})
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

// kn formats a corpus size: 1000 → 1k.
func kn(n int) string {
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

	p("### Corpora\n\n")
	p("Synthetic (`feedbench corpus`, seed %d): 40 Zipf-sized categories with one tag each, 3–24 KB CJK bodies (median ≈ 6.5 KB), ~30%% with the hidden stock-image prefix, dates over 2022–2024 (+0800) unrelated to file-name order.\n\n", b.cfg.seed)
	p("| articles | bytes | directory |\n|---:|---:|---|\n")
	for _, c := range res.Corpora {
		p("| %d | %s | `%s` |\n", c.N, fmtBytes(c.Bytes), c.Dir)
	}

	p("\n### Build vs cat\n\n")
	p("`cat` = `find DIR -type f -print0 | xargs -0 cat > /dev/null`; build = `feedgen build -src DIR -out OUT -base-url %s` into a removed OUT (fresh) and again into the existing OUT (rebuild, no change). ", b.cfg.baseURL)
	p("Warm: after one untimed warm-up of each, rounds of cat → fresh build → rebuild. ")
	if b.cold {
		p("Cold: `sync; echo 3 > /proc/sys/vm/drop_caches` before each cat and each build.")
	} else {
		p("Cold: not measured — %s.", b.coldWy)
	}
	p(" Median (min – max) of the runs; RSS is the child's ru_maxrss.\n\n")
	p("| articles | runs | cat warm | build warm | build/cat | rebuild (no change) | build CPU (user+sys) | peak RSS build | peak RSS rebuild |")
	if b.cold {
		p(" cat cold | build cold | build/cat cold |")
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
		cw, bw := summarize(r.CatWarm), summarize(r.BuildWarm)
		p("| %d | %d | %s | %s | %.2f | %s | %s | %s | %s |", r.Corpus.N, r.Runs, fmtStatSec(cw), fmtStatSec(bw), bw.Med/cw.Med,
			fmtStatSec(summarize(r.Rebuild)), fmtStatSec(summarize(r.CPUWarm)), fmtStatMiB(summarize(r.RSSWarm)), fmtStatMiB(summarize(r.RSSRebuild)))
		if b.cold {
			cc, bc := summarize(r.CatCold), summarize(r.BuildCold)
			ratio := "n/a"
			if cc.N > 0 && bc.N > 0 {
				ratio = fmt.Sprintf("%.2f", bc.Med/cc.Med)
			}
			p(" %s | %s | %s |", fmtStatSec(cc), fmtStatSec(bc), ratio)
		}
		p("\n")
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("n=%d: %s", r.Corpus.N, r.Note))
		}
		notes = append(notes, fmt.Sprintf("n=%d: output %d files, %s; warm-up cat %s, build %s", r.Corpus.N, r.OutFiles, fmtBytes(r.OutBytes), fmtSec(r.WarmupCat), fmtSec(r.WarmupBd)))
	}
	for _, e := range res.BuildErrs {
		notes = append(notes, "**error** "+e)
	}
	for _, n := range notes {
		p("\n- %s", n)
	}
	p("\n")

	p("\n### Daemon (`feedgen serve -debounce %s`)\n\n", b.cfg.debounce)
	p("Cold start = process start → first 200 on `/rss.xml` (polled every 5 ms; page cache warm, the builds above just read the corpus). Memory from `/proc/PID/status` %s after the first 200 and again %s after the last edit. ", b.cfg.settle, b.cfg.settle)
	p("Update latency: an article (random, seeded) gets a new unique title and a date in 2030 (newer than everything); it is written to a hidden temp file in the source directory and renamed over the original; the timer starts just before the rename; `/category/<slug>/rss.xml` and `/rss.xml` are polled every 1 ms with If-None-Match until both contain the title; latency is the later of the two. Pause %s between edits. Debounce window: **%s** (target ≤ %s). Edited files are restored afterwards.\n\n",
		b.cfg.editGap, b.cfg.debounce, b.cfg.debounce+10*time.Millisecond)
	p("| articles | cold start | VmRSS after start | VmHWM after start | VmRSS after edits | VmHWM after edits | edits ok/asked | latency (both feeds) | category feed | /rss.xml |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, d := range res.Daemons {
		mib := func(kb int64) string {
			if kb == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.1f MiB", float64(kb)/1024)
		}
		cs := "n/a"
		if d.ColdStart > 0 {
			cs = fmtSec(d.ColdStart)
		}
		p("| %d | %s | %s | %s | %s | %s | %d/%d | %s | %s | %s |\n", d.N, cs, mib(d.RSSSettle), mib(d.HWMSettle), mib(d.RSSAfter), mib(d.HWMAfter),
			d.EditsMade, d.EditsRequested, fmtStatSec(summarize(d.Latency)), fmtStatSec(summarize(d.CatLat)), fmtStatSec(summarize(d.MainLat)))
	}
	for _, d := range res.Daemons {
		if d.Err != nil {
			p("\n- **error** n=%d: %s", d.N, oneLine(d.Err.Error()))
		}
		if d.Timeouts > 0 {
			p("\n- n=%d: %d edit(s) not visible within %s", d.N, d.Timeouts, b.cfg.editTimeout)
		}
	}
	p("\n")

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
		p("| %s | %s | %s | %s |\n", t.name, t.goal, t.value, t.verdict())
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
