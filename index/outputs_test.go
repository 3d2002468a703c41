package index

import (
	"maps"
	"testing"

	"feedgen/source"
)

// TestOutputsEach: Each lists what was recorded for one output and no
// other, the records not yet flushed included and the forgotten ones not,
// and what it lists survives reopening the state.
func TestOutputsEach(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	x := open(t, dir)
	a, b := x.Outputs("s3://a"), x.Outputs("s3://a/sub")
	a.Record("rss.xml", "e1", source.Stamp{Size: 10})
	a.Record("tag/x/atom.xml", "e2", source.Stamp{Size: 20})
	a.Record("gone.xml", "e3", source.Stamp{Size: 30})
	b.Record("rss.xml", "other", source.Stamp{Size: 1})
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	a.Record("gone.xml", "", source.Stamp{})             // forgotten, not flushed
	a.Record("index.html", "e4", source.Stamp{Size: 40}) // new, not flushed
	a.Record("rss.xml", "e1b", source.Stamp{Size: 11})   // changed, not flushed
	each := func(o *Outputs) map[string]string {
		t.Helper()
		got := map[string]string{}
		if err := o.Each(func(p, etag string, st source.Stamp) { got[p] = etag }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	want := map[string]string{"rss.xml": "e1b", "tag/x/atom.xml": "e2", "index.html": "e4"}
	if got := each(a); !maps.Equal(got, want) {
		t.Errorf("before flush: %v, want %v", got, want)
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	x.Close()
	x = open(t, dir)
	if got := each(x.Outputs("s3://a")); !maps.Equal(got, want) {
		t.Errorf("after reopening: %v, want %v", got, want)
	}
	if got, want := each(x.Outputs("s3://a/sub")), map[string]string{"rss.xml": "other"}; !maps.Equal(got, want) {
		t.Errorf("the other output: %v, want %v", got, want)
	}
}
