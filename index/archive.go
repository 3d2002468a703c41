package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"feedgen/layout"
)

// ArchiveDoc is what one archive document (RFC 5005) of a feed showed when
// it was last rendered: like Shown, the signature of everything its bytes
// depend on, the validators of its three files and the paths of its items,
// so that a rebuild renders only the months that changed.
type ArchiveDoc struct {
	Sig        [32]byte
	ETags      [3]string
	Items      []string
	Prev, Next layout.Month // its neighbours when rendered (zero: none)
	// Updated is the document's updated time and Sizes the lengths of
	// its three files: with the tags, what a daemon serves (headers, a
	// 304) of a document it renders only when a request needs its bytes.
	Updated time.Time
	Sizes   [3]int
}

func (e *enc) month(m layout.Month) { e.uv(uint64(m.Year*100 + int(m.Month))) }

func (d *dec) month() layout.Month {
	v := d.uv()
	return layout.Month{Year: int(v / 100), Month: time.Month(v % 100)}
}

func archKey(k layout.FeedKey, m layout.Month) []byte {
	return fmt.Appendf(memberPrefix(k), "%04d%02d", m.Year, int(m.Month))
}

// PutArchive records what feed k's archive document of month m shows; nil
// forgets the document.
func (t *Tx) PutArchive(k layout.FeedKey, m layout.Month, d *ArchiveDoc) error {
	if d == nil {
		return t.b(bArch).Delete(archKey(k, m))
	}
	w := enc{}
	w.b = append(w.b, d.Sig[:]...)
	for _, e := range d.ETags {
		w.str(e)
	}
	w.strs(d.Items)
	w.month(d.Prev)
	w.month(d.Next)
	w.time(d.Updated)
	for _, n := range d.Sizes {
		w.uv(uint64(n))
	}
	return t.b(bArch).Put(archKey(k, m), w.b)
}

// EachArchive calls fn with every recorded archive document.
func (t *Tx) EachArchive(fn func(k layout.FeedKey, m layout.Month, d ArchiveDoc) error) error {
	return t.b(bArch).ForEach(func(key, v []byte) error {
		i := bytes.LastIndexByte(key, 0)
		if i < 0 || len(key)-i-1 != 6 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		k, ok := feedKeyOf(key[:i])
		ym, err := strconv.Atoi(string(key[i+1:]))
		if !ok || err != nil || ym%100 < 1 || ym%100 > 12 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		var d ArchiveDoc
		if len(v) < 32 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		copy(d.Sig[:], v)
		r := dec{b: v[32:]}
		for j := range d.ETags {
			d.ETags[j] = r.str()
		}
		d.Items = r.strs()
		d.Prev, d.Next = r.month(), r.month()
		d.Updated = r.time()
		for j := range d.Sizes {
			d.Sizes[j] = int(r.uv())
		}
		if r.err == nil && len(r.b) != 0 {
			r.fail()
		}
		if r.err != nil {
			return fmt.Errorf("state: archive %q: %w", key, r.err)
		}
		return fn(k, layout.Month{Year: ym / 100, Month: time.Month(ym % 100)}, d)
	})
}

// FeedMonth names the members of one feed published in one month (UTC).
type FeedMonth struct {
	Feed  layout.FeedKey
	Month layout.Month
}

// mark notes that feed k's members changed around the article of header
// h: the feed is dirty, and so is the month of h in it, so that its archive
// document is planned again without a pass over the whole feed.
func (t *Tx) mark(k layout.FeedKey, h *Header) {
	t.dirty[k] = true
	if t.months != nil {
		t.months[FeedMonth{k, layout.MonthOf(h.Published)}] = true
	}
}

func (x *Index) addMonths(m map[FeedMonth]bool) {
	if len(m) == 0 {
		return
	}
	x.monthsMu.Lock()
	defer x.monthsMu.Unlock()
	if x.months == nil {
		x.months = map[FeedMonth]bool{}
	}
	for fm := range m {
		x.months[fm] = true
	}
}

// TakeMonths returns the feed months whose members (or their articles)
// changed in the transactions committed since the last call, and forgets
// them.
func (x *Index) TakeMonths() map[FeedMonth]bool {
	x.monthsMu.Lock()
	defer x.monthsMu.Unlock()
	m := x.months
	x.months = nil
	return m
}

// MonthMembers calls fn with the published articles of feed k of month m
// (UTC), newest first (ties broken by id), until fn returns false. It costs
// the month, not the feed: the members are kept in order of the instant.
func (t *Tx) MonthMembers(k layout.FeedKey, m layout.Month, fn func(path string, e Entry) (more bool, err error)) error {
	start := time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC)
	// Keys after the one of the next month's first instant hold older
	// instants (one at that very instant is the next month's); a key after
	// the one of start is older than the month.
	return t.members(k, timeBytes(start.AddDate(0, 1, 0)), timeBytes(start), fn)
}

// Members is the number of members of feed k (published or not: an
// article whose id another file also claims counts until one of them goes).
func (t *Tx) Members(k layout.FeedKey) int {
	if v := t.b(bFeeds).Get(feedName(k)); len(v) == 8 {
		return int(binary.BigEndian.Uint64(v))
	}
	return 0
}
