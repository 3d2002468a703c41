package serve

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"feedgen/snapshot"
)

// staleWait bounds how long a request for a lazy file that a regeneration
// is replacing waits for the snapshot that publishes the replacement.
var staleWait = 10 * time.Second

// retriedKey marks a request already served again after a stale lazy file.
type retriedKey struct{}

// lazyEntry fills the entry of lazy file f: every coding is offered (its
// bytes are made on request), with the validators the file carries.
func lazyEntry(e *entry, f *snapshot.File) {
	e.lazy = f
	e.gz.etag = optional(f.GzipETag)
	e.br.etag = optional(f.BrETag)
}

// lazyBody returns the body of lazy entry e in coding cd for a request
// answered from st, or answers the request itself and returns false.
//
// A lazy file renders its bytes from the state, which a regeneration
// updates before it publishes the snapshot with the new validators. A
// request that falls in between gets snapshot.ErrStale: it waits for that
// snapshot (bounded by staleWait) and is answered from it, so a client gets
// the old or the new bytes, each with its own ETag, never a mix. Only if
// no new snapshot comes does it get a 503 with Retry-After.
func (h *Handler) lazyBody(w http.ResponseWriter, r *http.Request, st *state, e *entry, cd coding) ([]byte, bool) {
	b, err := h.lazy.body(e.lazy, cd)
	if err == nil {
		if h.lazyFailing.Load() { // a shared write on every response would bounce its cache line
			h.lazyFailing.Store(false)
		}
		return b, true
	}
	hdr := w.Header()
	for _, k := range []string{kETag, kLM, kLink, kCC} {
		delete(hdr, k)
	}
	stale := errors.Is(err, snapshot.ErrStale)
	if stale && r.Context().Value(retriedKey{}) == nil {
		ch := *h.swapped.Load()
		if h.state.Load() == st {
			t := time.NewTimer(staleWait)
			select {
			case <-ch:
			case <-t.C:
			case <-r.Context().Done():
			}
			t.Stop()
		}
		if h.state.Load() != st {
			h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), retriedKey{}, true)))
			return nil, false
		}
	}
	if !h.lazyFailing.Swap(true) {
		// Once until a lazy file is served again: a fault of the state
		// would otherwise log a line per request.
		h.log.Error("serve: cannot render a file on demand", "path", e.lazy.Path, "err", err)
	}
	if stale {
		hdr[kRetry] = hdrRetry
		writeStatic(w, r, http.StatusServiceUnavailable, body503stale, hdrLen503stale)
		return nil, false
	}
	writeStatic(w, r, http.StatusInternalServerError, body500, hdrLen500)
	return nil, false
}

var (
	body503stale   = []byte("503 this file is being replaced; try again\n")
	hdrLen503stale = one(strconv.Itoa(len(body503stale)))
)

// DefaultLazyCacheBytes is used when Options.LazyCacheBytes is 0: the
// bodies of lazy files (archive documents, rendered on demand) produced for
// recent requests. An archive document is a few hundred kilobytes to a few
// megabytes before compression and about a tenth after, so this holds the
// compressed forms of the dozens of documents a crawler or a reader walking
// back a chain asks for in a row.
const DefaultLazyCacheBytes = 32 << 20

// lazyCache holds the bodies produced for lazy files (snapshot.NewLazyFile),
// one per file and content coding, least recently used first out, within a
// bound on their total size. It keeps the daemon's memory independent of the
// size of the archive: what is not in it is rendered again from the state.
//
// Keys hold the ETag of the representation (identity, gzip or Brotli):
// equal tags mean equal bytes, so a file carried over by a later snapshot
// keeps its entry and nothing is purged on Swap.
//
// Safe for concurrent use. Concurrent misses on one key produce once (the
// first request inserts a pending entry, the others wait on it), and so do
// concurrent misses on one file's identity bytes, which every coding is made
// from: a burst of requests for a cold document renders it once.
type lazyCache struct {
	max int64 // <= 0: nothing is kept (requests still share a production)

	mu   sync.Mutex
	used int64 // sum of the sizes of the ready entries in m
	m    map[string]*idEntry
	lru  // most recently used first
	// flights are productions in progress that are shared but not kept
	// (the identity bytes a compressed form is made from).
	flights map[string]*idEntry
}

func newLazyCache(max int64) *lazyCache {
	return &lazyCache{max: max, m: map[string]*idEntry{}, flights: map[string]*idEntry{}}
}

// body returns the bytes of lazy file f in coding cd.
func (c *lazyCache) body(f *snapshot.File, cd coding) ([]byte, error) {
	switch cd {
	case codingGzip:
		return c.get(f.GzipETag, func() ([]byte, error) {
			id, err := c.identity(f)
			if err != nil {
				return nil, err
			}
			return snapshot.Compress(id), nil
		})
	case codingBr:
		return c.get(f.BrETag, func() ([]byte, error) {
			id, err := c.identity(f)
			if err != nil {
				return nil, err
			}
			return snapshot.CompressBrotli(id), nil
		})
	}
	return c.get(f.ETag, func() ([]byte, error) { return c.identity(f) })
}

// identity renders f's identity bytes, once for all the requests that
// need them at the same time, and keeps them no longer than that.
func (c *lazyCache) identity(f *snapshot.File) ([]byte, error) {
	c.mu.Lock()
	if e := c.flights[f.ETag]; e != nil {
		c.mu.Unlock()
		<-e.done
		return e.body, e.err
	}
	e := &idEntry{key: f.ETag, done: make(chan struct{})}
	c.flights[e.key] = e
	c.mu.Unlock()
	e.body, e.err = f.Identity()
	c.mu.Lock()
	delete(c.flights, e.key)
	c.mu.Unlock()
	close(e.done)
	return e.body, e.err
}

// get returns the entry of key, producing it with fn on a miss.
func (c *lazyCache) get(key string, fn func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e := c.m[key]; e != nil {
		if e.ready {
			c.unlink(e)
			c.pushFront(e)
			b := e.body
			c.mu.Unlock()
			return b, nil
		}
		c.mu.Unlock()
		<-e.done
		return e.body, e.err
	}
	e := &idEntry{key: key, done: make(chan struct{})}
	c.m[key] = e
	c.pushFront(e)
	c.mu.Unlock()

	// Produce without the lock: hits on other files must not wait for it.
	b, err := fn()

	c.mu.Lock()
	e.body, e.err, e.ready = b, err, true
	if c.m[key] == e {
		if err != nil || int64(len(b)) > c.max {
			c.drop(e) // no failure is kept; nor what the bound cannot hold
		} else {
			e.size = int64(len(b))
			c.used += e.size
			for c.used > c.max && c.tail != nil && c.tail != e {
				c.drop(c.tail)
			}
		}
	}
	c.mu.Unlock()
	close(e.done)
	return b, err
}

// drop removes e from the map, the list and the byte count (a pending
// entry counts for nothing yet). Callers hold mu.
func (c *lazyCache) drop(e *idEntry) {
	delete(c.m, e.key)
	c.unlink(e)
	c.used -= e.size
	e.size = 0
}

// stats returns the number of entries and their total size, for tests.
func (c *lazyCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.used
}
