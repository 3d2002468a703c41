package index

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"feedgen/layout"
)

// ArchiveDoc is what one archive document (RFC 5005) of a feed showed when
// it was last rendered: like Shown, the signature of everything its bytes
// depend on, the validators of its three files and the paths of its items,
// so that a rebuild renders only the months that changed.
type ArchiveDoc struct {
	Sig   [32]byte
	ETags [3]string
	Items []string
}

func archKey(k layout.FeedKey, m layout.Month) []byte {
	return fmt.Appendf(memberPrefix(k), "%04d%02d", m.Year, int(m.Month))
}

// PutArchive records what feed k's archive document of month m shows; nil
// forgets the document.
func (t *Tx) PutArchive(k layout.FeedKey, m layout.Month, d *ArchiveDoc) error {
	if d == nil {
		return t.b(bArch).Delete(archKey(k, m))
	}
	w := enc{}
	w.b = append(w.b, d.Sig[:]...)
	for _, e := range d.ETags {
		w.str(e)
	}
	w.strs(d.Items)
	return t.b(bArch).Put(archKey(k, m), w.b)
}

// EachArchive calls fn with every recorded archive document.
func (t *Tx) EachArchive(fn func(k layout.FeedKey, m layout.Month, d ArchiveDoc) error) error {
	return t.b(bArch).ForEach(func(key, v []byte) error {
		i := bytes.LastIndexByte(key, 0)
		if i < 0 || len(key)-i-1 != 6 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		k, ok := feedKeyOf(key[:i])
		ym, err := strconv.Atoi(string(key[i+1:]))
		if !ok || err != nil || ym%100 < 1 || ym%100 > 12 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		var d ArchiveDoc
		if len(v) < 32 {
			return fmt.Errorf("state: archive %q: %w", key, errCorrupt)
		}
		copy(d.Sig[:], v)
		r := dec{b: v[32:]}
		for j := range d.ETags {
			d.ETags[j] = r.str()
		}
		d.Items = r.strs()
		if r.err == nil && len(r.b) != 0 {
			r.fail()
		}
		if r.err != nil {
			return fmt.Errorf("state: archive %q: %w", key, r.err)
		}
		return fn(k, layout.Month{Year: ym / 100, Month: time.Month(ym % 100)}, d)
	})
}
