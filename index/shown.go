package index

import (
	"bytes"
	"fmt"
	"time"

	"feedgen/layout"
	"feedgen/source"
)

// Shown is what a feed showed when it was last rendered: the signature of
// everything its bytes depend on, the validators of its three files, its own
// fields and its items. A build whose feed has the same signature, and
// whose output files are still what it wrote (Output), renders nothing.
type Shown struct {
	Sig   [32]byte
	ETags [3]string
	// PageETag is the validator of the feed's HTML page ("" for the global
	// feed, whose page is the site index).
	PageETag string
	// The feed's own fields, for the index page and the OPML list.
	Title, Description, Link string
	Updated                  time.Time
	Items                    []string // paths of the articles shown
	// LastModified is the Last-Modified time the feed's files were last
	// served with, so that it never goes backwards across a restart (see
	// feedgen's lastModified). Zero in a record written before it existed.
	LastModified time.Time
}

// Output is what a build left at one path of an output directory: the
// validator of the bytes and the stamp of the file, so that a later build
// trusts the file without reading it as long as nobody touched it.
type Output struct {
	ETag  string
	Stamp source.Stamp
}

func encodeShown(s *Shown) []byte {
	w := enc{}
	w.b = append(w.b, s.Sig[:]...)
	for _, e := range s.ETags {
		w.str(e)
	}
	w.str(s.PageETag)
	w.str(s.Title)
	w.str(s.Description)
	w.str(s.Link)
	w.time(s.Updated)
	w.strs(s.Items)
	w.time(s.LastModified)
	return w.b
}

func decodeShown(b []byte) (Shown, error) {
	var s Shown
	if len(b) < 32 {
		return s, errCorrupt
	}
	copy(s.Sig[:], b)
	d := dec{b: b[32:]}
	for i := range s.ETags {
		s.ETags[i] = d.str()
	}
	s.PageETag = d.str()
	s.Title, s.Description, s.Link = d.str(), d.str(), d.str()
	s.Updated = d.time()
	s.Items = d.strs()
	if d.err == nil && len(d.b) != 0 {
		s.LastModified = d.time()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return s, d.err
}

// PutShown records what feed k shows; nil forgets the feed.
func (t *Tx) PutShown(k layout.FeedKey, s *Shown) error {
	if s == nil {
		return t.b(bShown).Delete(feedName(k))
	}
	return t.b(bShown).Put(feedName(k), encodeShown(s))
}

// EachShown calls fn with every recorded feed.
func (t *Tx) EachShown(fn func(k layout.FeedKey, s Shown) error) error {
	return t.b(bShown).ForEach(func(name, v []byte) error {
		k, ok := feedKeyOf(name)
		if !ok {
			return fmt.Errorf("state: unknown feed %q: %w", name, errCorrupt)
		}
		s, err := decodeShown(v)
		if err != nil {
			return fmt.Errorf("state: feed %q: %w", name, err)
		}
		return fn(k, s)
	})
}

func outputKey(dir, path string) []byte {
	return append(append([]byte(dir), 0), path...)
}

// LookupOutput returns what a build left at path in the output directory
// dir (absolute).
func (x *Index) LookupOutput(dir, path string) (Output, bool) {
	var o Output
	ok := false
	_ = x.View(func(t *Tx) error {
		v := t.b(bOuts).Get(outputKey(dir, path))
		if v == nil {
			return nil
		}
		d := dec{b: v}
		o.ETag, o.Stamp = d.str(), d.stamp()
		ok = d.err == nil && len(d.b) == 0
		return nil
	})
	return o, ok
}

// EachOutput calls fn with every path recorded for the output directory
// dir, in path order, with what is recorded for it.
func (x *Index) EachOutput(dir string, fn func(path string, o Output) error) error {
	prefix := outputKey(dir, "")
	return x.View(func(t *Tx) error {
		c := t.b(bOuts).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			d := dec{b: v}
			o := Output{ETag: d.str(), Stamp: d.stamp()}
			if d.err != nil || len(d.b) != 0 {
				return fmt.Errorf("output record %q: damaged", k)
			}
			if err := fn(string(k[len(prefix):]), o); err != nil {
				return err
			}
		}
		return nil
	})
}

// SaveOutputs records what a build left in the output directory dir: each
// path's Output, or, for nil, that the path holds nothing of ours.
func (x *Index) SaveOutputs(dir string, outs map[string]*Output) error {
	_, err := x.Update(func(t *Tx) error {
		b := t.b(bOuts)
		for p, o := range outs {
			key := outputKey(dir, p)
			if o == nil {
				if err := b.Delete(key); err != nil {
					return err
				}
				continue
			}
			w := enc{}
			w.str(o.ETag)
			w.stamp(o.Stamp)
			if err := b.Put(key, w.b); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// Outputs is the record of one output directory, as the disk writer's
// manifest: lookups read the index, records are kept until Flush writes
// them in one transaction.
type Outputs struct {
	x       *Index
	dir     string
	pending map[string]*Output
}

// Outputs returns the record of the output directory dir (absolute).
func (x *Index) Outputs(dir string) *Outputs {
	return &Outputs{x: x, dir: dir, pending: map[string]*Output{}}
}

// Lookup returns the validator and stamp recorded for path.
func (o *Outputs) Lookup(path string) (string, source.Stamp, bool) {
	if p, ok := o.pending[path]; ok {
		if p == nil {
			return "", source.Stamp{}, false
		}
		return p.ETag, p.Stamp, true
	}
	out, ok := o.x.LookupOutput(o.dir, path)
	return out.ETag, out.Stamp, ok
}

// Record notes that path holds the bytes tagged etag in a file of stamp st;
// etag "" notes that it holds nothing of ours.
func (o *Outputs) Record(path, etag string, st source.Stamp) {
	if etag == "" {
		o.pending[path] = nil
		return
	}
	o.pending[path] = &Output{ETag: etag, Stamp: st}
}

// Each calls fn with every path recorded for the output directory, what
// Record noted since the last Flush included, in no particular order. A
// writer whose target is costly to look at (an object store, where looking
// is a LIST) learns from it what it left there.
func (o *Outputs) Each(fn func(path, etag string, st source.Stamp)) error {
	prefix := outputKey(o.dir, "")
	err := o.x.View(func(t *Tx) error {
		c := t.b(bOuts).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			p := string(k[len(prefix):])
			if _, ok := o.pending[p]; ok {
				continue
			}
			d := dec{b: v}
			etag, st := d.str(), d.stamp()
			if d.err != nil || len(d.b) != 0 {
				return fmt.Errorf("state: output record %q: %w", p, errCorrupt)
			}
			fn(p, etag, st)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for p, out := range o.pending {
		if out != nil {
			fn(p, out.ETag, out.Stamp)
		}
	}
	return nil
}

// Flush saves what was recorded.
func (o *Outputs) Flush() error {
	if len(o.pending) == 0 {
		return nil
	}
	err := o.x.SaveOutputs(o.dir, o.pending)
	clear(o.pending)
	return err
}
