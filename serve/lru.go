package serve

// lru is the recency list of the identity and the lazy-file caches: head is
// the most recently used entry, tail the least. It is intrusive (the links
// live in idEntry) so that a cache hit allocates nothing. Callers hold their
// cache's mutex.
type lru struct {
	head, tail *idEntry
}

// pushFront makes e the most recently used entry; e must not be linked.
func (l *lru) pushFront(e *idEntry) {
	e.prev, e.next = nil, l.head
	if l.head != nil {
		l.head.prev = e
	}
	l.head = e
	if l.tail == nil {
		l.tail = e
	}
}

// unlink takes e out of the list (a no-op for an entry not in it).
func (l *lru) unlink(e *idEntry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else if l.head == e {
		l.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else if l.tail == e {
		l.tail = e.prev
	}
	e.prev, e.next = nil, nil
}
