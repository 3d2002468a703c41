package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

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

// straceTotal is the number of system calls counted, NaN without a count.
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

// ratioOrNA formats the ratio of two medians, "n/a" when either is missing.
func ratioOrNA(a, b stat) string {
	if a.N == 0 || b.N == 0 || b.Med == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a.Med/b.Med)
}
