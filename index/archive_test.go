package index

import (
	"slices"
	"testing"
	"time"

	"feedgen/layout"
)

// TestMonthMembers: a month is exactly the members published in it in
// UTC, whatever their offset, at its first instant included and at the
// next month's first instant excluded; and each change marks the months
// of the old and the new header.
func TestMonthMembers(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	at := func(id string, tm time.Time) Entry {
		return Entry{Header: &Header{ID: id, Published: tm, Updated: tm, Categories: []string{"c"}}}
	}
	feb := time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	mar := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	put(t, x, "a", at("a", feb))                                    // February's first instant
	put(t, x, "b", at("b", mar))                                    // March's first instant
	put(t, x, "c", at("c", mar.Add(-time.Nanosecond)))              // February's last
	put(t, x, "d", at("d", time.Date(2024, 3, 1, 7, 0, 0, 0, cst))) // 23:00 UTC on 29 February
	put(t, x, "e", at("e", feb.Add(-time.Second)))                  // January
	x.TakeMonths()
	k := layout.FeedKey{Kind: layout.KindCategory, Name: "c"}
	var got []string
	err := x.View(func(tx *Tx) error {
		return tx.MonthMembers(k, layout.Month{Year: 2024, Month: 2}, func(p string, _ Entry) (bool, error) {
			got = append(got, p)
			return true, nil
		})
	})
	if err != nil || !slices.Equal(got, []string{"c", "d", "a"}) {
		t.Errorf("February = %v, %v; want [c d a] (newest first)", got, err)
	}
	if err := x.View(func(tx *Tx) error {
		if n := tx.Members(k); n != 5 {
			t.Errorf("Members = %d, want 5", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Moving d to April marks February and April in both of its feeds.
	put(t, x, "d", at("d", time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC)))
	m := x.TakeMonths()
	for _, want := range []FeedMonth{{k, layout.Month{Year: 2024, Month: 2}}, {k, layout.Month{Year: 2024, Month: 4}},
		{layout.FeedKey{}, layout.Month{Year: 2024, Month: 2}}, {layout.FeedKey{}, layout.Month{Year: 2024, Month: 4}}} {
		if !m[want] {
			t.Errorf("TakeMonths = %v, lacks %v", m, want)
		}
	}
	if len(m) != 4 || len(x.TakeMonths()) != 0 {
		t.Errorf("TakeMonths = %v, then not empty", m)
	}
}

func TestArchiveDocRecord(t *testing.T) {
	t.Parallel()
	x := open(t, t.TempDir())
	k := layout.FeedKey{Kind: layout.KindTag, Name: "财经"}
	m := layout.Month{Year: 2024, Month: 12}
	d := &ArchiveDoc{Sig: [32]byte{1, 2}, ETags: [3]string{`"a"`, `"b"`, `"c"`}, Items: []string{"x", "y"},
		Prev: layout.Month{Year: 2024, Month: 10}}
	if _, err := x.Update(func(tx *Tx) error { return tx.PutArchive(k, m, d) }); err != nil {
		t.Fatal(err)
	}
	var n int
	err := x.View(func(tx *Tx) error {
		return tx.EachArchive(func(gk layout.FeedKey, gm layout.Month, g ArchiveDoc) error {
			n++
			if gk != k || gm != m || g.Sig != d.Sig || g.ETags != d.ETags || !slices.Equal(g.Items, d.Items) || g.Prev != d.Prev || !g.Next.IsZero() {
				t.Errorf("read back %v %v %+v, want %v %v %+v", gk, gm, g, k, m, *d)
			}
			return nil
		})
	})
	if err != nil || n != 1 {
		t.Fatalf("EachArchive: %d records, %v", n, err)
	}
	if _, err := x.Update(func(tx *Tx) error { return tx.PutArchive(k, m, nil) }); err != nil {
		t.Fatal(err)
	}
	_ = x.View(func(tx *Tx) error {
		return tx.EachArchive(func(layout.FeedKey, layout.Month, ArchiveDoc) error {
			t.Error("a forgotten record is left")
			return nil
		})
	})
}
