package feedgen

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"gopkg.in/yaml.v3"

	"feedgen/index"
	"feedgen/internal/feedcheck"
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
// article or an error, never panic, and every article it accepts must
// render to feeds that pass the spec checks.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "seeds", "*.txt"))
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("---\ntitle: t\ndate: 2022-01-01\n---\n<p>x</p>"))
	f.Add([]byte("+++\ntitle = \"t\"\ndate = 2022-01-01T00:00:00Z\n+++\n"))
	cfg := testConfig(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Parse("fuzz/a.txt", data, testOpts)
		if err != nil {
			return
		}
		// The header read of a large file must agree with the whole parse.
		if len(data) > headSize+tailSize {
			if h, err := parseHeader("fuzz/a.txt", data[:headSize], tailOf(data), testOpts); err == nil && !sameHeader(headerOf(h.a), headerOf(a)) {
				t.Fatalf("header parse %+v differs from whole parse %+v", h.a, a)
			}
		}
		for _, k := range index.FeedsOf(headerOf(a)) {
			fi := FeedInfo{Key: k, Title: "t", Description: "d", Link: cfg.BaseURL, Updated: a.Updated}
			items := []*Article{a}
			for _, f := range Formats {
				name, body := k.Path(f), renderWhole(&cfg, f, fi, items)
				if err := feedcheck.Check(name, body); err != nil {
					t.Fatalf("%s of an accepted article fails the spec checks: %v\ninput: %q", name, err, data)
				}
			}
		}
	})
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
