package serve

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"feedgen/snapshot"
)

// staleWait bounds how long a request for a lazy file that a regeneration
// is replacing waits for the snapshot that publishes the replacement.
const staleWait = 10 * time.Second

// retriedKey holds, in a request served again after a stale lazy file, the
// time until which it may wait for newer snapshots: a daemon under a burst
// of edits can publish one while the retried request renders, and the
// request waits for the next one instead of failing, within staleWait of
// its first try.
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
// snapshot (bounded by staleWait from its first try, over as many
// snapshots as a burst of edits publishes meanwhile) and is answered from
// it, so a client gets the old or the new bytes, each with its own ETag,
// never a mix. Only if no new snapshot comes does it get a 503 with
// Retry-After.
func (h *Handler) lazyBody(w http.ResponseWriter, r *http.Request, st *state, e *entry, cd coding) ([]byte, bool) {
	b, err := lazyBytes(h.lazy, e.lazy, cd)
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
	if stale {
		deadline, _ := r.Context().Value(retriedKey{}).(time.Time)
		if deadline.IsZero() {
			deadline = time.Now().Add(staleWait)
		}
		if wait := time.Until(deadline); wait > 0 {
			ch := *h.swapped.Load()
			if h.state.Load() == st {
				t := time.NewTimer(wait)
				select {
				case <-ch:
				case <-t.C:
				case <-r.Context().Done():
				}
				t.Stop()
			}
			if h.state.Load() != st {
				h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), retriedKey{}, deadline)))
				return nil, false
			}
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

// lazyBytes returns the bytes of lazy file f in coding cd from c, the
// handler's lazy-file cache, one entry per file and coding. Every coding
// is made from the file's identity bytes, which are rendered once for all
// the requests that need them at the same time (byteCache.shared) and kept
// no longer than that: the cache holds what is sent, and a burst of
// requests for a cold document in several codings renders it once. What
// the cache does not hold is rendered again from the state, which keeps the
// daemon's memory independent of the size of the archive.
func lazyBytes(c *byteCache, f *snapshot.File, cd coding) ([]byte, error) {
	switch cd {
	case codingGzip:
		return c.get(f.GzipETag, func() ([]byte, error) {
			id, err := c.shared(f.ETag, f.Identity)
			if err != nil {
				return nil, err
			}
			return snapshot.Compress(id), nil
		})
	case codingBr:
		return c.get(f.BrETag, func() ([]byte, error) {
			id, err := c.shared(f.ETag, f.Identity)
			if err != nil {
				return nil, err
			}
			return snapshot.CompressBrotli(id), nil
		})
	}
	return c.get(f.ETag, func() ([]byte, error) { return c.shared(f.ETag, f.Identity) })
}
