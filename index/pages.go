// The mapped pages. bbolt maps the file into memory, and every page a read
// touches counts as this process's resident memory until the kernel needs
// it back: scattered lookups over a big index (a month's fragments at
// 100 000 articles are spread over 2.5 GB, each fault mapping the kernel's
// window around it) left hundreds of megabytes resident. The index lets go
// of them itself, on a cadence its callers never see: every trimReads
// records a read transaction reads (inside it, where the system allows),
// after every trimReads records read by small transactions together, after
// every write that commits, and at the end of a bulk write.

package index

import (
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
)

// trimBudget is how much of the mapped index may stay resident between two
// looks that drop it: enough to keep the tree's upper levels mapped across
// a scan's batches (dropping them after every batch makes every lookup
// fault them in again), little next to the memory targets.
var trimBudget int64 = 48 << 20 // a variable for tests

// trimReads is how many records are read between two looks at how much of
// the mapping is resident. A record read in place maps its pages and the
// window the kernel faults in around them (about 70 KB a fragment at
// 100 000 articles), so this bounds what grows between two looks.
const trimReads = 256

// touch counts a record t read (or handed out: a copy of a fragment read
// in place faults its pages in again). A read transaction looks at the
// mapping every trimReads of them and drops it when it is over budget.
func (t *Tx) touch() { t.touchBytes(0) }

// touchBytes is touch for a record of n bytes: a big one counts once more
// for every 64 KB (the kernel's fault-around window), so that what is
// mapped between two looks stays bounded whatever the records' sizes.
func (t *Tx) touchBytes(n int) {
	before := t.reads / trimReads
	t.reads += 1 + n>>16
	if t.reads/trimReads != before && !t.tx.Writable() {
		t.trim()
	}
}

// trim drops the mapped pages from inside a read transaction when they take
// more than the budget: the mapping cannot move while the transaction is
// open, and the slices it handed out stay valid (their pages are mapped
// again as they are read). Nothing happens where the system gives no cheap
// way to know or drop them; the index then bounds them between
// transactions. A failure is the transaction's error (View returns it).
func (t *Tx) trim() {
	if t.trimErr != nil {
		return
	}
	if n, ok := mappedResident(); !ok || n < trimBudget {
		return
	}
	t.trimErr = dropTxPages(t.tx)
}

// settle is the housekeeping after transaction t, which committed if
// wrote. After a commit the mapping is looked at (a bulk write's), or
// dropped whole (a lone commit ends a unit of work, such as a
// regeneration, and leaves an idle daemon nothing mapped). A read that
// handed out rendered items (Items: a feed or archive document, scattered
// over the file) drops it whole where that is cheap (Linux): the next
// document's pages are elsewhere. After other reads it is looked at every
// trimReads records read by transactions together. In bulk, a read that
// handed out items is looked at, not dropped whole. It must be called with
// no transaction open in this goroutine: where pages cannot be dropped, the
// file is reopened.
func (x *Index) settle(t *Tx, wrote bool) error {
	reads := t.reads
	if !wrote {
		reads %= trimReads // the rest was looked at inside (touch)
	}
	x.mu.RLock()
	bulk := x.bulk
	x.mu.RUnlock()
	if t.copied && dropInPlace && !bulk {
		return x.dropAll()
	}
	if wrote {
		x.pending.Store(0)
		if !bulk {
			return x.dropAll()
		}
		return x.trim(true)
	}
	if t.copied {
		// In bulk (a build rendering every feed and archive document),
		// the next document's items share the tree's upper pages and
		// often their pages with this one's: dropping them all after
		// each document made every lookup fault them in again.
		return x.trim(false)
	}
	if x.pending.Add(int64(reads)) < trimReads {
		return nil
	}
	x.pending.Store(0)
	return x.trim(false)
}

// trim drops the mapped pages when they take more than the budget (on
// Linux, where that is cheap to know). Elsewhere the file is reopened every
// sixteenth commit, and never after a read: a read may come from a
// request, which must not wait for a running regeneration to reopen the
// file under its lock.
func (x *Index) trim(wrote bool) error {
	if n, ok := mappedResident(); ok {
		if n < trimBudget {
			return nil
		}
		return x.dropAll()
	}
	if !wrote || x.trims.Add(1)%16 != 0 {
		return nil
	}
	return x.dropAll()
}

// dropAll lets go of every mapped page the process touched, without
// closing the file where the system allows it (Linux), else by reopening
// it. A closed index is left closed.
func (x *Index) dropAll() error {
	x.mu.RLock()
	if x.db == nil {
		x.mu.RUnlock()
		return nil
	}
	err := dropPages(x.db)
	x.mu.RUnlock()
	if err != nil {
		return x.reopen()
	}
	return nil
}

// reopen closes and reopens the file, which unmaps it.
func (x *Index) reopen() (err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.db == nil {
		return nil // closed meanwhile
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer guard(&err)
	if err := x.db.Close(); err != nil {
		x.db = nil
		return fmt.Errorf("state %s: %w", x.path, err)
	}
	db, err := bolt.Open(x.path, 0o600, x.boltOptions())
	if err != nil {
		x.db = nil
		return fmt.Errorf("state %s: %w", x.path, err)
	}
	db.NoSync = db.NoSync || x.bulk
	x.db = db
	return nil
}
