package archive

import (
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"feedgen/feedgen/doc"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// site is a state with five articles of the global feed, two of them in
// its subscription document (limit 2), the others archived in January and
// February 2024, and the archive's planner and documents over it.
type site struct {
	t     *testing.T
	ix    *index.Index
	env   Env
	docs  *Docs
	plan  *Planner
	paths []string // newest first
}

var (
	jan = layout.Month{Year: 2024, Month: time.January}
	feb = layout.Month{Year: 2024, Month: time.February}
	all = layout.FeedKey{Kind: layout.KindAll}
)

func newSite(t *testing.T, lazy bool) *site {
	t.Helper()
	ix, err := index.Open(index.Options{Dir: t.TempDir(), Source: t.TempDir(), Scan: "s", Render: "r"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	cfg := sitetest.Config(t)
	cfg.Archive, cfg.Limit = true, 2
	s := &site{t: t, ix: ix, env: Env{Config: &cfg, Index: ix, Log: slog.New(slog.DiscardHandler)}}
	s.docs = NewDocs(s.env, lazy)
	s.plan = NewPlanner(s.env, s.docs)
	for i, d := range []string{"2024-03-15", "2024-03-01", "2024-02-05", "2024-01-20", "2024-01-10"} {
		s.paths = append(s.paths, fmt.Sprintf("%d.txt", i))
		s.put(s.paths[i], d, 1)
	}
	return s
}

// put files the article at path, published on date, with its rendered
// item as of version v.
func (s *site) put(path, date string, v int) {
	s.t.Helper()
	at, err := time.Parse(time.DateOnly, date)
	if err != nil {
		s.t.Fatal(err)
	}
	st := source.Stamp{Size: int64(v), MTime: at.UnixNano()}
	_, err = s.ix.Update(func(t *index.Tx) error {
		if _, err := t.Put(path, index.Entry{Stamp: st, Header: &index.Header{ID: path, Published: at, Updated: at}}); err != nil {
			return err
		}
		item := fmt.Sprintf("%s v%d", path, v)
		return t.PutFrag(path, &index.Frag{Stamp: st, Sum: uint64(v), Parts: [3][]byte{
			[]byte("<item><title>" + item + "</title></item>"), []byte("<entry><title>" + item + "</title></entry>"), []byte(`{"title":"` + item + `"}`)}})
	})
	if err != nil {
		s.t.Fatal(err)
	}
}

// round plans the global feed's archive as the generator's planner does,
// given what its subscription document showed (nil for nothing), renders
// the documents that change, and returns the feed's fields after planning
// and how many documents were rendered.
func (s *site) round(old *Shown) (render.FeedInfo, int) {
	s.t.Helper()
	info := render.FeedInfo{Key: all, Title: "Feeds", Link: "https://e.example/", Updated: render.Epoch}
	var top []doc.Item
	s.plan.TakeMonths()
	err := s.ix.View(func(t *index.Tx) error {
		if err := t.Top(all, func(path string, e index.Entry) (bool, error) {
			top = append(top, doc.Item{Path: path, Header: e.Header, Stamp: e.Stamp})
			return len(top) < s.env.Config.Limit, nil
		}); err != nil {
			return err
		}
		_, err := s.plan.Candidates(t, all, top, info, old)
		return err
	})
	if err != nil {
		s.t.Fatal(err)
	}
	s.plan.Begin(nil)
	if err := s.ix.View(func(t *index.Tx) error { return s.plan.Plan(t, all, top, &info) }); err != nil {
		s.t.Fatal(err)
	}
	s.plan.End()
	return info, s.docs.Render(nil)
}

// files maps the paths of every held archive file to it.
func (d *Docs) files() map[string]*snapshot.File {
	m := map[string]*snapshot.File{}
	d.EachFile(func(f **snapshot.File) { m[(*f).Path] = *f })
	return m
}

// TestPlanRenderRemember: a first plan renders every month of the feed's
// archive, links the subscription document to the newest, and serves the
// newest with the feeds' Cache-Control; planning again renders nothing; a
// change renders its month only; the state keeps what was rendered and a
// gone feed's documents go.
func TestPlanRenderRemember(t *testing.T) {
	s := newSite(t, false)
	info, n := s.round(nil)
	if n != 2 || s.docs.Rendered() != 2 {
		t.Fatalf("first plan rendered %d documents (%d in all), want 2", n, s.docs.Rendered())
	}
	if info.Archive.Prev != feb || !slices.Equal(info.ArchiveMonths, []layout.Month{feb, jan}) {
		t.Errorf("the subscription document links %v and lists %v, want %v and [%v %v]", info.Archive.Prev, info.ArchiveMonths, feb, feb, jan)
	}
	if got := s.docs.Months(all); !slices.Equal(got, []layout.Month{jan, feb}) {
		t.Errorf("Months = %v, want [%v %v] (oldest first)", got, jan, feb)
	}
	files := s.docs.files()
	if len(files) != 6 {
		t.Errorf("%d archive files, want 2 documents × 3 formats", len(files))
	}
	for _, f := range layout.Formats {
		newest, older := files[all.ArchivePath(feb, f)], files[all.ArchivePath(jan, f)]
		if newest == nil || older == nil {
			t.Fatalf("%s: missing", f.FileName())
		}
		if newest.CacheControl != "" || older.CacheControl != layout.ArchiveCacheControl {
			t.Errorf("%s: Cache-Control %q (newest), %q (older); want the feeds' own, then %q", f.FileName(), newest.CacheControl, older.CacheControl, layout.ArchiveCacheControl)
		}
	}
	shown := map[string]bool{}
	s.docs.Shown(shown)
	if want := map[string]bool{s.paths[2]: true, s.paths[3]: true, s.paths[4]: true}; fmt.Sprint(shown) != fmt.Sprint(want) {
		t.Errorf("Shown = %v, want the archived items %v", shown, want)
	}

	old := &Shown{Info: info, Items: s.paths[:2]}
	if _, n := s.round(old); n != 0 {
		t.Errorf("planning again rendered %d documents", n)
	}
	s.put(s.paths[3], "2024-01-20", 2) // an edit in January
	if _, n := s.round(old); n != 1 || s.docs.files()[all.ArchivePath(feb, layout.RSS)] != files[all.ArchivePath(feb, layout.RSS)] {
		t.Errorf("an edit in January rendered %d documents or touched February's; want January's alone", n)
	}

	if !s.docs.Unrecorded() {
		t.Fatal("rendered documents are not waiting for the state")
	}
	remember := func(d *Docs) {
		t.Helper()
		if _, err := s.ix.Update(d.Remember); err != nil {
			t.Fatal(err)
		}
		d.Recorded()
		if d.Unrecorded() {
			t.Error("Recorded left documents unrecorded")
		}
	}
	remember(s.docs)
	known := NewDocs(s.env, false)
	if err := s.ix.View(known.Load); err != nil {
		t.Fatal(err)
	}
	if got := known.Months(all); !slices.Equal(got, []layout.Month{jan, feb}) || len(known.files()) != 0 {
		t.Errorf("from the state: months %v and %d files; want [%v %v] and none held", got, len(known.files()), jan, feb)
	}
	known.ForgetUnheld()
	if len(known.Months(all)) != 0 || !known.full {
		t.Error("ForgetUnheld kept documents known only from the state, or asked for no full plan")
	}

	s.plan.Drop(all)
	if len(s.docs.Months(all)) != 0 || !s.docs.Unrecorded() {
		t.Fatal("a dropped feed kept its documents, or the state is not told")
	}
	remember(s.docs)
	known = NewDocs(s.env, false)
	if err := s.ix.View(known.Load); err != nil || len(known.Months(all)) != 0 {
		t.Errorf("the state still knows %v of a dropped feed (%v)", known.Months(all), err)
	}
}

// TestLazyFromState: with lazy documents, those known from the state are
// published as lazy files without rendering, and render to the bytes a
// rendering gave.
func TestLazyFromState(t *testing.T) {
	s := newSite(t, true)
	info, _ := s.round(nil)
	want := map[string]string{}
	for p, f := range s.docs.files() {
		if !f.IsLazy() {
			t.Fatalf("%s is not lazy", p)
		}
		b, err := f.Identity()
		if err != nil {
			t.Fatal(err)
		}
		want[p] = string(b)
	}
	if _, err := s.ix.Update(s.docs.Remember); err != nil {
		t.Fatal(err)
	}
	s.docs = NewDocs(s.env, true)
	s.plan = NewPlanner(s.env, s.docs)
	if err := s.ix.View(s.docs.Load); err != nil {
		t.Fatal(err)
	}
	if _, n := s.round(&Shown{Info: info, Items: s.paths[:2]}); n != 0 {
		t.Errorf("a plan over documents known from the state rendered %d", n)
	}
	got := s.docs.files()
	if len(got) != len(want) {
		t.Fatalf("%d files from the state, want %d", len(got), len(want))
	}
	for p, f := range got {
		b, err := f.Identity()
		if err != nil || string(b) != want[p] {
			t.Errorf("%s from the state: %q, %v; want %q", p, b, err, want[p])
		}
	}
}

func TestOnAndMonthsOfNothing(t *testing.T) {
	s := newSite(t, false)
	if !s.plan.On() {
		t.Error("archives with a limit are off")
	}
	s.env.Config.Limit = 0
	if s.plan.On() {
		t.Error("archives without a limit are on: the subscription document shows everything")
	}
	s.plan.TakeMonths()
	if len(s.plan.dirty) != 0 || len(s.ix.TakeMonths()) != 0 {
		t.Error("months are kept, or left in the index, without archives")
	}
	if ms := NewDocs(Env{}, false).Months(all); len(ms) != 0 {
		t.Errorf("Months of nothing = %v", ms)
	}
}
