package feedgen

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"time"

	"feedgen/feedgen/config"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/source"
)

// shown is one item a feed shows.
type shown struct {
	path  string
	hdr   *index.Header
	stamp source.Stamp // of the file, as indexed
	sum   uint64       // of the whole file the item was rendered from
}

// renderJob is a feed whose bytes changed.
type renderJob struct {
	key   layout.FeedKey
	items []shown
	info  render.FeedInfo
	sig   [32]byte
}

// plan decides the items of every dirty feed and returns the feeds whose
// bytes change. The items a feed shows must have their rendered fragments
// in the index; those that lack them are read, cleaned and rendered here, in
// parallel. One that turns out to be bad input (its body, which indexing
// did not read) drops out, and the feeds it was in are planned again.
func (g *Generator) plan() ([]*renderJob, error) {
	tops := map[layout.FeedKey][]shown{}
	for len(g.dirty) > 0 {
		var need []string
		known := map[string]uint64{} // kept items to check against the file
		g.arch.takeMonths()
		for k := range g.dirty {
			err := g.ix.View(func(t *index.Tx) error {
				items, err := g.top(t, k)
				if err != nil {
					return err
				}
				tops[k] = items
				check := items
				if g.arch.on() {
					more, err := g.arch.candidates(t, k, items, g.out.feeds[k])
					if err != nil {
						return err
					}
					check = append(slices.Clip(items), more...)
				}
				for _, it := range check {
					if !g.frags[it.path] {
						need = append(need, it.path)
						continue
					}
					// A kept item rendered from another stamp of the file
					// (a fresh checkout, a copy, a touch) is checked
					// against the file's bytes: equal bytes keep it.
					f, ok, err := t.FragSum(it.path)
					if err != nil {
						return err
					}
					if !ok || f.Stamp != it.stamp {
						need = append(need, it.path)
						if ok {
							known[it.path] = f.Sum
						}
					}
				}
				return nil
			})
			if err == nil {
				// Each item costs a few pages all over the index; a few
				// thousand items would keep a hundred megabytes mapped.
				err = g.ix.Trim()
			}
			if err != nil {
				return nil, wrapIndex(err)
			}
		}
		clear(g.dirty)
		sort.Strings(need)
		if err := g.items.render(slices.Compact(need), known); err != nil {
			return nil, err
		}
	}
	g.arch.beginPlan()
	jobs := make([]*renderJob, 0, len(tops))
	// One transaction per feed, each followed by a trim: on a first build
	// with archives, planning reads every archived member of every feed and
	// its item sum, most of the index; in one transaction all those mapped
	// pages would stay resident until its end.
	for k, items := range tops {
		err := g.ix.View(func(t *index.Tx) error {
			if len(items) == 0 && k.Kind != layout.KindAll {
				g.out.drop(k)
				g.arch.drop(k, layout.Month{})
				return nil
			}
			if err := fillSums(t, items); err != nil {
				return err
			}
			j := &renderJob{key: k, items: items, info: feedInfo(&g.cfg, k, items)}
			if g.arch.on() {
				if err := g.arch.plan(t, j); err != nil {
					return err
				}
			}
			j.sig = feedSignature(j.info, items)
			if old := g.out.feeds[k]; old != nil && old.sig == j.sig && (old.files[0] != nil || g.kept(k, old)) {
				return nil
			}
			jobs = append(jobs, j)
			return nil
		})
		if err == nil {
			err = g.ix.Trim()
		}
		if err != nil {
			return nil, wrapIndex(err)
		}
	}
	g.arch.endPlan()
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].key.Less(jobs[k].key) })
	return jobs, nil
}

// kept reports whether every file of an unchanged feed known from the state
// is in place, so that Emit need not render it.
func (g *Generator) kept(k layout.FeedKey, o *feedOut) bool {
	if g.keep == nil {
		return false
	}
	for _, f := range layout.Formats {
		if !g.keep(k.Path(f), o.etags[f]) {
			return false
		}
	}
	return k.Kind == layout.KindAll || g.keep(k.PagePath(), o.pageETag) // the global feed's page is the index, always emitted
}

// top returns the newest Limit published articles of feed k: newest first,
// ties broken by id, so that the order never depends on reading order. The
// index is kept in that order, so this costs the limit, not the archive.
func (g *Generator) top(t *index.Tx, k layout.FeedKey) ([]shown, error) {
	var items []shown
	err := t.Top(k, func(p string, e index.Entry) (bool, error) {
		items = append(items, shown{path: p, hdr: e.Header, stamp: e.Stamp})
		return g.cfg.Limit <= 0 || len(items) < g.cfg.Limit, nil
	})
	return items, err
}

// feedInfo derives a feed's own fields from the configuration and its items.
func feedInfo(cfg *config.Config, k layout.FeedKey, items []shown) render.FeedInfo {
	fi := render.FeedInfo{Key: k, Updated: render.Epoch, Hubs: cfg.Hubs}
	for _, it := range items {
		if it.hdr.Updated.After(fi.Updated) || fi.Updated.Equal(render.Epoch) {
			fi.Updated = it.hdr.Updated
		}
	}
	site := cfg.Link
	for _, it := range items {
		if site != "" {
			break
		}
		site = it.hdr.SiteHome
	}
	if site == "" {
		site = cfg.BaseURL
	}
	switch k.Kind {
	case layout.KindAll:
		fi.Title = cfg.Title
		fi.Description = cmp.Or(cfg.Description, cfg.Title)
		fi.Link = site
	case layout.KindCategory:
		cc := cfg.Categories[k.Name]
		name, home := cc.Title, cc.Link
		for _, it := range items {
			if h := it.hdr; len(h.Categories) > 0 && h.Categories[0] == k.Name {
				if name == "" {
					name = h.CategoryName
				}
				if home == "" {
					home = h.CategoryHome
				}
			}
		}
		fi.Title = cmp.Or(name, k.Name)
		fi.Description = cmp.Or(cc.Description, fi.Title+" · "+cfg.Title)
		fi.Link = cmp.Or(home, site)
	case layout.KindTag:
		fi.Title = "#" + k.Name
		fi.Description = "#" + k.Name + " · " + cfg.Title
		fi.Link = site
	}
	return fi
}

// feedSignature hashes everything a feed's bytes depend on: its own fields
// and the exact bytes of each item's file. The configuration is fixed for a
// Generator's life.
func feedSignature(fi render.FeedInfo, items []shown) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00", fi.Key.Kind, fi.Key.Name, fi.Title, fi.Description, fi.Link, fi.Updated.Format(time.RFC3339Nano))
	// Hubs are added only when there are some, so that a state made before
	// WebSub stays valid.
	for _, u := range fi.Hubs {
		fmt.Fprintf(h, "hub\x00%s\x00", u)
	}
	if fi.Archive != (render.ArchiveInfo{}) {
		fmt.Fprintf(h, "archive %v\x00", fi.Archive)
	}
	if len(fi.ArchiveMonths) > 0 { // the page shows them
		fmt.Fprintf(h, "months %v\x00", fi.ArchiveMonths)
	}
	for _, it := range items {
		h.Write([]byte(it.path))
		h.Write(binary.LittleEndian.AppendUint64(nil, it.sum))
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}
