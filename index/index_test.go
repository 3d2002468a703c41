package index

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/source"
)

var cst = time.FixedZone("", 8*3600)

func hdr(id string, day int, cats, tags []string) *Header {
	t := time.Date(2022, 3, day, 5, 17, 21, 0, cst)
	return &Header{ID: id, Published: t, Updated: t, Categories: cats, Tags: tags, CategoryName: "名", SiteHome: "https://x.example/"}
}

func open(t *testing.T, dir string, opts ...func(*Options)) *Index {
	t.Helper()
	o := Options{Dir: dir, Source: "/src", Scan: "s1", Render: "r1"}
	for _, f := range opts {
		f(&o)
	}
	x, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func put(t *testing.T, x *Index, path string, e Entry) map[layout.FeedKey]bool {
	t.Helper()
	dirty, err := x.Update(func(tx *Tx) error { _, err := tx.Put(path, e); return err })
	if err != nil {
		t.Fatal(err)
	}
	return dirty
}

func top(t *testing.T, x *Index, k layout.FeedKey, n int) []string {
	t.Helper()
	var got []string
	err := x.View(func(tx *Tx) error {
		return tx.Top(k, func(p string, e Entry) (bool, error) {
			got = append(got, p)
			return len(got) < n, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var (
	all  = layout.FeedKey{Kind: layout.KindAll}
	catA = layout.FeedKey{Kind: layout.KindCategory, Name: "a"}
	tagX = layout.FeedKey{Kind: layout.KindTag, Name: "财经"}
)

func TestTopOrder(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	put(t, x, "old.txt", Entry{Header: hdr("id:old", 1, []string{"a"}, nil)})
	put(t, x, "new.txt", Entry{Header: hdr("id:new", 9, []string{"a"}, []string{"财经"})})
	put(t, x, "mid-b.txt", Entry{Header: hdr("id:b", 5, nil, []string{"财经"})})
	put(t, x, "mid-a.txt", Entry{Header: hdr("id:a", 5, []string{"a"}, nil)}) // same date: id decides
	put(t, x, "bad.txt", Entry{Err: "no title"})
	put(t, x, "draft.txt", Entry{Hidden: true})
	for _, c := range []struct {
		k    layout.FeedKey
		n    int
		want []string
	}{
		{all, 10, []string{"new.txt", "mid-a.txt", "mid-b.txt", "old.txt"}},
		{all, 2, []string{"new.txt", "mid-a.txt"}},
		{catA, 10, []string{"new.txt", "mid-a.txt", "old.txt"}},
		{tagX, 10, []string{"new.txt", "mid-b.txt"}},
		{layout.FeedKey{Kind: layout.KindTag, Name: "none"}, 10, nil},
	} {
		if got := top(t, x, c.k, c.n); !slices.Equal(got, c.want) {
			t.Errorf("top %v %d = %v, want %v", c.k, c.n, got, c.want)
		}
	}
	_ = x.View(func(tx *Tx) error {
		if n := tx.Articles(); n != 4 {
			t.Errorf("articles = %d, want 4", n)
		}
		if n := tx.Invalid(); n != 1 {
			t.Errorf("invalid = %d, want 1", n)
		}
		return nil
	})
}

func TestPutMovesBetweenFeeds(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	put(t, x, "a.txt", Entry{Header: hdr("id:1", 1, []string{"a"}, nil)})
	dirty := put(t, x, "a.txt", Entry{Header: hdr("id:1", 2, nil, []string{"财经"})})
	for _, k := range []layout.FeedKey{all, catA, tagX} {
		if !dirty[k] {
			t.Errorf("feed %v not marked dirty by the move", k)
		}
	}
	if got := top(t, x, catA, 10); len(got) != 0 {
		t.Errorf("category still lists %v", got)
	}
	var feeds []layout.FeedKey
	_ = x.View(func(tx *Tx) error {
		return tx.Feeds(func(k layout.FeedKey) error { feeds = append(feeds, k); return nil })
	})
	if !slices.Equal(feeds, []layout.FeedKey{all, tagX}) {
		t.Errorf("feeds = %v: an emptied feed must be forgotten", feeds)
	}
	if _, err := x.Update(func(tx *Tx) error { return tx.Delete("a.txt") }); err != nil {
		t.Fatal(err)
	}
	if got := top(t, x, all, 10); len(got) != 0 {
		t.Errorf("deleted article still listed: %v", got)
	}
	_ = x.View(func(tx *Tx) error {
		if n := tx.Articles(); n != 0 {
			t.Errorf("articles = %d after delete", n)
		}
		return nil
	})
}

func TestDuplicateIDs(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	put(t, x, "b/x.txt", Entry{Header: hdr("id:same", 3, []string{"a"}, nil)})
	dirty := put(t, x, "a/x.txt", Entry{Header: hdr("id:same", 1, nil, []string{"财经"})})
	if !dirty[catA] {
		t.Error("the loser's feeds must be dirty: it is no longer published")
	}
	if got := top(t, x, all, 10); !slices.Equal(got, []string{"a/x.txt"}) {
		t.Errorf("published %v, want the smallest path only", got)
	}
	var probs []string
	_ = x.View(func(tx *Tx) error {
		if n := tx.Articles(); n != 1 {
			t.Errorf("articles = %d, want 1", n)
		}
		return tx.Problems(func(p, r string) { probs = append(probs, p+": "+r) }, func(p, id, w string) { probs = append(probs, p+" "+id+" "+w) })
	})
	if !slices.Equal(probs, []string{"b/x.txt id:same a/x.txt"}) {
		t.Errorf("problems = %v", probs)
	}
	if _, err := x.Update(func(tx *Tx) error { return tx.Delete("a/x.txt") }); err != nil {
		t.Fatal(err)
	}
	if got := top(t, x, catA, 10); !slices.Equal(got, []string{"b/x.txt"}) {
		t.Errorf("the loser must come back when the winner goes: %v", got)
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []Entry{
		{Seq: 1, Stamp: source.Stamp{Size: 10, MTime: -5, CTime: 7, Ino: 1 << 40}, Sum: 99, Header: hdr("https://x/1", 2, []string{"a", "b"}, []string{"中文"})},
		{Seq: 2, Link: true, Err: "date: out of range"},
		{Seq: 3, Hidden: true},
		{Seq: 4, Header: &Header{ID: "tag:x,2022:a", Published: time.Unix(0, 5).UTC(), Updated: time.Unix(253402300799, 999).In(time.FixedZone("", -3600))}},
	}
	for _, e := range cases {
		got, err := decodeEntry(encodeEntry(&e))
		if err != nil {
			t.Fatalf("%+v: %v", e, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(e) && !sameEntry(got, e) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, e)
		}
		// Every truncation is an error, never a panic.
		file, head := encodeEntry(&e)
		for i := range file {
			if _, err := decodeEntry(file[:i], head); err == nil {
				t.Errorf("%+v: file record cut at %d decoded without error", e, i)
			}
		}
		for i := range head {
			if _, err := decodeEntry(file, head[:i]); err == nil {
				t.Errorf("%+v: header cut at %d decoded without error", e, i)
			}
		}
	}
	parts := [3][]byte{[]byte("<item/>"), nil, []byte("{}")}
	got, err := decodeParts(encodeParts(parts))
	if err != nil || !bytes.Equal(got[0], parts[0]) || len(got[1]) != 0 || string(got[2]) != "{}" {
		t.Errorf("parts round trip: %q %v", got, err)
	}
}

func sameEntry(a, b Entry) bool {
	if a.Seq != b.Seq || a.Stamp != b.Stamp || a.Sum != b.Sum || a.Link != b.Link || a.Err != b.Err || a.Hidden != b.Hidden || (a.Header == nil) != (b.Header == nil) {
		return false
	}
	if a.Header == nil {
		return true
	}
	h, k := a.Header, b.Header
	_, o1 := h.Published.Zone()
	_, o2 := k.Published.Zone()
	return h.ID == k.ID && h.Published.Equal(k.Published) && o1 == o2 && h.Updated.Equal(k.Updated) &&
		h.Published.Format(time.RFC3339Nano) == k.Published.Format(time.RFC3339Nano) &&
		h.Updated.Format(time.RFC3339Nano) == k.Updated.Format(time.RFC3339Nano) &&
		slices.Equal(h.Categories, k.Categories) && slices.Equal(h.Tags, k.Tags) &&
		h.CategoryName == k.CategoryName && h.CategoryHome == k.CategoryHome && h.SiteHome == k.SiteHome
}

func FuzzDecodeEntry(f *testing.F) {
	e := Entry{Seq: 1, Header: hdr("https://x/1", 2, []string{"a"}, []string{"b"})}
	file, head := encodeEntry(&e)
	f.Add(file, head)
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, file, head []byte) {
		if e, err := decodeEntry(file, head); err == nil {
			if got, err := decodeEntry(encodeEntry(&e)); err != nil || !sameEntry(got, e) {
				t.Fatalf("re-encoding %+v gives %+v, %v", e, got, err)
			}
		}
		_, _ = decodeParts(file)
	})
}

// TestStateIsACache: what Open does with every kind of state it cannot
// trust. Each must give an empty, working index and one log line, never
// an error or a panic.
func TestStateIsACache(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		damage func(t *testing.T, path string)
		opts   func(*Options)
		reason string
	}{
		{"missing", func(t *testing.T, p string) { os.Remove(p) }, nil, ""},
		{"empty file", func(t *testing.T, p string) { os.WriteFile(p, nil, 0o600) }, nil, ""},
		{"garbage", func(t *testing.T, p string) { os.WriteFile(p, bytes.Repeat([]byte("feedgen!"), 4096), 0o600) }, nil, "cannot be used"},
		{"truncated", func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			os.Truncate(p, fi.Size()/3)
		}, nil, "cannot be used"},
		{"pages zeroed", func(t *testing.T, p string) {
			b, _ := os.ReadFile(p)
			for i := 2 * 4096; i < len(b); i++ {
				b[i] = 0
			}
			os.WriteFile(p, b, 0o600)
		}, nil, ""},
		{"other source", nil, func(o *Options) { o.Source = "/elsewhere" }, "another source directory"},
		{"other scan config", nil, func(o *Options) { o.Scan = "s2" }, "configuration changed how articles are read"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			x := open(t, dir)
			if _, err := x.Update(func(tx *Tx) error {
				for i := range 300 {
					if _, err := tx.Put(fmt.Sprintf("d/%03d.txt", i), Entry{Header: hdr(fmt.Sprintf("id:%d", i), 1+i%27, []string{"a"}, nil)}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			x.Close()
			if c.damage != nil {
				c.damage(t, filepath.Join(dir, FileName))
			}
			var logs bytes.Buffer
			y := open(t, dir, func(o *Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
				if c.opts != nil {
					c.opts(o)
				}
			})
			if !strings.Contains(logs.String(), c.reason) {
				t.Errorf("log %q does not say %q", logs.String(), c.reason)
			}
			// Whatever is left must be readable without a panic, and
			// usable: a damaged state found while reading is reset.
			err := y.View(func(tx *Tx) error {
				return tx.Walk("", "", func(string, Entry) (bool, error) { return true, nil })
			})
			if err != nil {
				if err := y.Reset(err); err != nil {
					t.Fatal(err)
				}
			} else if c.name != "pages zeroed" && !y.Fresh {
				t.Errorf("state not rebuilt")
			}
			put(t, y, "z.txt", Entry{Header: hdr("id:z", 28, nil, nil)})
			if got := top(t, y, all, 1); !slices.Equal(got, []string{"z.txt"}) {
				t.Errorf("after recovery top = %v", got)
			}
		})
	}
}

func TestPersistsAcrossOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := open(t, dir)
	put(t, x, "a.txt", Entry{Stamp: source.Stamp{Size: 42}, Header: hdr("id:a", 1, nil, []string{"财经"})})
	if _, err := x.Update(func(tx *Tx) error {
		return tx.PutFrag("a.txt", &Frag{Sum: 5, Parts: [3][]byte{[]byte("r"), []byte("a"), []byte("j")}})
	}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	y := open(t, dir)
	if y.Fresh {
		t.Fatal("a valid state was rebuilt")
	}
	_ = y.View(func(tx *Tx) error {
		e, ok, err := tx.Entry("a.txt")
		if err != nil || !ok || e.Stamp.Size != 42 || e.Header.ID != "id:a" {
			t.Errorf("entry after reopen: %+v %v %v", e, ok, err)
		}
		f, ok, err := tx.Frag("a.txt")
		if err != nil || !ok || string(f.Parts[2]) != "j" {
			t.Errorf("frag after reopen: %+v %v %v", f, ok, err)
		}
		return nil
	})
	if got := top(t, y, tagX, 5); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("top after reopen: %v", got)
	}
}

func TestTemporaryStateIsRemoved(t *testing.T) {
	t.Parallel()
	x, err := Open(Options{Source: "/src", Scan: "s", Render: "r"})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(x.Path())
	if _, err := os.Stat(x.Path()); err != nil {
		t.Fatal(err)
	}
	x.Close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary state %s left behind (%v)", dir, err)
	}
}

// TestStateInUse: a second process on a state another one holds leaves it
// alone (no deletion, no waiting forever) and runs with a temporary one.
func TestStateInUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := open(t, dir)
	put(t, x, "a.txt", Entry{Header: hdr("id:a", 1, nil, nil)})
	var logs bytes.Buffer
	y := open(t, dir, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	if !strings.Contains(logs.String(), "in use by another feedgen") {
		t.Errorf("log: %q", logs.String())
	}
	if filepath.Dir(y.Path()) == dir {
		t.Fatalf("second index opened the held state %s", y.Path())
	}
	if !y.Temporary() || x.Temporary() {
		t.Errorf("Temporary(): holder %v, second %v; want false, true", x.Temporary(), y.Temporary())
	}
	put(t, y, "b.txt", Entry{Header: hdr("id:b", 2, nil, nil)})
	if got := top(t, x, all, 5); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("the holder's state changed: %v", got)
	}
}

// TestBulkMarker: a state whose bulk write did not finish (the machine
// crashed: unsynced commits may be torn) is rebuilt, not trusted; one that
// finished is kept.
func TestBulkMarker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := open(t, dir)
	if err := x.Bulk(true); err != nil {
		t.Fatal(err)
	}
	put(t, x, "a.txt", Entry{Header: hdr("id:a", 1, nil, nil)})
	x.Close() // without Bulk(false): as if the run stopped midway
	var logs bytes.Buffer
	y := open(t, dir, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	if !y.Fresh || !strings.Contains(logs.String(), "bulk write") {
		t.Fatalf("an unfinished bulk state was trusted (fresh %v, log %q)", y.Fresh, logs.String())
	}
	if err := y.Bulk(true); err != nil {
		t.Fatal(err)
	}
	put(t, y, "b.txt", Entry{Header: hdr("id:b", 1, nil, nil)})
	if err := y.Bulk(false); err != nil {
		t.Fatal(err)
	}
	y.Close()
	z := open(t, dir)
	if z.Fresh {
		t.Fatal("a finished bulk state was rebuilt")
	}
	if got := top(t, z, all, 5); !slices.Equal(got, []string{"b.txt"}) {
		t.Errorf("after a finished bulk write: %v", got)
	}
}

// TestRenderConfigChange: a state made under another rendering
// configuration keeps everything the scan learned (entries, feeds, members,
// errors, the output record) and drops everything rendered (items, what the
// feeds and archive documents showed), with one line at INFO, not WARN.
// Going back to the first configuration drops the rendered things again:
// they were rendered under the second.
func TestRenderConfigChange(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := open(t, dir)
	if _, err := x.Update(func(tx *Tx) error {
		if _, err := tx.Put("a.txt", Entry{Stamp: source.Stamp{Size: 7}, Header: hdr("id:a", 1, []string{"c"}, nil)}); err != nil {
			return err
		}
		if _, err := tx.Put("bad.txt", Entry{Err: "no title"}); err != nil {
			return err
		}
		if err := tx.PutFrag("a.txt", &Frag{Sum: 5, Parts: [3][]byte{[]byte("r"), []byte("a"), []byte("j")}}); err != nil {
			return err
		}
		if err := tx.PutShown(all, &Shown{Items: []string{"a.txt"}}); err != nil {
			return err
		}
		return tx.PutArchive(all, layout.Month{Year: 2022, Month: 3}, &ArchiveDoc{Items: []string{"a.txt"}})
	}); err != nil {
		t.Fatal(err)
	}
	if err := x.SaveOutputs("/out", map[string]*Output{"rss.xml": {ETag: `"e"`}}); err != nil {
		t.Fatal(err)
	}
	x.Close()
	for _, render := range []string{"r2", "r1"} {
		var logs bytes.Buffer
		y := open(t, dir, func(o *Options) {
			o.Render = render
			o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		})
		if y.Fresh || !strings.Contains(logs.String(), "level=INFO") || strings.Contains(logs.String(), "level=WARN") ||
			!strings.Contains(logs.String(), "rendering the items again") {
			t.Errorf("render %s: fresh %v, log %q; want the state kept and one INFO line", render, y.Fresh, logs.String())
		}
		if got := top(t, y, layout.FeedKey{Kind: layout.KindCategory, Name: "c"}, 5); !slices.Equal(got, []string{"a.txt"}) {
			t.Errorf("render %s: members %v, want [a.txt]", render, got)
		}
		if o, ok := y.LookupOutput("/out", "rss.xml"); !ok || o.ETag != `"e"` {
			t.Errorf("render %s: output record %+v %v, want kept", render, o, ok)
		}
		err := y.View(func(tx *Tx) error {
			if e, ok, err := tx.Entry("a.txt"); err != nil || !ok || e.Stamp.Size != 7 {
				t.Errorf("render %s: entry %+v %v %v, want kept", render, e, ok, err)
			}
			bad := 0
			if err := tx.Problems(func(string, string) { bad++ }, func(string, string, string) {}); err != nil {
				return err
			}
			if bad != 1 || tx.Articles() != 1 {
				t.Errorf("render %s: %d bad files, %d articles; want 1, 1", render, bad, tx.Articles())
			}
			if _, ok, err := tx.Frag("a.txt"); err != nil || ok {
				t.Errorf("render %s: rendered item kept (%v)", render, err)
			}
			n := 0
			if err := tx.FragPaths(func(string) error { n++; return nil }); err != nil {
				return err
			}
			if err := tx.EachShown(func(layout.FeedKey, Shown) error { n++; return nil }); err != nil {
				return err
			}
			if err := tx.EachArchive(func(layout.FeedKey, layout.Month, ArchiveDoc) error { n++; return nil }); err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("render %s: %d rendered records kept, want 0", render, n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := y.Update(func(tx *Tx) error { return tx.PutFrag("a.txt", &Frag{Sum: 6}) }); err != nil {
			t.Fatal(err)
		}
		y.Close()
	}
	var logs bytes.Buffer
	z := open(t, dir, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	if z.Fresh || logs.Len() != 0 {
		t.Errorf("same configuration again: fresh %v, log %q; want the state as it was, silently", z.Fresh, logs.String())
	}
}
