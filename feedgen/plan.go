package feedgen

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"feedgen/feedgen/article"
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
		g.takeMonths()
		for k := range g.dirty {
			err := g.ix.View(func(t *index.Tx) error {
				items, err := g.top(t, k)
				if err != nil {
					return err
				}
				tops[k] = items
				check := items
				if g.archiving() {
					more, err := g.archiveCandidates(t, k, items)
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
			if err != nil {
				return nil, wrapIndex(err)
			}
		}
		clear(g.dirty)
		sort.Strings(need)
		if err := g.renderItems(slices.Compact(need), known); err != nil {
			return nil, err
		}
	}
	g.archJobs = g.archJobs[:0] // left by a plan that failed part way
	jobs := make([]*renderJob, 0, len(tops))
	// One transaction per feed: on a first build with archives, planning
	// reads every archived member of every feed and its item sum, most of
	// the index (which lets go of the pages as the reads go on).
	for k, items := range tops {
		err := g.ix.View(func(t *index.Tx) error {
			if len(items) == 0 && k.Kind != layout.KindAll {
				if g.out[k] != nil {
					delete(g.out, k)
					g.gone = append(g.gone, k)
				}
				g.dropArchive(k, layout.Month{})
				return nil
			}
			if err := fillSums(t, items); err != nil {
				return err
			}
			j := &renderJob{key: k, items: items, info: g.feedInfo(k, items)}
			if g.archiving() {
				if err := g.planArchive(t, j); err != nil {
					return err
				}
			}
			j.sig = feedSignature(j.info, items)
			if old := g.out[k]; old != nil && old.sig == j.sig && (old.files[0] != nil || g.kept(k, old)) {
				return nil
			}
			jobs = append(jobs, j)
			return nil
		})
		if err != nil {
			return nil, wrapIndex(err)
		}
	}
	g.archFull = false
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

// itemRead is the outcome of reading and rendering one shown article.
type itemRead struct {
	a     *article.Article
	stamp source.Stamp
	frag  index.Frag
	same  bool // the bytes are those the kept item was rendered from
	err   error
}

// itemChunk is how many shown articles are read, cleaned and rendered
// together: each holds its whole body and three rendered items until it is
// filed, so fewer than scanChunk.
const itemChunk = 256

// renderItems reads, cleans and renders the articles rels (sorted), and
// files the results: their fragments, or what turned out to be wrong.
// known holds the sums of kept items to check: a file whose bytes have
// the same sum is not parsed or cleaned again.
func (g *Generator) renderItems(rels []string, known map[string]uint64) error {
	if len(rels) > itemChunk {
		_, err := g.bulk(func() (int, error) { return 0, g.renderChunks(rels, known) })
		return err
	}
	return g.renderChunks(rels, known)
}

// renderChunks is renderItems, a chunk at a time.
func (g *Generator) renderChunks(rels []string, known map[string]uint64) error {
	for len(rels) > 0 {
		chunk := rels[:min(len(rels), itemChunk)]
		rels = rels[len(chunk):]
		res := make([]itemRead, len(chunk))
		parallelIO(len(chunk), func(i int) {
			data, st, err := g.rd.ReadWhole(chunk[i])
			r := itemRead{stamp: st, err: err}
			if sum, ok := known[chunk[i]]; ok && err == nil && article.ContentSum(data) == sum {
				r.same = true
				res[i] = r
				return
			}
			if err == nil {
				g.cleaned.Add(1)
				r.a, r.err = article.Parse(chunk[i], data, g.rd.Options())
			}
			if r.err == nil {
				r.frag = index.Frag{Stamp: st, Sum: article.ContentSum(data), Parts: render.ItemFragments(&g.cfg, r.a)}
			}
			res[i] = r
		})
		err := g.update(func(t *index.Tx) error {
			for i, rel := range chunk {
				if err := g.fileItem(t, rel, &res[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fileItem files one read of a shown article.
func (g *Generator) fileItem(t *index.Tx, rel string, r *itemRead) error {
	if r.same {
		// Same bytes as the kept item's: only the stamps move on.
		e, ok, err := t.Entry(rel)
		if err != nil || !ok || e.Header == nil {
			return err
		}
		if e.Stamp != r.stamp {
			e.Stamp = r.stamp
			if err := t.SetStamp(rel, e); err != nil {
				return err
			}
		}
		return t.SetFragStamp(rel, r.stamp)
	}
	switch {
	case errors.Is(r.err, article.ErrNotPublished):
		_, _, err := g.apply(t, article.HeaderRead{Rel: rel, Stamp: r.stamp, Err: r.err}, false)
		return err
	case r.err != nil:
		_, _, err := g.apply(t, article.HeaderRead{Rel: rel, Stamp: r.stamp, Err: r.err}, false)
		return err // the entry's feeds are dirty now: they are planned again
	}
	e, ok, err := t.Entry(rel)
	if err != nil {
		return err
	}
	if !ok || e.Header == nil {
		return nil // gone meanwhile; its feeds are planned again
	}
	if e.Stamp != r.stamp {
		if h := headerOf(r.a); !sameHeader(e.Header, h) {
			// Changed since its header was read: index what is there now.
			// Sum 0 never matches a header read, so the next read files it
			// again.
			if _, err := t.Put(rel, index.Entry{Stamp: r.stamp, Link: e.Link, Header: h}); err != nil {
				return err
			}
		} else {
			e.Stamp = r.stamp
			if err := t.SetStamp(rel, e); err != nil {
				return err
			}
		}
	}
	g.frags[rel] = true
	return t.PutFrag(rel, &r.frag)
}

// sameHeader reports whether two parses of a file index the same way.
func sameHeader(a, b *index.Header) bool {
	return a.ID == b.ID && a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) &&
		zoneOf(a.Published) == zoneOf(b.Published) && zoneOf(a.Updated) == zoneOf(b.Updated) &&
		slices.Equal(a.Categories, b.Categories) && slices.Equal(a.Tags, b.Tags) &&
		a.CategoryName == b.CategoryName && a.CategoryHome == b.CategoryHome && a.SiteHome == b.SiteHome
}

func zoneOf(t time.Time) int {
	_, off := t.Zone()
	return off
}

// feedInfo derives a feed's own fields from the configuration and its items.
func (g *Generator) feedInfo(k layout.FeedKey, items []shown) render.FeedInfo {
	fi := render.FeedInfo{Key: k, Updated: render.Epoch, Hubs: g.cfg.Hubs}
	for _, it := range items {
		if it.hdr.Updated.After(fi.Updated) || fi.Updated.Equal(render.Epoch) {
			fi.Updated = it.hdr.Updated
		}
	}
	site := g.cfg.Link
	for _, it := range items {
		if site != "" {
			break
		}
		site = it.hdr.SiteHome
	}
	if site == "" {
		site = g.cfg.BaseURL
	}
	switch k.Kind {
	case layout.KindAll:
		fi.Title = g.cfg.Title
		fi.Description = cmp.Or(g.cfg.Description, g.cfg.Title)
		fi.Link = site
	case layout.KindCategory:
		cc := g.cfg.Categories[k.Name]
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
		fi.Description = cmp.Or(cc.Description, fi.Title+" · "+g.cfg.Title)
		fi.Link = cmp.Or(home, site)
	case layout.KindTag:
		fi.Title = "#" + k.Name
		fi.Description = "#" + k.Name + " · " + g.cfg.Title
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
