package main

import (
	"fmt"
	"math"
	"time"
)

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
		renderRunNotes(p, b, d.N, d.Err, d.Edits)
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
		renderRunNotes(p, b, r.N, r.Err, r.Edits)
	}
	p("\n")
}

// renderRunNotes lists, under a daemon or restart table, what went wrong
// in the run at n articles: its error and the edits that never showed.
func renderRunNotes(p printer, b *bench, n int, err error, e editStats) {
	if err != nil {
		p("\n- **error** n=%d: %s", n, oneLine(err.Error()))
	}
	if e.Timeouts > 0 {
		p("\n- n=%d: %d edit(s) not visible within %s", n, e.Timeouts, b.cfg.editTimeout)
	}
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

// secOrNA formats seconds, "n/a" when nothing was measured.
func secOrNA(s float64) string {
	if s <= 0 {
		return "n/a"
	}
	return fmtSec(s)
}
