package pipeline

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/internal/feedcheck"
	"feedgen/layout"
	"feedgen/serve"
)

// archiveStats stats every archive document under out, by slash path.
func archiveStats(t *testing.T, out string) map[string]os.FileInfo {
	t.Helper()
	m := map[string]os.FileInfo{}
	err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out, p)
		if err != nil {
			return err
		}
		if slash := "/" + filepath.ToSlash(rel); layout.IsArchive(slash) {
			if m[slash], err = os.Stat(p); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestArchiveBuildStable builds with archives into one output directory
// again and again: a rebuild with nothing changed writes nothing, an edit
// of the newest article replaces no archive file, and a backdated article
// replaces only the files of its month.
func TestArchiveBuildStable(t *testing.T) {
	parallel(t)
	src, out, state := t.TempDir(), t.TempDir(), t.TempDir()
	copyDir(t, seedsDir, src)
	newest := article{Title: "最新的文章", Date: "2024-07-02 10:00:00 +0800", Categories: []string{"keji"}, Link: "http://news.example.com/newest"}
	writeAtomic(t, filepath.Join(src, "newest.txt"), []byte(newest.String()))
	site := testSite(t, "https://feeds.example.com/", 2)
	site.Archive = true
	build := func(what string) BuildResult {
		t.Helper()
		r, err := Build(BuildOptions{Src: src, Out: out, Site: site, State: state})
		if err != nil || len(r.Problems) > 0 {
			t.Fatalf("%s: Build: %v %v", what, err, r.Problems)
		}
		return r
	}
	build("first")
	before := archiveStats(t, out)
	if len(before) < 9 {
		t.Fatalf("only %d archive files", len(before))
	}
	if r := build("no change"); r.Written != 0 || r.Removed != 0 {
		t.Errorf("a rebuild with nothing changed wrote %d and removed %d files", r.Written, r.Removed)
	}

	newest.Title = "最新的文章（改）"
	writeAtomic(t, filepath.Join(src, "newest.txt"), []byte(newest.String()))
	if r := build("edit of the newest"); r.Written == 0 {
		t.Error("the edit of the newest article wrote nothing")
	}
	changed := func(what string, allowed func(p string) bool) {
		t.Helper()
		after := archiveStats(t, out)
		for p, fi := range after {
			old, ok := before[p]
			if ok && os.SameFile(old, fi) && old.ModTime().Equal(fi.ModTime()) {
				continue
			}
			if !allowed(p) {
				t.Errorf("%s: %s was written", what, p)
			}
		}
		for p := range before {
			if _, ok := after[p]; !ok && !allowed(p) {
				t.Errorf("%s: %s was removed", what, p)
			}
		}
		before = after
	}
	changed("edit of the newest article", func(string) bool { return false })

	late := article{Title: "补发的旧闻", Date: "2024-04-20 09:00:00 +0800", Categories: []string{"keji"}, Tags: []string{"补发"}, Link: "http://news.example.com/late"}
	writeAtomic(t, filepath.Join(src, "late.txt"), []byte(late.String()))
	build("backdated addition")
	changed("backdated addition", func(p string) bool {
		// Its feeds' April documents; a tag that is new has all its
		// articles in its subscription feed.
		return strings.Contains(p, "/archive/2024/04/") && !strings.HasPrefix(p, "/category/caijing/")
	})
	if err := os.Remove(filepath.Join(src, "late.txt")); err != nil {
		t.Fatal(err)
	}
	build("deletion")
	changed("deletion", func(p string) bool { return strings.Contains(p, "/archive/2024/04/") })

	// What was written is what a fresh build without state writes.
	fresh := t.TempDir()
	if _, err := Build(BuildOptions{Src: src, Out: fresh, Site: site}); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees("fresh", readTree(t, fresh), "incremental", readTree(t, out)); d != "" {
		t.Fatal(d)
	}
}

// TestArchiveServed: archive documents are served with strong ETags; the
// settled months with the long Cache-Control, the newest archive document
// (into which items roll) and the feeds with the short one.
func TestArchiveServed(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, limit: 2, archive: true})
	h, err := feedcheck.Links("atom", td.get(t, "/atom.xml"))
	if err != nil || h.Prev == "" {
		t.Fatalf("/atom.xml links %+v, %v", h, err)
	}
	newest := "/" + strings.TrimPrefix(h.Prev, td.base)
	h, err = feedcheck.Links("atom", td.get(t, newest))
	if err != nil || h.Prev == "" {
		t.Fatalf("%s links %+v, %v", newest, h, err)
	}
	older := "/" + strings.TrimPrefix(h.Prev, td.base)
	for _, c := range []struct{ path, cc string }{
		{"/atom.xml", serve.DefaultCacheControl},
		{newest, serve.DefaultCacheControl},
		{older, layout.ArchiveCacheControl},
	} {
		r := td.do(t, http.MethodGet, c.path, nil)
		etag := r.hdr.Get("ETag")
		if r.code != http.StatusOK || r.hdr.Get("Cache-Control") != c.cc || !strings.HasPrefix(etag, `"`) {
			t.Errorf("GET %s: %d, Cache-Control %q, ETag %q; want 200, %q and a strong ETag", c.path, r.code, r.hdr.Get("Cache-Control"), etag, c.cc)
		}
		if r := td.do(t, http.MethodGet, c.path, map[string]string{"If-None-Match": etag}); r.code != http.StatusNotModified || r.hdr.Get("Cache-Control") != c.cc {
			t.Errorf("GET %s with its ETag: %d, Cache-Control %q", c.path, r.code, r.hdr.Get("Cache-Control"))
		}
	}
}
