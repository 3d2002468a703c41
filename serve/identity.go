package serve

import (
	"sync"

	"feedgen/snapshot"
)

// DefaultIdentityCacheBytes is used when Options.IdentityCacheBytes is 0:
// room for the decompressed bodies of a few dozen typical feeds (≈ 350 KB
// each), which is what the few non-gzip clients (curl, old crawlers) poll.
const DefaultIdentityCacheBytes = 16 << 20

// identityCache holds the decompressed identity bodies of compact files,
// least recently used first out, within a bound on their total size.
//
// Compact files keep only their gzip form, because almost every feed reader
// accepts gzip and holding both forms would double the memory of the daemon.
// A client that does not accept gzip then needs the bytes decompressed; the
// cache makes a client that polls the same feed pay that once, not per
// request, without bringing back the memory compaction saved.
//
// Entries are keyed by the identity ETag: equal tags mean equal bytes, so a
// file that a later snapshot carries over (or renders again to the same
// bytes) keeps its entry, and nothing needs to be purged on Swap: entries of
// files no longer served are simply not used again and age out. Keying by a
// string rather than by *snapshot.File also keeps the cache from holding
// old snapshots' files alive.
//
// Safe for concurrent use. Concurrent misses on one file decompress once:
// the first inserts a pending entry and the others wait for it.
type identityCache struct {
	max int64 // <= 0: caching disabled

	mu   sync.Mutex
	used int64 // sum of size over the entries in m
	m    map[string]*idEntry
	lru  // most recently used first
}

// idEntry is one identity body. body and err are written once, before done
// is closed and ready is set; readers either hold mu and see ready, or wait
// on done.
type idEntry struct {
	key        string
	size       int64
	body       []byte
	err        error
	ready      bool
	done       chan struct{}
	prev, next *idEntry
}

func newIdentityCache(max int64) *identityCache {
	return &identityCache{max: max, m: make(map[string]*idEntry)}
}

// get returns the identity bytes of f, a compact file. Files larger than
// the whole bound, or without an ETag to key them by, are decompressed per
// request rather than cached: the bound on memory is the promise.
func (c *identityCache) get(f *snapshot.File) ([]byte, error) {
	size := int64(f.Size())
	if c.max <= 0 || size > c.max || f.ETag == "" {
		return f.Identity()
	}
	c.mu.Lock()
	if e := c.m[f.ETag]; e != nil {
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
	e := &idEntry{key: f.ETag, size: size, done: make(chan struct{})}
	c.m[e.key] = e
	c.pushFront(e)
	c.used += size
	for c.used > c.max && c.tail != e {
		c.drop(c.tail)
	}
	c.mu.Unlock()

	// Decompress without the lock: hits on other files must not wait for it.
	b, err := f.Identity()

	c.mu.Lock()
	e.body, e.err, e.ready = b, err, true
	if err != nil && c.m[e.key] == e {
		c.drop(e) // do not keep a failure; the next request tries again
	}
	c.mu.Unlock()
	close(e.done)
	return b, err
}

// drop removes e from the map, the list and the byte count. Callers hold
// mu. A pending entry may be dropped: its waiters still get its result
// through the entry itself.
func (c *identityCache) drop(e *idEntry) {
	delete(c.m, e.key)
	c.unlink(e)
	c.used -= e.size
}

// stats returns the number of entries and their total size, for tests.
func (c *identityCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m), c.used
}
