package feedgen

import (
	"slices"
	"sync/atomic"
	"time"

	"feedgen/feedgen/article"
	"feedgen/feedgen/internal/parallel"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/source"
)

// itemRenderer makes the rendered items every document is assembled from:
// it reads whole each article a document shows whose item the index does
// not keep (or keeps from other bytes), cleans it, renders its item in the
// three formats and files the fragments in the index, once per change of
// the file. It is a job of its own because it is the one that reads
// article bodies, and the costly one: the scanner reads heads and tails
// only, and the output splices fragments.
type itemRenderer struct {
	*shared
	scan *scanner // files a body that turns out to be bad input
	// cleaned counts the articles parsed and cleaned whole to render their
	// item, for tests of what a warm start costs.
	cleaned atomic.Int64
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

// render reads, cleans and renders the articles rels (sorted), and
// files the results: their fragments, or what turned out to be wrong.
// known holds the sums of kept items to check: a file whose bytes have
// the same sum is not parsed or cleaned again.
func (ir *itemRenderer) render(rels []string, known map[string]uint64) error {
	if len(rels) > itemChunk {
		_, err := ir.bulk(func() (int, error) { return 0, ir.chunks(rels, known) })
		return err
	}
	return ir.chunks(rels, known)
}

// chunks is render, a chunk at a time.
func (ir *itemRenderer) chunks(rels []string, known map[string]uint64) error {
	for len(rels) > 0 {
		chunk := rels[:min(len(rels), itemChunk)]
		rels = rels[len(chunk):]
		res := make([]itemRead, len(chunk))
		parallel.IO(len(chunk), func(i int) {
			data, st, err := ir.rd.ReadWhole(chunk[i])
			r := itemRead{stamp: st, err: err}
			if sum, ok := known[chunk[i]]; ok && err == nil && article.ContentSum(data) == sum {
				r.same = true
				res[i] = r
				return
			}
			if err == nil {
				ir.cleaned.Add(1)
				r.a, r.err = article.Parse(chunk[i], data, ir.rd.Options())
			}
			if r.err == nil {
				r.frag = index.Frag{Stamp: st, Sum: article.ContentSum(data), Parts: render.ItemFragments(&ir.cfg, r.a)}
			}
			res[i] = r
		})
		err := ir.update(func(t *index.Tx) error {
			for i, rel := range chunk {
				if err := ir.file(t, rel, &res[i]); err != nil {
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

// file files one read of a shown article.
func (ir *itemRenderer) file(t *index.Tx, rel string, r *itemRead) error {
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
	if r.err != nil {
		return ir.scan.failed(t, rel, r.stamp, r.err) // the entry's feeds are dirty now: they are planned again
	}
	e, ok, err := t.Entry(rel)
	if err != nil {
		return err
	}
	if !ok || e.Header == nil {
		return nil // gone meanwhile; its feeds are planned again
	}
	// The item is filed under a header of the bytes it was rendered from,
	// whatever the stamps say: the header may have been read from other
	// bytes under the same stamp (a file rewritten within one tick of the
	// file system's clock with the same size, or rewritten between the
	// stat of a read and the read), and an item of one version under the
	// header of another puts the article in the wrong feeds, dated after
	// the feed it is in.
	if h := headerOf(r.a); !sameHeader(e.Header, h) {
		// Changed since its header was read: index what is there now.
		// Sum 0 never matches a header read, so the next read files it
		// again.
		if _, err := t.Put(rel, index.Entry{Stamp: r.stamp, Link: e.Link, Header: h}); err != nil {
			return err
		}
	} else if e.Stamp != r.stamp {
		e.Stamp = r.stamp
		if err := t.SetStamp(rel, e); err != nil {
			return err
		}
	}
	ir.frags[rel] = true
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
