// Bulk loading: a first build files every article of the source into an
// empty index. One Put per file is a B+tree insert at a random place in
// every bucket it touches (members, ids, files, heads), and bbolt pays for
// each with a search that faults mapped pages in: three quarters of a cold
// build's time went there. A Loader instead collects the records, sorts
// them in runs of bounded size (spilled to temporary files past a budget,
// so that a million articles cost no more memory than ten thousand) and
// appends them in key order, which bbolt does without searching: a new key
// lands at the end of the rightmost leaf, and pages are split once, at
// commit. What the inserts would have derived one at a time (the number of
// members of each feed, the duplicate ids, the number of articles, the
// dirty feeds and months) is derived from the sorted streams.

package index

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	bolt "go.etcd.io/bbolt"

	"feedgen/layout"
)

// loadBudget is how many bytes of records a Loader holds before it sorts
// them and spills them to a run file: the memory a first build spends on
// loading, whatever the number of articles (a Loader's budget field, which
// tests lower).
const loadBudget = 8 << 20

// loadCommit is how many bytes of records are appended per transaction:
// bbolt keeps every page a transaction writes in memory until it commits.
const loadCommit = 2 << 20

// The buckets a Loader writes, in the order of their record tags.
var loadBuckets = [...][]byte{bFiles, bHeads, bMembs, bIDs, bErrs}

const (
	lFiles byte = iota
	lHeads
	lMembs
	lIDs
	lErrs
)

// ErrNotEmpty is returned by Load when the index already files articles:
// loading appends, it cannot replace or merge.
var ErrNotEmpty = errors.New("the state already holds files")

// Loader files many files into an empty index at once (Load). It is not
// safe for concurrent use. Nothing is visible in the index before Commit.
// A Commit that fails leaves part of the records written: the caller then
// treats the state as damaged, as a crash during the load is (the bulk
// marker, Bulk, makes the next run rebuild it).
type Loader struct {
	x      *Index
	dir    string // where run files go: beside the index
	budget int    // loadBudget
	seq    uint64
	arena  []byte   // the records held, each encoded as in a run file
	offs   []uint32 // where each record held starts in arena
	runs   []*run
	// What the inserts would have derived one by one.
	counts map[layout.FeedKey]int64
	dirty  map[layout.FeedKey]bool
	months map[FeedMonth]bool
}

// A record is encoded as its bucket tag, then the key and the value, each
// with its length as a uvarint before it: in the arena and in run files.

// recAt decodes the record at the start of b, returning its bucket tag,
// key, value and length; ok is false for a record cut short.
func recAt(b []byte) (tag byte, k, v []byte, n int, ok bool) {
	d := dec{b: b}
	tag = d.byte()
	k = d.raw()
	v = d.raw()
	return tag, k, v, len(b) - len(d.b), d.err == nil
}

func compareRec(ta byte, ka []byte, tb byte, kb []byte) int {
	if c := cmp.Compare(ta, tb); c != 0 {
		return c
	}
	return bytes.Compare(ka, kb)
}

// Empty reports whether the index files no article file.
func (x *Index) Empty() (bool, error) {
	empty := false
	err := x.View(func(t *Tx) error {
		k, _ := t.b(bFiles).Cursor().First()
		empty = k == nil
		return nil
	})
	return empty, err
}

// Load returns a Loader for this index, which must file no article file
// (ErrNotEmpty otherwise).
func (x *Index) Load() (*Loader, error) {
	empty, err := x.Empty()
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ErrNotEmpty
	}
	return &Loader{
		x: x, dir: filepath.Dir(x.path), budget: loadBudget,
		counts: map[layout.FeedKey]int64{},
		dirty:  map[layout.FeedKey]bool{},
		months: map[FeedMonth]bool{},
	}, nil
}

// Put files e as what is known of path, as Tx.Put would into an empty
// index, and returns the sequence number it assigned. Each path must be
// put once.
func (l *Loader) Put(path string, e Entry) (uint64, error) {
	if err := checkKey(path); err != nil {
		return 0, err
	}
	if e.Header != nil {
		if err := checkKey(e.Header.ID); err != nil {
			return 0, err
		}
	}
	l.seq++
	e.Seq = l.seq
	file, head := encodeEntry(&e)
	l.add(lFiles, []byte(path), file)
	switch h := e.Header; {
	case e.Err != "":
		l.add(lErrs, []byte(path), []byte(e.Err))
	case h != nil:
		l.add(lHeads, seqKey(e.Seq), head)
		for _, k := range dedup(FeedsOf(h)) {
			l.add(lMembs, memberKey(k, h, path), nil)
			l.counts[k]++
			l.dirty[k] = true
			l.months[FeedMonth{k, layout.MonthOf(h.Published)}] = true
		}
		l.add(lIDs, idKey(h.ID, path), nil)
	}
	if len(l.arena) >= l.budget {
		if err := l.spill(); err != nil {
			return 0, err
		}
	}
	return e.Seq, nil
}

// add holds one record.
func (l *Loader) add(tag byte, k, v []byte) {
	if l.arena == nil {
		// Once, whole: growing it by appends copied it over and over.
		l.arena = make([]byte, 0, l.budget+l.budget/8)
	}
	l.offs = append(l.offs, uint32(len(l.arena)))
	l.arena = append(l.arena, tag)
	l.arena = binary.AppendUvarint(l.arena, uint64(len(k)))
	l.arena = append(l.arena, k...)
	l.arena = binary.AppendUvarint(l.arena, uint64(len(v)))
	l.arena = append(l.arena, v...)
}

// sort orders the records held by bucket and key.
func (l *Loader) sort() {
	slices.SortFunc(l.offs, func(a, b uint32) int {
		ta, ka, _, _, _ := recAt(l.arena[a:])
		tb, kb, _, _, _ := recAt(l.arena[b:])
		return compareRec(ta, ka, tb, kb)
	})
}

// spill sorts the records held and writes them to a run file.
func (l *Loader) spill() error {
	f, err := os.CreateTemp(l.dir, "load-*.run")
	if err != nil {
		return fmt.Errorf("loading the state: %w", err)
	}
	r := &run{f: f, name: f.Name()}
	// Unlinked at once where the system allows: a killed run then leaves
	// nothing behind. Where it does not (Windows), close removes it.
	if os.Remove(r.name) == nil {
		r.name = ""
	}
	l.runs = append(l.runs, r)
	l.sort()
	w := bufio.NewWriterSize(f, 1<<16)
	for _, off := range l.offs {
		_, _, _, n, _ := recAt(l.arena[off:])
		w.Write(l.arena[off : int(off)+n])
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("loading the state: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("loading the state: %w", err)
	}
	r.rd = bufio.NewReaderSize(f, 1<<16)
	l.arena, l.offs = l.arena[:0], l.offs[:0]
	return nil
}

// Abort drops what the Loader holds without writing anything.
func (l *Loader) Abort() {
	for _, r := range l.runs {
		r.close()
	}
	l.runs, l.arena, l.offs = nil, nil, nil
}

// run is a spilled run of sorted records.
type run struct {
	f    *os.File
	name string // to remove on close; "" once unlinked
	rd   *bufio.Reader
}

func (r *run) close() {
	r.f.Close()
	if r.name != "" {
		os.Remove(r.name)
	}
}

// stream is one sorted stream of records being merged: a run file or the
// records still held.
type stream struct {
	tag  byte
	k, v []byte
	next func() (tag byte, k, v []byte, ok bool, err error)
}

// next reads the next record of a run. Keys and values are fresh
// slices: bbolt keeps a value until its transaction commits.
func (r *run) next() (byte, []byte, []byte, bool, error) {
	tag, err := r.rd.ReadByte()
	if err == io.EOF {
		return 0, nil, nil, false, nil
	}
	if err != nil {
		return 0, nil, nil, false, err
	}
	k, err := r.field()
	if err != nil {
		return 0, nil, nil, false, err
	}
	v, err := r.field()
	if err != nil {
		return 0, nil, nil, false, err
	}
	return tag, k, v, true, nil
}

func (r *run) field() ([]byte, error) {
	n, err := binary.ReadUvarint(r.rd)
	if err != nil {
		return nil, noEOF(err)
	}
	if n > 1<<30 {
		return nil, errCorrupt
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.rd, b); err != nil {
		return nil, noEOF(err)
	}
	return b, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// merger yields the records of all sources in bucket and key order.
type merger []*stream

func (m merger) Len() int { return len(m) }
func (m merger) Less(i, j int) bool {
	return compareRec(m[i].tag, m[i].k, m[j].tag, m[j].k) < 0
}
func (m merger) Swap(i, j int) { m[i], m[j] = m[j], m[i] }
func (m *merger) Push(x any)   { *m = append(*m, x.(*stream)) }
func (m *merger) Pop() any {
	old := *m
	s := old[len(old)-1]
	*m = old[:len(old)-1]
	return s
}

// sources opens the merge: every run, and the records still held, sorted.
func (l *Loader) sources() (merger, error) {
	l.sort()
	var m merger
	for _, r := range l.runs {
		m = append(m, &stream{next: r.next})
	}
	i := 0
	m = append(m, &stream{next: func() (byte, []byte, []byte, bool, error) {
		if i == len(l.offs) {
			return 0, nil, nil, false, nil
		}
		tag, k, v, _, _ := recAt(l.arena[l.offs[i]:])
		i++
		return tag, k, v, true, nil
	}})
	live := m[:0]
	for _, s := range m {
		tag, k, v, ok, err := s.next()
		if err != nil {
			return nil, fmt.Errorf("loading the state: reading a run: %w", err)
		}
		if ok {
			s.tag, s.k, s.v = tag, k, v
			live = append(live, s)
		}
	}
	heap.Init(&live)
	return live, nil
}

// Commit writes every record put into the index, in key order, and
// returns the feeds whose items changed (all the feeds loaded), as
// Index.Update does; the feed months touched are recorded for TakeMonths.
func (l *Loader) Commit() (map[layout.FeedKey]bool, error) {
	defer l.Abort()
	m, err := l.sources()
	if err != nil {
		return nil, err
	}
	w := &appender{l: l}
	for m.Len() > 0 {
		s := m[0]
		if err := w.put(s.tag, s.k, s.v); err != nil {
			w.abort()
			return nil, err
		}
		tag, k, v, ok, err := s.next()
		if err != nil {
			w.abort()
			return nil, fmt.Errorf("loading the state: reading a run: %w", err)
		}
		if ok {
			s.tag, s.k, s.v = tag, k, v
			heap.Fix(&m, 0)
		} else {
			heap.Pop(&m)
		}
	}
	if err := w.finish(); err != nil {
		return nil, err
	}
	l.x.addMonths(l.months)
	return l.dirty, nil
}

// appender writes the merged stream into the index in transactions of
// about loadCommit bytes, and derives the duplicate ids and the number of
// articles from the ids as they pass (they come sorted by id).
type appender struct {
	l        *Loader
	batch    []brec
	size     int
	lastTag  byte
	last     []byte
	started  bool
	id       []byte // the id whose claims are passing
	claims   int
	articles uint64
}

// brec is a record to write: its bucket's name, key and value.
type brec struct{ b, k, v []byte }

func (w *appender) put(tag byte, k, v []byte) error {
	if int(tag) >= len(loadBuckets) {
		return fmt.Errorf("loading the state: %w", errCorrupt)
	}
	if w.started && compareRec(w.lastTag, w.last, tag, k) >= 0 {
		return fmt.Errorf("loading the state: %q filed twice", k)
	}
	w.started, w.lastTag, w.last = true, tag, k
	if tag == lIDs {
		id := k[:bytes.IndexByte(k, 0)]
		if !bytes.Equal(id, w.id) {
			w.endID()
			w.id, w.claims = id, 0
			w.articles++
		}
		w.claims++
	}
	return w.add(loadBuckets[tag], k, v)
}

// endID files the id that just passed as a duplicate when several paths
// claim it.
func (w *appender) endID() {
	if w.claims > 1 {
		w.batch = append(w.batch, brec{bDups, w.id, nil})
	}
}

func (w *appender) add(b, k, v []byte) error {
	w.batch = append(w.batch, brec{b, k, v})
	w.size += len(k) + len(v) + 16
	if w.size < loadCommit {
		return nil
	}
	return w.flush()
}

// flush appends the batch in one transaction. Keys arrive in order within
// each bucket, so pages are filled whole: nothing is inserted before them
// until a later run changes an article.
func (w *appender) flush() error {
	if len(w.batch) == 0 {
		return nil
	}
	_, err := w.l.x.Update(func(t *Tx) error {
		var name []byte
		var b *bolt.Bucket
		for _, r := range w.batch {
			if !bytes.Equal(r.b, name) {
				name, b = r.b, t.b(r.b)
				b.FillPercent = 1
			}
			if err := b.Put(r.k, r.v); err != nil {
				return err
			}
		}
		return nil
	})
	w.batch, w.size = w.batch[:0], 0
	if err != nil {
		return fmt.Errorf("loading the state: %w", err)
	}
	return nil
}

// finish writes what was derived: the duplicate id last seen, the number
// of members of each feed, the number of articles and the files' sequence.
func (w *appender) finish() error {
	w.endID()
	if err := w.flush(); err != nil {
		return err
	}
	feeds := make([]layout.FeedKey, 0, len(w.l.counts))
	for k := range w.l.counts {
		feeds = append(feeds, k)
	}
	slices.SortFunc(feeds, func(a, b layout.FeedKey) int { return bytes.Compare(feedName(a), feedName(b)) })
	_, err := w.l.x.Update(func(t *Tx) error {
		fb := t.b(bFeeds)
		fb.FillPercent = 1
		for _, k := range feeds {
			if err := fb.Put(feedName(k), binary.BigEndian.AppendUint64(nil, uint64(w.l.counts[k]))); err != nil {
				return err
			}
		}
		if err := t.b(bFiles).SetSequence(w.l.seq); err != nil {
			return err
		}
		return t.b(bMeta).Put(kArticles, binary.BigEndian.AppendUint64(nil, w.articles))
	})
	if err != nil {
		return fmt.Errorf("loading the state: %w", err)
	}
	return nil
}

// abort drops the batch not yet written.
func (w *appender) abort() { w.batch = nil }
