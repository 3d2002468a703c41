package feedgen

import (
	"cmp"
	"slices"
	"sort"

	"feedgen/feedgen/archive"
	"feedgen/feedgen/config"
	"feedgen/feedgen/doc"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
)

// renderJob is a feed whose bytes changed.
type renderJob struct {
	key   layout.FeedKey
	items []doc.Item
	info  render.FeedInfo
	sig   [32]byte
}

// planner decides what each feed shows and which feeds' bytes change: for
// every feed a change made dirty, its newest Limit members, their rendered
// items made current (by the item renderer), its own fields and signature,
// and with archives the archive planner's plan of its months. It is apart from the
// output because it decides from keys, stamps and sums alone, without
// reading a fragment, so that a feed whose signature is unchanged costs no
// rendering. It keeps no state between plans: its decisions are the jobs
// it returns, and what was rendered before is the output's.
type planner struct {
	*shared
	items *itemRenderer
	arch  *archive.Planner // which archive months change
	out   *output          // what each feed showed when it was last rendered
}

// plan decides the items of every dirty feed and returns the feeds whose
// bytes change. The items a feed shows must have their rendered fragments
// in the index; those that lack them are read, cleaned and rendered, in
// parallel. One that turns out to be bad input (its body, which indexing
// did not read) drops out, and the feeds it was in are planned again.
func (p *planner) plan() ([]*renderJob, error) {
	tops := map[layout.FeedKey][]doc.Item{}
	for len(p.dirty) > 0 {
		var need []string
		known := map[string]uint64{} // kept items to check against the file
		p.arch.TakeMonths()
		for k := range p.dirty {
			// A transaction a feed: each item costs a few pages all
			// over the index, which the index lets go of as it reads.
			if err := p.view(func(t *index.Tx) error {
				items, err := p.top(t, k)
				if err != nil {
					return err
				}
				tops[k] = items
				return p.stale(t, k, items, &need, known)
			}); err != nil {
				return nil, err
			}
		}
		clear(p.dirty)
		sort.Strings(need)
		if err := p.items.render(slices.Compact(need), known); err != nil {
			return nil, err
		}
	}
	p.arch.Begin(p.keep)
	jobs := make([]*renderJob, 0, len(tops))
	// One transaction per feed: on a first build with archives, planning
	// reads every archived member of every feed and its item sum, most of
	// the index (which lets go of the pages as the reads go on).
	for k, items := range tops {
		if err := p.view(func(t *index.Tx) error {
			j, err := p.job(t, k, items)
			if j != nil {
				jobs = append(jobs, j)
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	p.arch.End()
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].key.Less(jobs[k].key) })
	return jobs, nil
}

// stale adds to need the items feed k shows (top), and with archives those
// of the archive months to plan again, whose rendered item the index does
// not keep or keeps from another stamp of the file; known gets the sum of
// the bytes of the latter, which the item renderer checks before it renders
// them again.
func (p *planner) stale(t *index.Tx, k layout.FeedKey, top []doc.Item, need *[]string, known map[string]uint64) error {
	check := top
	if p.arch.On() {
		var old *archive.Shown
		if o := p.out.feeds[k]; o != nil {
			old = &archive.Shown{Info: o.info, Items: o.items}
		}
		more, err := p.arch.Candidates(t, k, top, feedInfo(&p.cfg, k, top), old)
		if err != nil {
			return err
		}
		check = append(slices.Clip(top), more...)
	}
	for _, it := range check {
		if !p.frags[it.Path] {
			*need = append(*need, it.Path)
			continue
		}
		// A kept item rendered from another stamp of the file (a fresh
		// checkout, a copy, a touch) is checked against the file's bytes:
		// equal bytes keep it.
		f, ok, err := t.FragSum(it.Path)
		if err != nil {
			return err
		}
		if !ok || f.Stamp != it.Stamp {
			*need = append(*need, it.Path)
			if ok {
				known[it.Path] = f.Sum
			}
		}
	}
	return nil
}

// job plans feed k, which shows items: nil when its bytes do not change,
// or when it shows nothing and is gone (the global feed stays, empty).
func (p *planner) job(t *index.Tx, k layout.FeedKey, items []doc.Item) (*renderJob, error) {
	if len(items) == 0 && k.Kind != layout.KindAll {
		p.out.drop(k)
		p.arch.Drop(k)
		return nil, nil
	}
	if err := doc.FillSums(t, items); err != nil {
		return nil, err
	}
	j := &renderJob{key: k, items: items, info: feedInfo(&p.cfg, k, items)}
	if p.arch.On() {
		if err := p.arch.Plan(t, k, items, &j.info); err != nil {
			return nil, err
		}
	}
	j.sig = doc.Signature(j.info, items)
	if old := p.out.feeds[k]; old != nil && old.sig == j.sig && (old.files[0] != nil || p.kept(k, old)) {
		return nil, nil
	}
	return j, nil
}

// kept reports whether every file of an unchanged feed known from the state
// is in place, so that Emit need not render it.
func (p *planner) kept(k layout.FeedKey, o *feedOut) bool {
	return doc.Kept(p.keep, o.etags, k.Path) &&
		(k.Kind == layout.KindAll || p.keep(k.PagePath(), o.pageETag)) // the global feed's page is the index, always emitted
}

// top returns the newest Limit published articles of feed k: newest first,
// ties broken by id, so that the order never depends on reading order. The
// index is kept in that order, so this costs the limit, not the archive.
func (p *planner) top(t *index.Tx, k layout.FeedKey) ([]doc.Item, error) {
	var items []doc.Item
	err := t.Top(k, func(path string, e index.Entry) (bool, error) {
		items = append(items, doc.Item{Path: path, Header: e.Header, Stamp: e.Stamp})
		return p.cfg.Limit <= 0 || len(items) < p.cfg.Limit, nil
	})
	return items, err
}

// feedInfo derives a feed's own fields from the configuration and its items.
func feedInfo(cfg *config.Config, k layout.FeedKey, items []doc.Item) render.FeedInfo {
	fi := render.FeedInfo{Key: k, Updated: render.Epoch, Hubs: cfg.Hubs}
	for _, it := range items {
		if it.Header.Updated.After(fi.Updated) || fi.Updated.Equal(render.Epoch) {
			fi.Updated = it.Header.Updated
		}
	}
	site := cfg.Link
	for _, it := range items {
		if site != "" {
			break
		}
		site = it.Header.SiteHome
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
			if h := it.Header; len(h.Categories) > 0 && h.Categories[0] == k.Name {
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
