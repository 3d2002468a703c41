// Feeds and their members: which feeds an article belongs to, how many
// members each has (feeds) and the members in newest-first order (members).

package index

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"

	"feedgen/layout"
)

// FeedsOf lists the feeds an article belongs to.
func FeedsOf(h *Header) []layout.FeedKey {
	keys := make([]layout.FeedKey, 0, 1+len(h.Categories)+len(h.Tags))
	keys = append(keys, layout.FeedKey{Kind: layout.KindAll})
	for _, c := range h.Categories {
		keys = append(keys, layout.FeedKey{Kind: layout.KindCategory, Name: c})
	}
	for _, g := range h.Tags {
		keys = append(keys, layout.FeedKey{Kind: layout.KindTag, Name: g})
	}
	return keys
}

var kindByte = [...]byte{layout.KindAll: 'a', layout.KindCategory: 'c', layout.KindTag: 't'}

func feedName(k layout.FeedKey) []byte { return append([]byte{kindByte[k.Kind]}, k.Name...) }

func feedKeyOf(name []byte) (layout.FeedKey, bool) {
	if len(name) == 0 {
		return layout.FeedKey{}, false
	}
	for kind, b := range kindByte {
		if b == name[0] {
			return layout.FeedKey{Kind: layout.Kind(kind), Name: string(name[1:])}, true
		}
	}
	return layout.FeedKey{}, false
}

// memberPrefix starts the keys of feed k's members.
func memberPrefix(k layout.FeedKey) []byte { return append(feedName(k), 0) }

// memberKey orders a feed's members newest first, then by id, then by path.
func memberKey(f layout.FeedKey, h *Header, path string) []byte {
	k := append(memberPrefix(f), timeBytes(h.Published)...)
	k = append(k, h.ID...)
	k = append(k, 0)
	return append(k, path...)
}

// timeBytes is the order of an instant in member keys (see memberKey).
func timeBytes(t time.Time) []byte {
	b := make([]byte, 12)
	binary.BigEndian.PutUint64(b, math.MaxUint64-uint64(t.Unix()-math.MinInt64))
	binary.BigEndian.PutUint32(b[8:], math.MaxUint32-uint32(t.Nanosecond()))
	return b
}

// count adds d to the number of members of feed k, forgetting a feed that
// has none left.
func (t *Tx) count(k layout.FeedKey, d int64) error {
	name := feedName(k)
	n := int64(0)
	if v := t.b(bFeeds).Get(name); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	if n += d; n <= 0 {
		return t.b(bFeeds).Delete(name)
	}
	return t.b(bFeeds).Put(name, binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// dedup drops repeated feeds (an article that names a tag twice).
func dedup(keys []layout.FeedKey) []layout.FeedKey {
	out := keys[:0]
	for _, k := range keys {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func idKey(id, path string) []byte {
	k := make([]byte, 0, len(id)+1+len(path))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, path...)
}

// Feeds calls fn for every feed that has members, in key order.
func (t *Tx) Feeds(fn func(layout.FeedKey) error) error {
	return t.b(bFeeds).ForEach(func(name, _ []byte) error {
		k, ok := feedKeyOf(name)
		if !ok {
			return fmt.Errorf("state: unknown feed %q", name)
		}
		return fn(k)
	})
}

// Top calls fn with the newest published articles of feed k, newest first
// (ties broken by id), until fn returns false. It costs what fn consumes,
// not the size of the feed.
func (t *Tx) Top(k layout.FeedKey, fn func(path string, e Entry) (more bool, err error)) error {
	return t.members(k, nil, nil, fn)
}

// members calls fn with the published articles of feed k whose instants'
// key bytes (timeBytes) lie after after and up to until (nil: no bound), in
// key order (newest first, ties broken by id), until fn returns false. Top
// and MonthMembers share it.
func (t *Tx) members(k layout.FeedKey, after, until []byte, fn func(path string, e Entry) (more bool, err error)) error {
	prefix := memberPrefix(k)
	c := t.b(bMembs).Cursor()
	for key, _ := c.Seek(append(slices.Clip(prefix), after...)); key != nil && bytes.HasPrefix(key, prefix); key, _ = c.Next() {
		t.touch()
		key = key[len(prefix):]
		if len(key) < 12 {
			return fmt.Errorf("state: feed %s: %w", k.Name, errCorrupt)
		}
		if tb := key[:12]; after != nil && bytes.Equal(tb, after) {
			continue
		} else if until != nil && bytes.Compare(tb, until) > 0 {
			return nil
		}
		path, e, ok, err := t.member(k, key)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		more, err := fn(path, e)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

// member reads the member key of feed k (without the feed's prefix): the
// article it names, if that article is the published one of its id
// (ok false: another path wins the id).
func (t *Tx) member(k layout.FeedKey, key []byte) (path string, e Entry, ok bool, err error) {
	if len(key) < 12 {
		return "", Entry{}, false, fmt.Errorf("state: feed %s: %w", k.Name, errCorrupt)
	}
	rest := key[12:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", Entry{}, false, fmt.Errorf("state: feed %s: %w", k.Name, errCorrupt)
	}
	id, path := string(rest[:i]), string(rest[i+1:])
	if !t.Published(id, path) {
		return "", Entry{}, false, nil
	}
	e, found, err := t.Entry(path)
	if err != nil {
		return "", Entry{}, false, err
	}
	if !found || e.Header == nil || e.Header.ID != id {
		return "", Entry{}, false, fmt.Errorf("state: feed %s lists %s: %w", k.Name, path, errCorrupt)
	}
	return path, e, true, nil
}
