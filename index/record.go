package index

import (
	"encoding/binary"
	"errors"
	"time"

	"feedgen/source"
)

// Header is what the index keeps of a published article: enough to place it
// in its feeds, order them, and describe a feed (its updated time, the name
// and home page of a category). The title and body are not kept: a feed's
// items come from rendered fragments (Frag).
type Header struct {
	ID                 string
	Published, Updated time.Time // instants with the article's own zone offset
	Categories, Tags   []string
	CategoryName       string // from the navigation line, for the first category
	CategoryHome       string
	SiteHome           string
}

// Entry is what the index knows of one article file.
type Entry struct {
	// Seq numbers the file within the index; it is assigned by Put when the
	// file is first filed and kept until it is deleted, so that a full walk
	// can mark the files it met in a bitmap instead of a set of names.
	Seq   uint64
	Stamp source.Stamp
	// Sum hashes the bytes the header was parsed from: a file whose stamp
	// changed but whose head and tail did not needs no re-indexing.
	Sum  uint64
	Link bool // the file is a symbolic link (read again with every batch)
	// Exactly one of the following describes the file: Err (bad input, with
	// the reason), Hidden (published: false), or Header.
	Err    string
	Hidden bool
	Header *Header
}

// Frag is the rendered item of an article in the three formats, kept for
// the articles a feed shows so that a restart or another feed showing the
// same article does not read and clean the body again.
type Frag struct {
	Stamp source.Stamp // of the file the fragments were rendered from
	Sum   uint64       // of the whole file's bytes
	Parts [3][]byte
}

// errCorrupt is returned when a stored record cannot be decoded.
var errCorrupt = errors.New("corrupt record")

const (
	flagLink   = 1
	flagHidden = 2
	flagErr    = 4
	flagHeader = 8
)

type enc struct{ b []byte }

func (e *enc) uv(v uint64)    { e.b = binary.AppendUvarint(e.b, v) }
func (e *enc) sv(v int64)     { e.b = binary.AppendVarint(e.b, v) }
func (e *enc) u64(v uint64)   { e.b = binary.BigEndian.AppendUint64(e.b, v) }
func (e *enc) str(s string)   { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) bytes(s []byte) { e.uv(uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) strs(l []string) {
	e.uv(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}
func (e *enc) time(t time.Time) {
	_, off := t.Zone()
	e.sv(t.Unix())
	e.uv(uint64(t.Nanosecond()))
	e.sv(int64(off))
}
func (e *enc) stamp(s source.Stamp) { e.sv(s.Size); e.sv(s.MTime); e.sv(s.CTime); e.uv(s.Ino) }

// dec reads what enc wrote; the first error sticks and every later read
// returns zero values, so decoding a damaged record never panics.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() { d.err, d.b = errCorrupt, nil }

func (d *dec) uv() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) sv() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// raw returns the next length-prefixed bytes, aliasing the record.
func (d *dec) raw() []byte {
	n := d.uv()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}

func (d *dec) str() string { return string(d.raw()) }

func (d *dec) strs() []string {
	n := d.uv()
	if n > uint64(len(d.b)) { // each string takes at least a byte
		d.fail()
		return nil
	}
	var l []string
	for i := uint64(0); i < n && d.err == nil; i++ {
		l = append(l, d.str())
	}
	return l
}

func (d *dec) time() time.Time {
	sec, nsec, off := d.sv(), d.uv(), d.sv()
	if nsec >= 1e9 || off < -24*3600 || off > 24*3600 {
		d.fail()
		return time.Time{}
	}
	loc := time.UTC
	if off != 0 {
		loc = time.FixedZone("", int(off))
	}
	return time.Unix(sec, int64(nsec)).In(loc)
}

func (d *dec) stamp() source.Stamp {
	return source.Stamp{Size: d.sv(), MTime: d.sv(), CTime: d.sv(), Ino: d.uv()}
}

// encodeEntry encodes e as its file record (what a rescan compares: the
// sequence number, flags, stamp, sum and error) and, for a published
// article, its header record, kept apart under the sequence number so that
// the records a rescan reads a million times stay small.
func encodeEntry(e *Entry) (file, head []byte) {
	w := enc{b: make([]byte, 0, 48)}
	w.uv(e.Seq)
	var flags byte
	switch {
	case e.Err != "":
		flags = flagErr
	case e.Hidden:
		flags = flagHidden
	case e.Header != nil:
		flags = flagHeader
	}
	if e.Link {
		flags |= flagLink
	}
	w.b = append(w.b, flags)
	w.stamp(e.Stamp)
	w.u64(e.Sum)
	if flags&flagErr != 0 {
		w.str(e.Err)
	}
	if flags&flagHeader == 0 {
		return w.b, nil
	}
	h := e.Header
	hw := enc{b: make([]byte, 0, 192)}
	hw.str(h.ID)
	hw.time(h.Published)
	hw.time(h.Updated)
	hw.strs(h.Categories)
	hw.strs(h.Tags)
	hw.str(h.CategoryName)
	hw.str(h.CategoryHome)
	hw.str(h.SiteHome)
	return w.b, hw.b
}

// decodeFile decodes a file record; when it says the file has a header,
// hasHead is set and decodeHead must complete the entry.
func decodeFile(b []byte) (e Entry, hasHead bool, err error) {
	d := dec{b: b}
	e.Seq = d.uv()
	flags := d.byte()
	e.Link = flags&flagLink != 0
	e.Stamp = d.stamp()
	e.Sum = d.u64()
	switch flags &^ flagLink {
	case flagErr:
		e.Err = d.str()
		if e.Err == "" {
			d.fail()
		}
	case flagHidden:
		e.Hidden = true
	case flagHeader:
		hasHead = true
	default:
		d.fail()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return e, hasHead, d.err
}

// decodeHead decodes a header record.
func decodeHead(b []byte) (*Header, error) {
	d := dec{b: b}
	h := &Header{ID: d.str()}
	h.Published, h.Updated = d.time(), d.time()
	h.Categories, h.Tags = d.strs(), d.strs()
	h.CategoryName, h.CategoryHome, h.SiteHome = d.str(), d.str(), d.str()
	if d.err == nil && (len(d.b) != 0 || h.ID == "") {
		d.fail()
	}
	return h, d.err
}

// decodeEntry decodes both records of an entry (head is nil when the file
// record says there is none).
func decodeEntry(file, head []byte) (Entry, error) {
	e, hasHead, err := decodeFile(file)
	if err != nil || !hasHead {
		return e, err
	}
	if head == nil {
		return e, errCorrupt
	}
	e.Header, err = decodeHead(head)
	return e, err
}

func encodeParts(parts [3][]byte) []byte {
	n := 16
	for _, p := range parts {
		n += len(p) + 4
	}
	w := enc{b: make([]byte, 0, n)}
	for _, p := range parts {
		w.bytes(p)
	}
	return w.b
}

// decodeParts decodes a fragment's parts; they alias b.
func decodeParts(b []byte) ([3][]byte, error) {
	d := dec{b: b}
	var parts [3][]byte
	for i := range parts {
		parts[i] = d.raw()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return parts, d.err
}
