// Package index is the archive index: what feedgen learned about every
// article file (its stamp, the header fields it parsed, the feeds it belongs
// to) and the rendered items of the articles the feeds show, kept in an
// embedded ordered store (bbolt) in the state directory.
//
// The index is a cache, never a source of truth. A state that is missing,
// truncated, corrupt, from another feedgen version, for another source
// directory or for a configuration that parses headers otherwise is thrown
// away and rebuilt from the articles; one for a configuration that only
// renders otherwise keeps what the scan learned and drops what was
// rendered. Nothing published depends on whether it existed. Its ordered
// keys answer "the newest N items of feed F" with a cursor, so memory
// follows the feeds, not the archive. The file is memory-mapped, and the
// index lets go of the pages its reads map on its own, as they go
// (pages.go): no caller trims. An empty index is filled by a bulk load
// (Load, load.go): records sorted in bounded runs and appended in key
// order, several times faster than inserting them one file at a time.
//
// Layout (bbolt buckets):
//
//	meta    format, source, scan, render → strings; articles → count of published ids
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
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"feedgen/layout"
)

// Format names the layout of the stored records. Change it whenever the
// encoding or the meaning of a record changes: a state of another format is
// rebuilt, never read.
const Format = "feedgen-index-12"

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
	kScan     = []byte("scan")
	kRender   = []byte("render")
	kArticles = []byte("articles")
	kBulk     = []byte("bulk")
)

// Options say where the index lives and what it must match.
type Options struct {
	// Dir is the state directory; "" means a temporary one, removed by
	// Close, for a run that keeps nothing.
	Dir string
	// Source is the absolute source directory. Scan is a fingerprint of
	// everything besides the files that shapes a parsed header (what the
	// scan records: files, heads, feeds, members, ids, errors), Render one
	// of what shapes only rendered things (the rendered items, what the
	// feeds and archive documents showed). A state made for another source
	// or Scan is rebuilt; one made for another Render keeps its scan
	// records and drops the rest (renderBuckets).
	Source, Scan, Render string
	Logger               *slog.Logger
}

// Index is an open archive index. It is safe for concurrent use: reads run
// in parallel, writes one at a time.
type Index struct {
	// mu lets the index close and reopen its file while no transaction
	// is open (reopen, Reset): transactions hold it for reading.
	mu   sync.RWMutex
	opts Options
	path string
	temp string // the temporary state directory to remove on Close
	db   *bolt.DB
	// Fresh says the index was created empty when it was opened (no state,
	// or a state that could not be used).
	Fresh bool
	bulk  bool // in a bulk write (Bulk): commits are not synced

	// pending counts the records read by transactions since the mapping
	// was last looked at, trims the looks that could not know how much
	// of it is resident (pages.go).
	pending, trims atomic.Int64

	// fellBack says a state directory was asked for but this run keeps a
	// temporary state instead (in use by another feedgen, or its disk
	// refuses writes): read by Temporary from any goroutine.
	fellBack atomic.Bool

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
		x.fellBack.Store(true)
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
	rerender := false
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
		}{{kFormat, Format, "it was written by another feedgen version"}, {kSource, x.opts.Source, "it belongs to another source directory"}, {kScan, x.opts.Scan, "the configuration changed how articles are read (time zone, host of the base URL or largest article size)"}} {
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
		if string(m.Get(kRender)) != x.opts.Render {
			rerender = true
			return x.dropRendered(tx)
		}
		return nil
	})
	if err != nil {
		x.db.Close()
		x.db = nil
		return err
	}
	if rerender {
		x.opts.Logger.Info("state: the configuration of the rendered feeds changed; keeping what the scan learned, rendering the items again", "path", x.path)
	}
	return nil
}

// renderBuckets hold what depends on the rendering configuration (Render)
// besides the scan records: dropped when it changes.
var renderBuckets = [][]byte{bFrags, bSums, bShown, bArch}

// dropRendered empties the render buckets and records the new Render.
func (x *Index) dropRendered(tx *bolt.Tx) error {
	for _, b := range renderBuckets {
		if err := tx.DeleteBucket(b); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(b); err != nil {
			return err
		}
	}
	return tx.Bucket(bMeta).Put(kRender, []byte(x.opts.Render))
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
	for k, v := range map[string]string{string(kFormat): Format, string(kSource): x.opts.Source, string(kScan): x.opts.Scan, string(kRender): x.opts.Render} {
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

// Bulk switches bulk writing on or off. Many commits in a row (a first
// build's thousands of batches) each wait for the disk twice; in bulk they
// do not. A marker written and synced before the first unsynced commit, and
// removed by a synced commit after a full sync at the end, makes a state
// whose bulk write was cut short by a machine crash be rebuilt rather than
// trusted. A process killed meanwhile loses nothing: its writes are in the
// page cache. A temporary state is never synced anyway. In bulk, the
// mapped pages are dropped when they are over budget; the end of a bulk
// write drops them all (pages.go).
func (x *Index) Bulk(on bool) error {
	x.mu.RLock()
	was := x.bulk
	x.mu.RUnlock()
	if was == on {
		return nil
	}
	if on {
		if x.temp == "" {
			if _, err := x.Update(func(t *Tx) error { return t.b(bMeta).Put(kBulk, []byte{1}) }); err != nil {
				return err
			}
		}
		x.mu.Lock()
		if x.db != nil {
			x.db.NoSync = true
		}
		x.bulk = true
		x.mu.Unlock()
		return nil
	}
	x.mu.Lock()
	x.bulk = false
	var err error
	if x.temp == "" && x.db != nil {
		x.db.NoSync = false
		err = x.db.Sync()
	}
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if x.temp != "" {
		return x.dropAll()
	}
	// A commit outside bulk: it drops the mapped pages too.
	_, err = x.Update(func(t *Tx) error { return t.b(bMeta).Delete(kBulk) })
	return err
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
func (x *Index) View(fn func(*Tx) error) error {
	t := &Tx{}
	err := x.view(t, fn)
	if serr := x.settle(t, false); err == nil {
		err = serr
	}
	return err
}

func (x *Index) view(t *Tx, fn func(*Tx) error) (err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	return x.db.View(func(tx *bolt.Tx) error {
		t.tx = tx
		if err := fn(t); err != nil {
			return err
		}
		return t.trimErr
	})
}

// Update runs fn in a write transaction and returns the feeds whose items
// may have changed. Nothing is written when fn fails.
func (x *Index) Update(fn func(*Tx) error) (dirty map[layout.FeedKey]bool, err error) {
	t := &Tx{dirty: map[layout.FeedKey]bool{}, months: map[FeedMonth]bool{}}
	if err := x.update(t, fn); err != nil {
		return nil, err
	}
	x.addMonths(t.months)
	// Written: a failure to let go of the pages (the file could not be
	// reopened) comes with the feeds.
	return t.dirty, x.settle(t, true)
}

func (x *Index) update(t *Tx, fn func(*Tx) error) (err error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	return x.db.Update(func(tx *bolt.Tx) error {
		t.tx = tx
		return fn(t)
	})
}
