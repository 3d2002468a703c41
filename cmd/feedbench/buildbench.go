package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// buildResult holds the build measurements of one corpus size. Times are
// in seconds, memory in KiB.
type buildResult struct {
	Corpus corpusInfo
	Runs   int    // runs actually made (≤ -runs when the size budget cut them)
	Note   string // why runs were cut, if they were

	CatWarm, BuildWarm, Rebuild []float64
	CPUWarm                     []float64 // user+sys of the fresh warm builds
	RSSWarm, RSSRebuild         []float64

	CatCold, BuildCold  []float64
	RSSCold             []float64
	Articles, Invalid   int
	OutFiles            int
	OutBytes            int64
	WarmupCat, WarmupBd float64
}

// builtRE matches feedgen build's summary log line.
var builtRE = regexp.MustCompile(`msg=built .*?articles=(\d+) invalid=(\d+)`)

// buildOnce runs one feedgen build of src into out. When fresh, out is
// removed first (untimed).
func (b *bench) buildOnce(ctx context.Context, src, out string, fresh bool, extra ...string) (procResult, int, int, error) {
	if fresh {
		if err := os.RemoveAll(out); err != nil {
			return procResult{}, 0, 0, err
		}
	}
	args := append([]string{"build", "-src", src, "-out", out, "-base-url", b.cfg.baseURL}, extra...)
	res, err := runProc(ctx, b.cfg.buildTimeout, b.bin, args...)
	if err != nil {
		return res, 0, 0, err
	}
	arts, inv := -1, -1
	if m := builtRE.FindStringSubmatch(res.Stderr); m != nil {
		arts, _ = strconv.Atoi(m[1])
		inv, _ = strconv.Atoi(m[2])
	}
	return res, arts, inv, nil
}

// benchBuild measures cat and feedgen build for one corpus: one untimed
// warm-up of each, then -runs rounds of (cat, fresh build, no-change
// rebuild) with a warm page cache, then, when the page cache can be
// dropped, -runs rounds of (drop, cat, drop, fresh build).
func (b *bench) benchBuild(ctx context.Context, ci corpusInfo) (*buildResult, error) {
	r := &buildResult{Corpus: ci}
	out := filepath.Join(b.cfg.workdir, "out", fmt.Sprintf("n%d", ci.N))
	b.logf("build n=%d: warm-up", ci.N)
	c, err := catCorpus(ctx, b.cfg.buildTimeout, ci.Dir)
	if err != nil {
		return r, err
	}
	bd, arts, inv, err := b.buildOnce(ctx, ci.Dir, out, true)
	if err != nil {
		return r, err
	}
	r.WarmupCat, r.WarmupBd = c.Wall.Seconds(), bd.Wall.Seconds()
	r.Articles, r.Invalid = arts, inv
	if arts >= 0 && arts != ci.N || inv > 0 {
		return r, fmt.Errorf("feedgen build of %s published %d articles with %d invalid, want %d and 0", ci.Dir, arts, inv, ci.N)
	}
	if r.OutFiles, r.OutBytes, err = treeSize(out); err != nil {
		return r, err
	}

	runs := b.cfg.runs
	perRound := 2*c.Wall + bd.Wall // cat + fresh build + rebuild (≈ build)
	if b.cold {
		perRound += c.Wall + bd.Wall
	}
	if b.cfg.sizeBudget > 0 && time.Duration(runs)*perRound > b.cfg.sizeBudget {
		runs = max(1, int(b.cfg.sizeBudget/perRound))
		if runs < b.cfg.runs {
			r.Note = fmt.Sprintf("runs cut from %d to %d: the warm-up (cat %s, build %s) put %d rounds over -size-budget %s",
				b.cfg.runs, runs, fmtSec(c.Wall.Seconds()), fmtSec(bd.Wall.Seconds()), b.cfg.runs, b.cfg.sizeBudget)
			b.logf("build n=%d: %s", ci.N, r.Note)
		}
	}
	r.Runs = runs

	for i := range runs {
		b.logf("build n=%d: warm run %d/%d", ci.N, i+1, runs)
		syncFS()
		c, err := catCorpus(ctx, b.cfg.buildTimeout, ci.Dir)
		if err != nil {
			return r, err
		}
		r.CatWarm = append(r.CatWarm, c.Wall.Seconds())
		if err := os.RemoveAll(out); err != nil {
			return r, err
		}
		syncFS()
		bd, _, _, err := b.buildOnce(ctx, ci.Dir, out, true)
		if err != nil {
			return r, err
		}
		r.BuildWarm = append(r.BuildWarm, bd.Wall.Seconds())
		r.CPUWarm = append(r.CPUWarm, (bd.User + bd.Sys).Seconds())
		r.RSSWarm = append(r.RSSWarm, float64(bd.MaxRSSKB))
		syncFS()
		rb, _, _, err := b.buildOnce(ctx, ci.Dir, out, false)
		if err != nil {
			return r, err
		}
		r.Rebuild = append(r.Rebuild, rb.Wall.Seconds())
		r.RSSRebuild = append(r.RSSRebuild, float64(rb.MaxRSSKB))
	}
	if !b.cold {
		return r, nil
	}
	for i := range runs {
		b.logf("build n=%d: cold run %d/%d", ci.N, i+1, runs)
		if err := dropCaches(); err != nil {
			return r, fmt.Errorf("drop caches: %w", err)
		}
		c, err := catCorpus(ctx, b.cfg.buildTimeout, ci.Dir)
		if err != nil {
			return r, err
		}
		r.CatCold = append(r.CatCold, c.Wall.Seconds())
		if err := os.RemoveAll(out); err != nil {
			return r, err
		}
		if err := dropCaches(); err != nil {
			return r, fmt.Errorf("drop caches: %w", err)
		}
		bd, _, _, err := b.buildOnce(ctx, ci.Dir, out, true)
		if err != nil {
			return r, err
		}
		r.BuildCold = append(r.BuildCold, bd.Wall.Seconds())
		r.RSSCold = append(r.RSSCold, float64(bd.MaxRSSKB))
	}
	return r, nil
}
