package pipeline

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"

	"feedgen/layout"
)

// TestBuildPrecompress proves that build -precompress writes NAME.gz and
// NAME.br beside every file, decoding to the file's bytes; that the bytes
// are deterministic (a build from another state gives the same tree); that
// a rebuild with nothing changed writes nothing; that they go when their
// file goes; and that a build without -precompress removes them all, so no
// stale compressed file outlives its source.
func TestBuildPrecompress(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	extra := article{Title: "只有一个标签的文章", Date: "2024-07-03 09:00:00 +0800", Tags: []string{"独一无二"}, Link: "http://news.example.com/only"}
	writeAtomic(t, filepath.Join(src, "only.md"), []byte(extra.String()))
	site := testSite(t, "https://feeds.example.com/", 50)
	build := func(out, state string, pre bool) BuildResult {
		t.Helper()
		r, err := Build(BuildOptions{Src: src, Out: out, Site: site, State: state, Precompress: pre})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		return r
	}
	state := t.TempDir()
	out := t.TempDir()
	first := build(out, state, true)
	tree := readTree(t, out)
	plain, images := 0, 0
	for p, data := range tree {
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			base, ok := tree[p[:len(p)-3]]
			if !ok {
				t.Errorf("%s without its file", p)
			}
			var got []byte
			if strings.HasSuffix(p, ".gz") {
				got = gunzip(t, data)
			} else {
				var err error
				if got, err = io.ReadAll(brotli.NewReader(bytes.NewReader(data))); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
			if !bytes.Equal(got, base) {
				t.Errorf("%s does not decode to its file", p)
			}
			continue
		}
		if layout.AssetType(p) != "" {
			images++ // compressed already: written alone
			for _, suf := range []string{".gz", ".br"} {
				if _, ok := tree[p+suf]; ok {
					t.Errorf("image %s has a %s", p, suf)
				}
			}
			continue
		}
		plain++
		for _, suf := range []string{".gz", ".br"} {
			if _, ok := tree[p+suf]; !ok {
				t.Errorf("%s has no %s", p, suf)
			}
		}
	}
	if plain == 0 || images == 0 || first.Written != 3*plain+images {
		t.Fatalf("first build wrote %d files for %d published files and %d images", first.Written, plain, images)
	}
	if _, ok := tree["/tag/独一无二/rss.xml.br"]; !ok {
		t.Fatal("tag feed has no .br")
	}

	// Same bytes from a build with no state into a fresh directory.
	other := t.TempDir()
	build(other, "", true)
	if d := diffTrees("warm state", tree, "no state", readTree(t, other)); d != "" {
		t.Fatalf("precompressed trees differ:\n%s", d)
	}

	// Nothing changed: nothing written, with or without the state.
	if r := build(out, state, true); r.Written != 0 || r.Removed != 0 {
		t.Fatalf("no-change rebuild wrote %d, removed %d", r.Written, r.Removed)
	}
	if r := build(out, "", true); r.Written != 0 || r.Removed != 0 {
		t.Fatalf("no-change rebuild without state wrote %d, removed %d", r.Written, r.Removed)
	}

	// The tag's only article goes: its feeds and their compressed forms go.
	if err := os.Remove(filepath.Join(src, "only.md")); err != nil {
		t.Fatal(err)
	}
	build(out, state, true)
	if _, err := os.Stat(filepath.Join(out, "tag", "独一无二")); !os.IsNotExist(err) {
		t.Errorf("folder of a gone tag still there (%v)", err)
	}
	after := readTree(t, out)
	for p := range after {
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			if !bytes.Equal(gunzipOrBr(t, p, after[p]), after[p[:len(p)-3]]) {
				t.Errorf("%s is stale after a change", p)
			}
		}
	}

	// Without -precompress, every compressed file is removed.
	build(out, state, false)
	for p := range readTree(t, out) {
		if strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br") {
			t.Errorf("%s left by a build without -precompress", p)
		}
	}
}

func gunzipOrBr(t *testing.T, p string, data []byte) []byte {
	t.Helper()
	if strings.HasSuffix(p, ".gz") {
		return gunzip(t, data)
	}
	b, err := io.ReadAll(brotli.NewReader(bytes.NewReader(data)))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return b
}
