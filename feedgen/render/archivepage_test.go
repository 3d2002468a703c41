package render

import (
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/internal/sitetest"
	"feedgen/layout"
)

func TestArchiveBlock(t *testing.T) {
	m := func(y, mo int) layout.Month { return layout.Month{Year: y, Month: time.Month(mo)} }
	tests := []struct {
		name   string
		months []layout.Month
		want   []string // substrings, in order
		hrefs  []string // every href, in order
	}{
		{name: "none"},
		{name: "one month", months: []layout.Month{m(2024, 3)},
			want:  []string{`<a href="archive/2024/03/atom.xml">Older articles</a> · archive: 2024-03 (Atom;`, `<li>2024: <a href="archive/2024/03/atom.xml" title="2024-03">03</a></li>`},
			hrefs: []string{"archive/2024/03/atom.xml", "archive/2024/03/atom.xml"}},
		{name: "unordered, repeated, across years", months: []layout.Month{m(2023, 11), m(2024, 2), m(2023, 12), m(2024, 2)},
			want: []string{`Older articles</a> · archive: 2023-11 – 2024-02, 3 months`,
				`<li>2024: <a href="archive/2024/02/atom.xml" title="2024-02">02</a></li>`,
				`<li>2023: <a href="archive/2023/12/atom.xml" title="2023-12">12</a> <a href="archive/2023/11/atom.xml" title="2023-11">11</a></li>`},
			hrefs: []string{"archive/2024/02/atom.xml", "archive/2024/02/atom.xml", "archive/2023/12/atom.xml", "archive/2023/11/atom.xml"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(archiveBlock(english, tc.months))
			if len(tc.months) == 0 {
				if got != "" {
					t.Fatalf("block for no archive: %q", got)
				}
				return
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("block lacks %q (in order) in\n%s", w, got)
				}
				at += i + len(w)
			}
			if h := sitetest.Hrefs(got); !slices.Equal(h, tc.hrefs) {
				t.Errorf("hrefs %q, want %q", h, tc.hrefs)
			}
		})
	}
}
