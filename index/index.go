// Package index is the archive index: what feedgen learned about every
// article file (its stamp, the header fields it parsed, the feeds it belongs
// to) and the rendered items of the articles the feeds show, kept in an
// embedded ordered store (bbolt) in the state directory.
//
// The index is a cache, never a source of truth. A state that is missing,
// truncated, corrupt, from another feedgen version, for another source
// directory or another configuration is thrown away and rebuilt from the
// articles; nothing published depends on whether it existed. Its ordered
// keys answer "the newest N items of feed F" with a cursor, so memory
// follows the feeds, not the archive.
//
// Layout (bbolt buckets):
//
//	meta    format, source, config → strings; articles → count of published ids
//	files   path → an Entry's file record: sequence number, flags, stamp, sum, error
//	heads   sequence number (8 bytes) → an Entry's header (id, dates, categories, tags, names)
//	feeds   feed (kind byte + name) → number of members
//	members feed + "\x00" + inverted published time (12 bytes) + id + "\x00" + path → ""
//	        (one bucket for all feeds: a feed is a key range, and the list of
//	        feeds with their sizes is the small bucket above)
//	ids     id + "\x00" + path → ""   (several paths: a duplicate id; the smallest wins)
//	dups    id → ""                   (ids claimed by more than one path)
//	errs    path → reason             (files that are bad input)
//	frags   path → the three parts of a Frag (rendered items of shown articles)
//	fragsums path → a Frag's stamp and sum (read without touching the parts)
//	shown   feed → Shown                (what each feed showed when last rendered)
//	outputs output directory + "\x00" + path → Output (what a build left there)
//	archives feed + "\x00" + month (6 digits) → ArchiveDoc (what each archive document showed)
package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"feedgen/layout"
	"feedgen/source"
)

// Format names the layout of the stored records. Change it whenever the
// encoding or the meaning of a record changes: a state of another format is
// rebuilt, never read.
const Format = "feedgen-index-9"

// FileName is the index's file inside the state directory.
const FileName = "index.db"

var (
	bMeta  = []byte("meta")
	bFiles = []byte("files")
	bHeads = []byte("heads")
	bFeeds = []byte("feeds")
	bMembs = []byte("members")
	bIDs   = []byte("ids")
	bDups  = []byte("dups")
	bErrs  = []byte("errs")
	bFrags = []byte("frags")
	bSums  = []byte("fragsums")
	bShown = []byte("shown")
	bOuts  = []byte("outputs")
	bArch  = []byte("archives") // archive.go

	buckets = [][]byte{bMeta, bFiles, bHeads, bFeeds, bMembs, bIDs, bDups, bErrs, bFrags, bSums, bShown, bOuts, bArch}

	kFormat   = []byte("format")
	kSource   = []byte("source")
	kConfig   = []byte("config")
	kArticles = []byte("articles")
	kBulk     = []byte("bulk")
)

// Options say where the index lives and what it must match.
type Options struct {
	// Dir is the state directory; "" means a temporary one, removed by
	// Close, for a run that keeps nothing.
	Dir string
	// Source is the absolute source directory, and Config a fingerprint of
	// everything besides the files that shapes a parsed header or a
	// rendered item. A state made for another source or configuration is
	// rebuilt.
	Source, Config string
	Logger         *slog.Logger
}

// Index is an open archive index. It is safe for concurrent use: reads run
// in parallel, writes one at a time.
type Index struct {
	// mu lets Release close and reopen the file while no transaction is
	// open: transactions hold it for reading.
	mu   sync.RWMutex
	opts Options
	path string
	temp string // the temporary state directory to remove on Close
	db   *bolt.DB
	// Fresh says the index was created empty when it was opened (no state,
	// or a state that could not be used).
	Fresh bool
	trims int
	bulk  bool // commits are not synced (Bulk)

	monthsMu sync.Mutex
	months   map[FeedMonth]bool // touched since TakeMonths (archive.go)
}

// Open opens the index in opts.Dir, or creates it. A state it cannot use is
// replaced by an empty one with one log line saying why; the only errors
// are those that leave no place to keep an index at all.
func Open(opts Options) (*Index, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	x := &Index{opts: opts}
	dir := opts.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "feedgen-state-")
		if err != nil {
			return nil, fmt.Errorf("temporary state directory: %w", err)
		}
		x.temp, dir = tmp, tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	x.path = filepath.Join(dir, FileName)
	if err := x.open(); errors.Is(err, berrors.ErrTimeout) && x.temp == "" {
		// Another feedgen holds this state (a daemon, while a build runs on
		// the same source): leave it alone and keep nothing this time.
		x.opts.Logger.Warn("state: in use by another feedgen, running without it", "path", x.path)
		tmp, err := os.MkdirTemp("", "feedgen-state-")
		if err != nil {
			return nil, fmt.Errorf("temporary state directory: %w", err)
		}
		x.temp, x.path = tmp, filepath.Join(tmp, FileName)
		if err := x.open(); err != nil {
			x.removeTemp()
			return nil, err
		}
	} else if err != nil && x.temp == "" && unwritable(err) {
		if err := x.fallBack(err); err != nil {
			return nil, err
		}
	} else if err != nil {
		x.opts.Logger.Warn("state: cannot be used, rebuilding it from the articles", "path", x.path, "reason", err.Error())
		if err := x.recreate(); err != nil {
			if x.temp != "" {
				x.removeTemp()
				return nil, err
			}
			if err := x.fallBack(err); err != nil {
				return nil, err
			}
		}
	}
	return x, nil
}

// Path is the index file.
func (x *Index) Path() string { return x.path }

// open opens an existing or new file and checks that it is a state of this
// format for this source and configuration.
func (x *Index) open() (err error) {
	// A truncated file makes bbolt read past the end of its mapping: a
	// memory fault, which this turns into a recoverable panic.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	_, statErr := os.Stat(x.path)
	x.Fresh = statErr != nil
	db, err := bolt.Open(x.path, 0o600, x.boltOptions())
	if err != nil {
		return err
	}
	x.db = db
	err = x.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		if m == nil {
			if !x.Fresh && tx.Bucket(bFiles) != nil {
				return errors.New("no meta data")
			}
			x.Fresh = true // new, or an empty file
			return x.initBuckets(tx)
		}
		for _, c := range []struct {
			k    []byte
			want string
			what string
		}{{kFormat, Format, "it was written by another feedgen version"}, {kSource, x.opts.Source, "it belongs to another source directory"}, {kConfig, x.opts.Config, "the configuration changed"}} {
			if string(m.Get(c.k)) != c.want {
				return errors.New(c.what)
			}
		}
		if m.Get(kBulk) != nil {
			return errors.New("the run that wrote it stopped in the middle of a bulk write")
		}
		for _, b := range buckets {
			if tx.Bucket(b) == nil {
				return fmt.Errorf("bucket %s is missing", b)
			}
		}
		return nil
	})
	if err != nil {
		x.db.Close()
		x.db = nil
	}
	return err
}

func (x *Index) boltOptions() *bolt.Options {
	return &bolt.Options{
		// Another process holding the state (a second daemon on the same
		// source) must not hang this one.
		Timeout: 2 * time.Second,
		// A throwaway state need not survive a crash of the machine; a kept
		// one is synced at every commit so that it does.
		NoSync:         x.temp != "",
		NoGrowSync:     x.temp != "",
		FreelistType:   bolt.FreelistMapType,
		NoStatistics:   true,
		NoFreelistSync: false,
	}
}

func (x *Index) initBuckets(tx *bolt.Tx) error {
	for _, b := range buckets {
		if _, err := tx.CreateBucketIfNotExists(b); err != nil {
			return err
		}
	}
	m := tx.Bucket(bMeta)
	for k, v := range map[string]string{string(kFormat): Format, string(kSource): x.opts.Source, string(kConfig): x.opts.Config} {
		if err := m.Put([]byte(k), []byte(v)); err != nil {
			return err
		}
	}
	return nil
}

// recreate replaces the index file with an empty index.
func (x *Index) recreate() error {
	if x.db != nil {
		x.db.Close()
		x.db = nil
	}
	if err := os.Remove(x.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("state %s: %w", x.path, err)
	}
	x.bulk = false
	if err := x.open(); err != nil {
		return fmt.Errorf("state %s: %w", x.path, err)
	}
	x.Fresh = true
	return nil
}

// Reset throws the index away and starts an empty one, for a caller that
// found it damaged while using it.
func (x *Index) Reset(reason error) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.temp == "" && unwritable(reason) {
		return x.fallBack(reason)
	}
	x.opts.Logger.Warn("state: damaged, rebuilding it from the articles", "path", x.path, "reason", reason.Error())
	if err := x.recreate(); err != nil {
		if x.temp != "" {
			return err
		}
		return x.fallBack(err)
	}
	return nil
}

// Release closes and reopens the file. bbolt maps the file into memory, and
// the pages a full walk touched would otherwise count as this process's
// resident memory until the kernel needs them.
func (x *Index) Release() (err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	if err := x.db.Close(); err != nil {
		return err
	}
	db, err := bolt.Open(x.path, 0o600, x.boltOptions())
	if err != nil {
		return fmt.Errorf("state %s: %w", x.path, err)
	}
	db.NoSync = db.NoSync || x.bulk
	x.db = db
	return nil
}

// Bulk switches bulk writing on or off. Many commits in a row (a first
// build's thousands of batches) each wait for the disk twice; in bulk they
// do not. A marker written and synced before the first unsynced commit, and
// removed by a synced commit after a full sync at the end, makes a state
// whose bulk write was cut short by a machine crash be rebuilt rather than
// trusted. A process killed meanwhile loses nothing: its writes are in the
// page cache. A temporary state is never synced anyway.
func (x *Index) Bulk(on bool) error {
	if x.temp != "" || x.bulk == on {
		return nil
	}
	if on {
		if _, err := x.Update(func(t *Tx) error { return t.b(bMeta).Put(kBulk, []byte{1}) }); err != nil {
			return err
		}
		x.mu.Lock()
		x.db.NoSync, x.bulk = true, true
		x.mu.Unlock()
		return nil
	}
	x.mu.Lock()
	x.db.NoSync, x.bulk = false, false
	err := x.db.Sync()
	x.mu.Unlock()
	if err != nil {
		return err
	}
	_, err = x.Update(func(t *Tx) error { return t.b(bMeta).Delete(kBulk) })
	return err
}

// DropPages lets go of the mapped pages the process touched, as Release
// does, but without closing the file where the system allows it (Linux):
// cheap enough to call after every batch of a million-file scan.
func (x *Index) DropPages() error {
	x.mu.RLock()
	err := dropPages(x.db)
	x.mu.RUnlock()
	if err != nil {
		return x.Release()
	}
	return nil
}

// trimBudget is how much of the mapped index may stay resident between
// two Trim calls that drop it: enough to keep the tree's upper levels
// mapped across batches (dropping them after every batch makes every
// lookup fault them in again), little next to the targets.
const trimBudget = 48 << 20

// Trim drops the mapped pages when they take more than a budget of the
// process's memory (on Linux, where that is cheap to know), or every
// sixteenth call elsewhere. A long scan calls it after every batch.
func (x *Index) Trim() error {
	x.trims++
	if n, ok := mappedResident(); ok {
		if n < trimBudget {
			return nil
		}
	} else if x.trims%16 != 0 {
		return nil
	}
	return x.DropPages()
}

// Close closes the index; a temporary one is removed.
func (x *Index) Close() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	var err error
	if x.db != nil {
		err = x.db.Close()
		x.db = nil
	}
	x.removeTemp()
	return err
}

func (x *Index) removeTemp() {
	if x.temp != "" {
		os.RemoveAll(x.temp)
	}
}

// guard turns a panic or a memory fault while reading the mapped file (a
// truncated or damaged state) into an error.
func guard(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("damaged state: %v", r)
	}
}

// View runs fn in a read transaction.
func (x *Index) View(fn func(*Tx) error) (err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	return x.db.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx}) })
}

// Update runs fn in a write transaction and returns the feeds whose items
// may have changed. Nothing is written when fn fails.
func (x *Index) Update(fn func(*Tx) error) (dirty map[layout.FeedKey]bool, err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	t := &Tx{dirty: map[layout.FeedKey]bool{}, months: map[FeedMonth]bool{}}
	err = x.db.Update(func(tx *bolt.Tx) error {
		t.tx = tx
		return fn(t)
	})
	if err != nil {
		return nil, err
	}
	x.addMonths(t.months)
	return t.dirty, nil
}

// Tx is a transaction on the index.
type Tx struct {
	tx     *bolt.Tx
	dirty  map[layout.FeedKey]bool
	months map[FeedMonth]bool // archive.go
}

func (t *Tx) b(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

// Entry returns what the index knows of path.
func (t *Tx) Entry(path string) (Entry, bool, error) {
	v := t.b(bFiles).Get([]byte(path))
	if v == nil {
		return Entry{}, false, nil
	}
	e, err := t.decode(v)
	if err != nil {
		return Entry{}, false, fmt.Errorf("state record of %s: %w", path, err)
	}
	return e, true, nil
}

// decode decodes a file record and the header it points to.
func (t *Tx) decode(file []byte) (Entry, error) {
	e, hasHead, err := decodeFile(file)
	if err != nil || !hasHead {
		return e, err
	}
	head := t.b(bHeads).Get(seqKey(e.Seq))
	if head == nil {
		return e, errCorrupt
	}
	e.Header, err = decodeHead(head)
	return e, err
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// putEntry writes both records of e.
func (t *Tx) putEntry(path string, e *Entry) error {
	file, head := encodeEntry(e)
	if err := t.b(bFiles).Put([]byte(path), file); err != nil {
		return err
	}
	hb := t.b(bHeads)
	if head == nil {
		return hb.Delete(seqKey(e.Seq))
	}
	// New files take ever larger numbers: fill pages as for an append.
	hb.FillPercent = 0.9
	return hb.Put(seqKey(e.Seq), head)
}

// Stamp returns the sequence number, stamp and link flag of path, without
// decoding the rest of its entry: what a rescan compares, a million times.
func (t *Tx) Stamp(path string) (seq uint64, st source.Stamp, link, ok bool, err error) {
	v := t.b(bFiles).Get([]byte(path))
	if v == nil {
		return 0, st, false, false, nil
	}
	d := dec{b: v}
	seq = d.uv()
	flags := d.byte()
	st = d.stamp()
	if d.err != nil {
		return 0, st, false, false, fmt.Errorf("state record of %s: %w", path, d.err)
	}
	return seq, st, flags&flagLink != 0, true, nil
}

// Put files e as what is known of path, replacing what was, and keeps the
// feeds, ids, duplicates and errors in step. e.Seq is assigned.
func (t *Tx) Put(path string, e Entry) (Entry, error) {
	if err := checkKey(path); err != nil {
		return e, err
	}
	if e.Header != nil {
		if err := checkKey(e.Header.ID); err != nil {
			return e, err
		}
	}
	old, ok, err := t.Entry(path)
	if err != nil {
		return e, err
	}
	if ok {
		e.Seq = old.Seq
		if err := t.unfile(path, &old); err != nil {
			return e, err
		}
	} else {
		if e.Seq, err = t.b(bFiles).NextSequence(); err != nil {
			return e, err
		}
	}
	if err := t.putEntry(path, &e); err != nil {
		return e, err
	}
	return e, t.file(path, &e)
}

// SetStamp records a new stamp (and link flag) for a file whose indexed
// content did not change.
func (t *Tx) SetStamp(path string, e Entry) error {
	file, _ := encodeEntry(&e)
	return t.b(bFiles).Put([]byte(path), file)
}

// Touch marks the feeds of h dirty: what they show must be rendered again
// (an article's body changed while its header did not).
func (t *Tx) Touch(h *Header) {
	if h == nil {
		return
	}
	for _, k := range FeedsOf(h) {
		t.mark(k, h)
	}
}

// Delete forgets path.
func (t *Tx) Delete(path string) error {
	old, ok, err := t.Entry(path)
	if err != nil || !ok {
		return err
	}
	if err := t.unfile(path, &old); err != nil {
		return err
	}
	if err := t.DeleteFrag(path); err != nil {
		return err
	}
	if err := t.b(bHeads).Delete(seqKey(old.Seq)); err != nil {
		return err
	}
	return t.b(bFiles).Delete([]byte(path))
}

// checkKey refuses what would break the key layout. Parsing never lets a
// NUL byte through; this is the index's own guard.
func checkKey(s string) error {
	if s == "" || bytes.IndexByte([]byte(s), 0) >= 0 {
		return fmt.Errorf("cannot index %q", s)
	}
	return nil
}

// file adds the entries e implies (errors, feeds, ids).
func (t *Tx) file(path string, e *Entry) error {
	if e.Err != "" {
		return t.b(bErrs).Put([]byte(path), []byte(e.Err))
	}
	h := e.Header
	if h == nil {
		return nil
	}
	for _, k := range dedup(FeedsOf(h)) {
		key := memberKey(k, h, path)
		if t.b(bMembs).Get(key) != nil {
			continue
		}
		if err := t.b(bMembs).Put(key, nil); err != nil {
			return err
		}
		if err := t.count(k, 1); err != nil {
			return err
		}
	}
	return t.claim(h.ID, path, true)
}

// unfile removes the entries e implied.
func (t *Tx) unfile(path string, e *Entry) error {
	if err := t.b(bErrs).Delete([]byte(path)); err != nil {
		return err
	}
	h := e.Header
	if h == nil {
		return nil
	}
	for _, k := range dedup(FeedsOf(h)) {
		t.mark(k, h)
		key := memberKey(k, h, path)
		if t.b(bMembs).Get(key) == nil {
			continue
		}
		if err := t.b(bMembs).Delete(key); err != nil {
			return err
		}
		if err := t.count(k, -1); err != nil {
			return err
		}
	}
	return t.claim(h.ID, path, false)
}

// claim adds or removes path's claim on id, keeping the duplicates and the
// article count, and marks dirty the feeds of every article claiming id:
// which of them is published depends on all of them.
func (t *Tx) claim(id, path string, add bool) error {
	ids := t.b(bIDs)
	key := idKey(id, path)
	before := t.claims(id)
	var err error
	if add {
		err = ids.Put(key, nil)
	} else {
		err = ids.Delete(key)
	}
	if err != nil {
		return err
	}
	after := t.claims(id)
	for _, p := range after {
		e, ok, err := t.Entry(p)
		if err != nil {
			return err
		}
		if ok && e.Header != nil {
			for _, k := range FeedsOf(e.Header) {
				t.mark(k, e.Header)
			}
		}
	}
	switch {
	case len(before) == 0 && len(after) > 0:
		err = t.addArticles(1)
	case len(before) > 0 && len(after) == 0:
		err = t.addArticles(-1)
	}
	if err != nil {
		return err
	}
	if len(after) > 1 {
		return t.b(bDups).Put([]byte(id), nil)
	}
	return t.b(bDups).Delete([]byte(id))
}

// claims lists the paths that claim id, smallest first.
func (t *Tx) claims(id string) []string {
	prefix := append([]byte(id), 0)
	var paths []string
	c := t.b(bIDs).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		paths = append(paths, string(k[len(prefix):]))
	}
	return paths
}

func (t *Tx) addArticles(d int64) error {
	n := int64(t.Articles()) + d
	return t.b(bMeta).Put(kArticles, binary.BigEndian.AppendUint64(nil, uint64(max(n, 0))))
}

// Articles is the number of published articles (distinct ids).
func (t *Tx) Articles() int {
	v := t.b(bMeta).Get(kArticles)
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// Published reports whether path is the file published under id: when
// several files claim an id, the one with the smallest path wins, so the
// choice does not depend on the order files were read in.
func (t *Tx) Published(id, path string) bool {
	prefix := append([]byte(id), 0)
	k, _ := t.b(bIDs).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix) && string(k[len(prefix):]) == path
}

// FeedsOf lists the feeds an article belongs to.
func FeedsOf(h *Header) []layout.FeedKey {
	keys := make([]layout.FeedKey, 0, 1+len(h.Categories)+len(h.Tags))
	keys = append(keys, layout.FeedKey{Kind: layout.KindAll})
	for _, c := range h.Categories {
		keys = append(keys, layout.FeedKey{Kind: layout.KindCategory, Name: c})
	}
	for _, g := range h.Tags {
		keys = append(keys, layout.FeedKey{Kind: layout.KindTag, Name: g})
	}
	return keys
}

var kindByte = [...]byte{layout.KindAll: 'a', layout.KindCategory: 'c', layout.KindTag: 't'}

func feedName(k layout.FeedKey) []byte { return append([]byte{kindByte[k.Kind]}, k.Name...) }

func feedKeyOf(name []byte) (layout.FeedKey, bool) {
	if len(name) == 0 {
		return layout.FeedKey{}, false
	}
	for kind, b := range kindByte {
		if b == name[0] {
			return layout.FeedKey{Kind: layout.Kind(kind), Name: string(name[1:])}, true
		}
	}
	return layout.FeedKey{}, false
}

// memberPrefix starts the keys of feed k's members.
func memberPrefix(k layout.FeedKey) []byte { return append(feedName(k), 0) }

// memberKey orders a feed's members newest first, then by id, then by path.
func memberKey(f layout.FeedKey, h *Header, path string) []byte {
	k := memberPrefix(f)
	n := len(k)
	k = append(k, make([]byte, 12)...)
	binary.BigEndian.PutUint64(k[n:], math.MaxUint64-uint64(h.Published.Unix()-math.MinInt64))
	binary.BigEndian.PutUint32(k[n+8:], math.MaxUint32-uint32(h.Published.Nanosecond()))
	k = append(k, h.ID...)
	k = append(k, 0)
	return append(k, path...)
}

// count adds d to the number of members of feed k, forgetting a feed that
// has none left.
func (t *Tx) count(k layout.FeedKey, d int64) error {
	name := feedName(k)
	n := int64(0)
	if v := t.b(bFeeds).Get(name); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	if n += d; n <= 0 {
		return t.b(bFeeds).Delete(name)
	}
	return t.b(bFeeds).Put(name, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// dedup drops repeated feeds (an article that names a tag twice).
func dedup(keys []layout.FeedKey) []layout.FeedKey {
	out := keys[:0]
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func idKey(id, path string) []byte {
	k := make([]byte, 0, len(id)+1+len(path))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, path...)
}

// Feeds calls fn for every feed that has members, in key order.
func (t *Tx) Feeds(fn func(layout.FeedKey) error) error {
	return t.b(bFeeds).ForEach(func(name, _ []byte) error {
		k, ok := feedKeyOf(name)
		if !ok {
			return fmt.Errorf("state: unknown feed %q", name)
		}
		return fn(k)
	})
}

// Top calls fn with the newest published articles of feed k, newest first
// (ties broken by id), until fn returns false. It costs what fn consumes,
// not the size of the feed.
func (t *Tx) Top(k layout.FeedKey, fn func(path string, e Entry) (more bool, err error)) error {
	prefix := memberPrefix(k)
	c := t.b(bMembs).Cursor()
	for key, _ := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
		key = key[len(prefix):]
		if len(key) < 12 {
			return fmt.Errorf("state: feed %s: %w", k.Name, errCorrupt)
		}
		rest := key[12:]
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return fmt.Errorf("state: feed %s: %w", k.Name, errCorrupt)
		}
		id, path := string(rest[:i]), string(rest[i+1:])
		if !t.Published(id, path) {
			continue
		}
		e, ok, err := t.Entry(path)
		if err != nil {
			return err
		}
		if !ok || e.Header == nil || e.Header.ID != id {
			return fmt.Errorf("state: feed %s lists %s: %w", k.Name, path, errCorrupt)
		}
		more, err := fn(path, e)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Walk calls fn for every file whose path starts with prefix, in path
// order, starting after the path after ("" for the first).
func (t *Tx) Walk(prefix, after string, fn func(path string, e Entry) (more bool, err error)) error {
	return t.files(prefix, after, func(k, v []byte) (bool, error) {
		e, err := t.decode(v)
		if err != nil {
			return false, fmt.Errorf("state record of %s: %w", k, err)
		}
		return fn(string(k), e)
	})
}

// Seqs is Walk for callers that need only each file's sequence number
// (a rescan looking for the files it did not meet): nothing else is
// decoded.
func (t *Tx) Seqs(prefix, after string, fn func(path string, seq uint64) (more bool, err error)) error {
	return t.files(prefix, after, func(k, v []byte) (bool, error) {
		seq, n := binary.Uvarint(v)
		if n <= 0 {
			return false, fmt.Errorf("state record of %s: %w", k, errCorrupt)
		}
		return fn(string(k), seq)
	})
}

// files runs fn over the file records below prefix, after the key after.
func (t *Tx) files(prefix, after string, fn func(k, v []byte) (more bool, err error)) error {
	c := t.b(bFiles).Cursor()
	start := prefix
	if after > start {
		start = after
	}
	k, v := c.Seek([]byte(start))
	if after != "" && k != nil && string(k) == after {
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = c.Next() {
		more, err := fn(k, v)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// Problems calls fn for every file that is bad input, with its reason, and
// for every file that is not published because a smaller path claims its
// id, in no particular order.
func (t *Tx) Problems(bad func(path, reason string), dup func(path, id, winner string)) error {
	if err := t.b(bErrs).ForEach(func(k, v []byte) error { bad(string(k), string(v)); return nil }); err != nil {
		return err
	}
	return t.b(bDups).ForEach(func(k, _ []byte) error {
		paths := t.claims(string(k))
		for _, p := range paths[min(1, len(paths)):] {
			dup(p, string(k), paths[0])
		}
		return nil
	})
}

// Invalid counts the files Problems would report.
func (t *Tx) Invalid() int {
	n := t.b(bErrs).Stats().KeyN
	_ = t.b(bDups).ForEach(func(k, _ []byte) error { n += len(t.claims(string(k))) - 1; return nil })
	return n
}

// Frag returns the rendered item of path; its parts are valid only within
// the transaction.
func (t *Tx) Frag(path string) (Frag, bool, error) {
	f, ok, err := t.FragSum(path)
	if err != nil || !ok {
		return f, ok, err
	}
	v := t.b(bFrags).Get([]byte(path))
	if v == nil {
		return Frag{}, false, fmt.Errorf("state fragment of %s: %w", path, errCorrupt)
	}
	if f.Parts, err = decodeParts(v); err != nil {
		return Frag{}, false, fmt.Errorf("state fragment of %s: %w", path, err)
	}
	return f, true, nil
}

// FragSum returns the stamp and sum of the rendered item of path, without
// its parts: a feed's signature needs only those, and the parts are most
// of the state's bytes.
func (t *Tx) FragSum(path string) (Frag, bool, error) {
	v := t.b(bSums).Get([]byte(path))
	if v == nil {
		return Frag{}, false, nil
	}
	d := dec{b: v}
	f := Frag{Stamp: d.stamp(), Sum: d.u64()}
	if d.err != nil || len(d.b) != 0 {
		return Frag{}, false, fmt.Errorf("state fragment of %s: %w", path, errCorrupt)
	}
	return f, true, nil
}

// PutFrag keeps the rendered item of path.
func (t *Tx) PutFrag(path string, f *Frag) error {
	w := enc{}
	w.stamp(f.Stamp)
	w.u64(f.Sum)
	if err := t.b(bSums).Put([]byte(path), w.b); err != nil {
		return err
	}
	return t.b(bFrags).Put([]byte(path), encodeParts(f.Parts))
}

// SetFragStamp records that the rendered item of path was found to match
// the file of stamp st.
func (t *Tx) SetFragStamp(path string, st source.Stamp) error {
	f, ok, err := t.FragSum(path)
	if err != nil || !ok {
		return err
	}
	w := enc{}
	w.stamp(st)
	w.u64(f.Sum)
	return t.b(bSums).Put([]byte(path), w.b)
}

// DeleteFrag forgets the rendered item of path.
func (t *Tx) DeleteFrag(path string) error {
	if err := t.b(bSums).Delete([]byte(path)); err != nil {
		return err
	}
	return t.b(bFrags).Delete([]byte(path))
}

// FragPaths calls fn with the path of every kept rendered item.
func (t *Tx) FragPaths(fn func(path string) error) error {
	c := t.b(bSums).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if err := fn(string(k)); err != nil {
			return err
		}
	}
	return nil
}
