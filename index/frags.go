// Rendered items (frags, fragsums): the three formats' parts of each
// shown article, and their stamp and sum read without the parts.

package index

import (
	"fmt"

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
		if err := fn(string(k)); err != nil {
			return err
		}
	}
	return nil
}
