package main

import (
	"fmt"
	"strings"
	"time"
)

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

	renderHTTP(p, b, res.HTTP)

	p("\n### Targets\n\n| target | goal | measured | verdict |\n|---|---|---:|---|\n")
	for _, t := range targets(b, res) {
		p("| %s | %s | %s | %s |\n", t.name, t.goal, t.value, t.verdict)
	}
	p("\n")
	return w.String()
}

// printer is the report's printf.
type printer func(format string, args ...any)

// renderHTTP writes the section comparing feedgen serve with nginx.
func renderHTTP(p printer, b *bench, h *httpResult) {
	p("\n### HTTP: feedgen serve vs nginx\n\n")
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
}

// rpsStat summarises the requests per second of wrk runs.
func rpsStat(rs []wrkResult) stat {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = r.RPS
	}
	return summarize(xs)
}

// rpsMed is the median requests per second of wrk runs.
func rpsMed(rs []wrkResult) float64 { return rpsStat(rs).Med }

// fmtRPS formats the requests per second of wrk runs: the median, and the
// range when there was more than one run.
func fmtRPS(rs []wrkResult) string {
	s := rpsStat(rs)
	if s.N <= 1 {
		return fmt.Sprintf("%.0f", s.Med)
	}
	return fmt.Sprintf("%.0f (%.0f – %.0f)", s.Med, s.Min, s.Max)
}

// bytesPerReq formats the median bytes read per response of wrk runs,
// flagging any response that was not a 2xx or 3xx.
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

// orNA is s, or "n/a" when it is empty.
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

// shellQuote quotes s for a POSIX shell when needed.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./,=:+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
