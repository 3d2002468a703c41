package article

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

// FuzzSimpleYAML checks that the fast front matter decoder, whenever it
// accepts a block, gives exactly what yaml.v3 gives.
func FuzzSimpleYAML(f *testing.F) {
	for _, s := range []string{
		"title: \"中国人保\"\ndate: 2022-03-17 05:17:21 +0800\ncategories: hebeiribao\ntags: 河北日报新闻\n",
		"layout: post\ntitle: a b\npublished: false\n",
		"title: 'x'\nauthor: null\nimage:\n",
		"title: yes\n",
		"title: 1e3\n",
		"title: a: b\n",
		"title: x # c\n",
		"key:value\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, block string) {
		got, ok := simpleYAML([]byte(block))
		if !ok {
			return
		}
		want := map[string]any{}
		if err := yaml.Unmarshal([]byte(block), &want); err != nil {
			t.Fatalf("fast path accepted what yaml.v3 rejects (%v): %q", err, block)
		}
		if len(got) == 0 && len(want) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast path %#v, yaml.v3 %#v for %q", got, want, block)
		}
	})
}

// FuzzParse feeds arbitrary bytes to the article parser: it must return an
// article or an error, never panic, and for a file larger than what
// indexing reads, the header read from its head and tail must agree with
// the whole parse. (render's FuzzRender checks that what is accepted
// renders to valid feeds.)
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "seeds", "*.txt"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("---\ntitle: t\ndate: 2022-01-01\n---\n<p>x</p>"))
	f.Add([]byte("+++\ntitle = \"t\"\ndate = 2022-01-01T00:00:00Z\n+++\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("fuzz/a.txt", data, testOpts)
		if err != nil {
			return
		}
		if len(data) > headSize+tailSize {
			if h, err := parseHeader("fuzz/a.txt", data[:headSize], tailOf(data), testOpts); err == nil && !sameHeader(h.a, a) {
				t.Fatalf("header parse %+v differs from whole parse %+v", h.a, a)
			}
		}
	})
}

// sameHeader compares what indexing keeps of two articles: their header
// fields, zone offsets included.
func sameHeader(a, b *Article) bool {
	zone := func(t time.Time) int { _, off := t.Zone(); return off }
	return a.ID == b.ID && a.Link == b.Link && a.Title == b.Title &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) &&
		zone(a.Published) == zone(b.Published) && zone(a.Updated) == zone(b.Updated) &&
		slices.Equal(a.Categories, b.Categories) && slices.Equal(a.Tags, b.Tags) &&
		a.CategoryName == b.CategoryName && a.CategoryHome == b.CategoryHome && a.SiteHome == b.SiteHome
}

// tailOf is the tail readHeader would take of data.
func tailOf(data []byte) []byte {
	tail := data[len(data)-tailSize:]
	for i, c := range tail {
		if c == '\n' {
			return tail[i+1:]
		}
	}
	return tail
}
