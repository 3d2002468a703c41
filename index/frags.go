// Rendered items (frags, fragsums): the three formats' parts of each
// shown article, and their stamp and sum read without the parts.

package index

import (
	"errors"
	"fmt"
	"iter"

	"feedgen/source"
)

// Frag returns the rendered item of path; its parts are valid only within
// the transaction.
func (t *Tx) Frag(path string) (Frag, bool, error) {
	f, ok, err := t.FragSum(path)
	if err != nil || !ok {
		return f, ok, err
	}
	v := t.b(bFrags).Get([]byte(path))
	t.touchBytes(len(v)) // the parts: most of the state's bytes
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
	t.touch()
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
		t.touch()
		if err := fn(string(k)); err != nil {
			return err
		}
	}
	return nil
}

// ErrNoItem says an article has no rendered item in the state (dropped
// since the caller learned its path).
var ErrNoItem = errors.New("no rendered item")

// Items are the rendered items of a list of articles, read in place from
// the mapped file: valid only within their transaction. They are handed
// out one at a time (Part), so that the index can let go of the pages
// each copy faults in as it goes: an archive month at 100 000 articles is
// thousands of fragments scattered over gigabytes, and copying one format
// of it mapped about 200 MB.
type Items struct {
	t     *Tx
	parts [][3][]byte
}

// Items looks up the rendered items of paths, in order. A path that has
// none is an error wrapping ErrNoItem.
func (t *Tx) Items(paths []string) (*Items, error) {
	s := &Items{t: t, parts: make([][3][]byte, len(paths))}
	for i, path := range paths {
		f, ok, err := t.Frag(path)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w for %s", ErrNoItem, path)
		}
		s.parts[i] = f.Parts
	}
	return s, nil
}

// Part is one of the three parts (formats) of a list of rendered items.
type Part struct {
	s *Items
	i int
}

// Part returns part i (0, 1 or 2) of the items.
func (s *Items) Part(i int) Part { return Part{s, i} }

// Len is the number of items.
func (p Part) Len() int { return len(p.s.parts) }

// Size is the length of the part of all the items together.
func (p Part) Size() int {
	n := 0
	for _, f := range p.s.parts {
		n += len(f[p.i])
	}
	return n
}

// All yields the part of each item, in order. Each slice is valid within
// the transaction; handing it out counts as a read of the index.
func (p Part) All() iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for _, f := range p.s.parts {
			p.s.t.copied = true
			p.s.t.touchBytes(len(f[p.i]))
			if !yield(f[p.i]) {
				return
			}
		}
	}
}
