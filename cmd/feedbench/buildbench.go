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
	State  string // the -state directory of build, "" when feedgen has none

	// Warm rounds: cat, first build (output and state removed first),
	// rebuild (output and state kept, nothing changed).
	CatWarm, BuildWarm, Rebuild []float64
	CPUWarm, CPURebuild         []float64 // user+sys
	RSSWarm, RSSRebuild         []float64
	CatIO, BuildIO, RebuildIO   []ioStats

	// strace -f -c of one untimed run of each, when available.
	CatSys, BuildSys, RebuildSys *straceCounts
	StraceErr                    string

	CatCold, BuildCold  []float64
	RSSCold             []float64
	Articles, Invalid   int
	OutFiles            int
	OutBytes            int64
	StateFiles          int
	StateBytes          int64
	WarmupCat, WarmupBd float64
}

// builtRE matches feedgen build's summary log line.
var builtRE = regexp.MustCompile(`msg=built .*?articles=(\d+) invalid=(\d+)`)

// buildStateDir is the -state directory of the builds of one corpus size.
func (b *bench) buildStateDir(n int) string {
	return filepath.Join(b.cfg.workdir, "state", fmt.Sprintf("build-n%d", n))
}

// buildArgs are the arguments of feedgen build of src into out. state is
// passed as -state when feedgen has that flag ("" is its throwaway
// temporary state); without the flag it is ignored.
func (b *bench) buildArgs(src, out, state string, extra ...string) []string {
	args := []string{"build", "-src", src, "-out", out, "-base-url", b.cfg.baseURL}
	if b.stateBuild {
		args = append(args, "-state", state)
	}
	return append(args, extra...)
}

// buildOnce runs one feedgen build of src into out. When fresh, out and
// the state directory are removed first (untimed).
func (b *bench) buildOnce(ctx context.Context, src, out, state string, fresh bool, extra ...string) (procResult, int, int, error) {
	if fresh {
		if err := os.RemoveAll(out); err != nil {
			return procResult{}, 0, 0, err
		}
		if state != "" {
			if err := os.RemoveAll(state); err != nil {
				return procResult{}, 0, 0, err
			}
		}
	}
	res, err := runProc(ctx, b.cfg.buildTimeout, b.bin, b.buildArgs(src, out, state, extra...)...)
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
// warm-up of each, then -runs rounds of (cat, first build, no-change
// rebuild) with a warm page cache, then, when the page cache can be
// dropped, -runs rounds of (drop, cat, drop, first build). A first build
// starts without output and without state (its -state directory removed);
// a rebuild keeps both. Last, when strace works, one untimed run of each
// under strace -f -c counts every system call.
func (b *bench) benchBuild(ctx context.Context, ci corpusInfo) (*buildResult, error) {
	r := &buildResult{Corpus: ci}
	out := filepath.Join(b.cfg.workdir, "out", fmt.Sprintf("n%d", ci.N))
	state := ""
	if b.stateBuild {
		state = b.buildStateDir(ci.N)
		r.State = state
	}
	b.logf("build n=%d: warm-up", ci.N)
	c, err := catCorpus(ctx, b.cfg.buildTimeout, ci.Dir)
	if err != nil {
		return r, err
	}
	bd, arts, inv, err := b.buildOnce(ctx, ci.Dir, out, state, true)
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
	if state != "" {
		r.StateFiles, r.StateBytes, _ = treeSize(state)
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
		r.CatIO = append(r.CatIO, c.IO)
		if err := os.RemoveAll(out); err != nil {
			return r, err
		}
		if state != "" {
			if err := os.RemoveAll(state); err != nil {
				return r, err
			}
		}
		syncFS()
		bd, _, _, err := b.buildOnce(ctx, ci.Dir, out, state, true)
		if err != nil {
			return r, err
		}
		r.BuildWarm = append(r.BuildWarm, bd.Wall.Seconds())
		r.CPUWarm = append(r.CPUWarm, (bd.User + bd.Sys).Seconds())
		r.RSSWarm = append(r.RSSWarm, float64(bd.MaxRSSKB))
		r.BuildIO = append(r.BuildIO, bd.IO)
		syncFS()
		rb, _, _, err := b.buildOnce(ctx, ci.Dir, out, state, false)
		if err != nil {
			return r, err
		}
		r.Rebuild = append(r.Rebuild, rb.Wall.Seconds())
		r.CPURebuild = append(r.CPURebuild, (rb.User + rb.Sys).Seconds())
		r.RSSRebuild = append(r.RSSRebuild, float64(rb.MaxRSSKB))
		r.RebuildIO = append(r.RebuildIO, rb.IO)
	}
	if b.cold {
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
			bd, _, _, err := b.buildOnce(ctx, ci.Dir, out, state, true)
			if err != nil {
				return r, err
			}
			r.BuildCold = append(r.BuildCold, bd.Wall.Seconds())
			r.RSSCold = append(r.RSSCold, float64(bd.MaxRSSKB))
		}
	}
	if b.straceBin != "" {
		if err := b.straceBuild(ctx, ci, out, state, r); err != nil {
			r.StraceErr = oneLine(err.Error())
			b.logf("build n=%d: strace: %v", ci.N, err)
		}
	}
	return r, nil
}

// straceBuild counts the system calls of cat, a first build and a rebuild
// with strace -f -c (one untimed run of each; strace slows them down).
func (b *bench) straceBuild(ctx context.Context, ci corpusInfo, out, state string, r *buildResult) error {
	sum := filepath.Join(b.cfg.workdir, "logs", fmt.Sprintf("strace-n%d.txt", ci.N))
	count := func(name string, args ...string) (*straceCounts, error) {
		a := append([]string{"-f", "-c", "-o", sum, "--", name}, args...)
		if _, err := runProc(ctx, 3*b.cfg.buildTimeout, b.straceBin, a...); err != nil {
			return nil, err
		}
		text, err := os.ReadFile(sum)
		if err != nil {
			return nil, err
		}
		c, err := parseStraceSummary(string(text))
		return &c, err
	}
	var err error
	b.logf("build n=%d: strace cat", ci.N)
	if r.CatSys, err = count("/bin/sh", "-c", catScript, "sh", ci.Dir); err != nil {
		return fmt.Errorf("cat: %w", err)
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if state != "" {
		if err := os.RemoveAll(state); err != nil {
			return err
		}
	}
	b.logf("build n=%d: strace first build", ci.N)
	if r.BuildSys, err = count(b.bin, b.buildArgs(ci.Dir, out, state)...); err != nil {
		return fmt.Errorf("first build: %w", err)
	}
	b.logf("build n=%d: strace rebuild", ci.N)
	if r.RebuildSys, err = count(b.bin, b.buildArgs(ci.Dir, out, state)...); err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	return nil
}
