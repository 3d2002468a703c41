package serve

import "sync"

// byteCache is the one cache of the handler's request path: byte slices
// produced on demand (the decompressed identity bodies of compact files,
// the rendered and compressed bodies of lazy files), kept by key.
//
//   - Bounded bytes: the sizes of the kept bodies never sum to more than
//     max. A body larger than max is produced and returned but not kept,
//     and max <= 0 keeps nothing. The bound is on what is kept; a body
//     being produced counts once it is ready, which for the callers
//     (whose bodies are at most a few megabytes) bounds the rest by the
//     number of requests in progress.
//   - Single flight per key: concurrent misses on one key produce once.
//     The first caller inserts a pending entry and produces without the
//     lock (hits on other keys must not wait for it); the others wait on
//     the entry and get its result, error included.
//   - Least recently used first out: a hit moves its entry to the head of
//     an intrusive list (the links live in the entry, so a hit allocates
//     nothing); a new body evicts from the tail until the bound holds.
//   - No failure is kept: the next request tries again.
//   - stats reports the entries and bytes kept, for tests.
//
// Keys are the ETags of what is produced: equal tags mean equal bytes, so
// a file carried over by a later snapshot keeps its entry and nothing is
// purged when a snapshot is swapped in. An empty key (a file without a
// validator) is never kept.
//
// Safe for concurrent use.
type byteCache struct {
	max int64 // <= 0: nothing is kept (callers still share productions)

	mu   sync.Mutex
	used int64 // sum of the sizes of the kept entries
	kept int   // number of kept entries
	m    map[string]*cacheEntry
	// head is the most recently used kept entry, tail the least. Pending
	// entries are in m (for single flight) but not in the list, so that
	// eviction only ever meets bodies it can free.
	head, tail *cacheEntry
	// flights are productions in progress that are shared but never kept
	// (see shared).
	flights map[string]*cacheEntry
}

// cacheEntry is one body, pending or ready. body and err are written once,
// before done is closed and ready is set; readers either hold the cache's
// mutex and see ready, or wait on done.
type cacheEntry struct {
	key        string
	size       int64 // counted in used; 0 while pending or not kept
	body       []byte
	err        error
	ready      bool
	done       chan struct{}
	prev, next *cacheEntry
}

func newByteCache(max int64) *byteCache {
	return &byteCache{max: max, m: map[string]*cacheEntry{}, flights: map[string]*cacheEntry{}}
}

// get returns the body kept under key, producing it with produce on a
// miss (once for all the callers that miss at the same time) and keeping
// it within the bound.
func (c *byteCache) get(key string, produce func() ([]byte, error)) ([]byte, error) {
	if key == "" {
		return produce()
	}
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
	e := &cacheEntry{key: key, done: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	b, err := produce()

	c.mu.Lock()
	e.body, e.err, e.ready = b, err, true
	if err != nil || c.max <= 0 || int64(len(b)) > c.max {
		delete(c.m, key) // no failure is kept; nor what the bound cannot hold
	} else {
		e.size = int64(len(b))
		c.used += e.size
		c.kept++
		c.pushFront(e)
		for c.used > c.max && c.tail != e {
			c.drop(c.tail)
		}
	}
	c.mu.Unlock()
	close(e.done)
	return b, err
}

// shared runs produce once for all the callers that ask for key at the
// same time and keeps nothing afterwards: for what is made only to make
// kept bodies from (a lazy file's identity bytes, from which each of its
// codings is made).
func (c *byteCache) shared(key string, produce func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e := c.flights[key]; e != nil {
		c.mu.Unlock()
		<-e.done
		return e.body, e.err
	}
	e := &cacheEntry{key: key, done: make(chan struct{})}
	c.flights[key] = e
	c.mu.Unlock()
	e.body, e.err = produce()
	c.mu.Lock()
	delete(c.flights, key)
	c.mu.Unlock()
	close(e.done)
	return e.body, e.err
}

// drop removes kept entry e from the map, the list and the byte count.
// Callers hold mu.
func (c *byteCache) drop(e *cacheEntry) {
	delete(c.m, e.key)
	c.unlink(e)
	c.used -= e.size
	c.kept--
	e.size = 0
}

// pushFront makes e the most recently used entry; e must not be linked.
// Callers hold mu.
func (c *byteCache) pushFront(e *cacheEntry) {
	e.prev, e.next = nil, c.head
	if c.head != nil {
		c.head.prev = e
	}
	c.head = e
	if c.tail == nil {
		c.tail = e
	}
}

// unlink takes e out of the list. Callers hold mu.
func (c *byteCache) unlink(e *cacheEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if c.head == e {
		c.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else if c.tail == e {
		c.tail = e.prev
	}
	e.prev, e.next = nil, nil
}

// stats returns the number of kept entries and their total size. Pending
// entries count for neither.
func (c *byteCache) stats() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kept, c.used
}
