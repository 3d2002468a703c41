package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"

	"feedgen/layout"
)

// chooseFeed finds the -limit and category whose rss.xml is closest to the
// target size: a build at the default limit gives the bytes per item, which
// gives a candidate limit; it and its neighbours are built and the best is
// kept. It returns the limit, slug and the build output for that limit.
func (b *bench) chooseFeed(ctx context.Context, ci corpusInfo) (int, string, int, string, error) {
	target := b.cfg.feedTarget
	dir := filepath.Join(b.cfg.workdir, "http")
	tried := map[int]string{} // limit → out dir
	sizes := map[int]map[string]int{}
	try := func(limit int) error {
		if _, ok := tried[limit]; ok || limit < 1 {
			return nil
		}
		out := filepath.Join(dir, fmt.Sprintf("root-limit%d", limit))
		if _, _, _, err := b.buildOnce(ctx, ci.Dir, out, "", true, "-limit", strconv.Itoa(limit)); err != nil {
			return err
		}
		s, err := rssSizes(out)
		if err != nil {
			return err
		}
		tried[limit], sizes[limit] = out, s
		return nil
	}
	const def = 50
	if err := try(def); err != nil {
		return 0, "", 0, "", err
	}
	if _, sz := closest(sizes[def], target); math.Abs(float64(sz-target)) > 0.05*float64(target) {
		all := make([]int, 0, len(sizes[def]))
		for _, v := range sizes[def] {
			all = append(all, v)
		}
		sort.Ints(all)
		perItem := float64(all[len(all)/2]) / def
		l := max(1, int(math.Round(float64(target)/perItem)))
		for _, c := range []int{l, l - 1, l + 1} {
			if err := try(c); err != nil {
				return 0, "", 0, "", err
			}
		}
	}
	bestL, bestSlug, bestSize := 0, "", 0
	limits := make([]int, 0, len(sizes))
	for l := range sizes {
		limits = append(limits, l)
	}
	sort.Ints(limits)
	for _, l := range limits {
		s, sz := closest(sizes[l], target)
		if bestSlug == "" || abs(sz-target) < abs(bestSize-target) {
			bestL, bestSlug, bestSize = l, s, sz
		}
	}
	return bestL, bestSlug, bestSize, tried[bestL], nil
}

// rssSizes returns the size of every category rss.xml under out, by slug.
func rssSizes(out string) (map[string]int, error) {
	ents, err := os.ReadDir(filepath.Join(out, layout.KindCategory.Folder()))
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, e := range ents {
		fi, err := os.Stat(filepath.Join(out, filepath.FromSlash(categoryFeed(e.Name()))))
		if err == nil {
			m[e.Name()] = int(fi.Size())
		}
	}
	return m, nil
}

// categoryFeed is the slash path of the RSS feed of category slug.
func categoryFeed(slug string) string {
	return layout.FeedKey{Kind: layout.KindCategory, Name: slug}.Path(layout.RSS)
}

// closest returns the slug whose size is closest to target (ties by name).
func closest(sizes map[string]int, target int) (string, int) {
	slugs := make([]string, 0, len(sizes))
	for s := range sizes {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	best, bestSize := "", 0
	for _, s := range slugs {
		if best == "" || abs(sizes[s]-target) < abs(bestSize-target) {
			best, bestSize = s, sizes[s]
		}
	}
	return best, bestSize
}

// abs is the absolute value of x.
func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
