package bucket

import (
	"fmt"
	"strings"

	"feedgen/source"
)

// Manifest remembers between runs what a Publisher left in its bucket, so
// that a run that changes nothing looks at nothing (no LIST): for each path
// below the prefix, a record of the object. The state directory keeps it
// (index.Outputs, one per target), as it keeps diskout's.
type Manifest interface {
	// Each calls fn with every record.
	Each(fn func(path, record string, st source.Stamp)) error
	// Record notes what path holds now; record "" notes that it holds
	// nothing of ours.
	Record(path, record string, st source.Stamp)
	// Flush saves what was recorded.
	Flush() error
}

// entry is what the bucket holds at one key, as far as a Publisher knows.
type entry struct {
	// tag is the ETag of the bytes in feedgen's own terms
	// (snapshot.ETagOf, or a precompressed form's tag): what a run
	// compares a file with. "" when the object is known from a LIST
	// alone, which says nothing of its headers: then only md5 and size
	// can tell that its bytes are right.
	tag string
	// md5 is the object's ETag as the store reports it (the hex MD5 of
	// the bytes of a single-part upload), which a LIST returns.
	md5  string
	size int64
	// cc is the Cache-Control the object was uploaded with.
	cc string
}

// The manifest's records: an entry as "tag\nmd5\ncc" with its size in the
// stamp, and one record under runKey that says whether the last run that
// changed the bucket finished. Paths never start with a NUL.
const (
	runKey = "\x00run"
	// runDone: the entries are what the bucket holds. runBusy: a run
	// was changing the bucket and did not finish, so an object may hold
	// newer bytes than its entry says; the next run reconciles with one
	// LIST. A manifest without the record has never seen this bucket
	// (or the state was reset): it knows nothing.
	runDone = "done"
	runBusy = "busy"
)

func (e entry) record() string { return e.tag + "\n" + e.md5 + "\n" + e.cc }

func parseRecord(rec string, st source.Stamp) (entry, error) {
	f := strings.Split(rec, "\n")
	if len(f) != 3 || f[0] == "" {
		return entry{}, fmt.Errorf("bad record %q", rec)
	}
	return entry{tag: f[0], md5: f[1], cc: f[2], size: st.Size}, nil
}

// load reads what m knows: the entries, and whether they can be trusted
// without a LIST (the last run that changed the bucket finished).
func load(m Manifest) (known map[string]entry, trusted bool, err error) {
	known = map[string]entry{}
	state := ""
	var bad error
	err = m.Each(func(p, rec string, st source.Stamp) {
		if p == runKey {
			state = rec
			return
		}
		e, err := parseRecord(rec, st)
		if err != nil {
			bad = fmt.Errorf("%s: %w", p, err)
			return
		}
		known[p] = e
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the record of the bucket in the state: %w", err)
	}
	return known, state == runDone, nil
}
