// Transactions, and the file records: what the index knows of each
// article file (files, heads), which path owns each id (ids, dups) and
// which files are bad input (errs).

package index

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"feedgen/layout"
	"feedgen/source"
)

// Tx is a transaction on the index.
type Tx struct {
	tx     *bolt.Tx
	dirty  map[layout.FeedKey]bool
	months map[FeedMonth]bool // archive.go
	// reads counts the records read, copied says rendered items were
	// handed out (Items), and trimErr is the first failure to drop the
	// mapped pages inside the transaction (pages.go).
	reads   int
	copied  bool
	trimErr error
}

func (t *Tx) b(name []byte) *bolt.Bucket { return t.tx.Bucket(name) }

// Entry returns what the index knows of path.
func (t *Tx) Entry(path string) (Entry, bool, error) {
	t.touch()
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
	t.touch()
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
		t.touch()
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
