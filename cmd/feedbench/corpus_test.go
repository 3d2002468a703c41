package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCorpusDeterministicAndWellFormed generates 50 articles twice with the
// same seed and checks that the files are identical, that each has the
// front matter and original-URL line feedgen expects, and that dates do not
// follow file-name order.
func TestCorpusDeterministicAndWellFormed(t *testing.T) {
	t.Parallel()
	const n = 50
	a, b := t.TempDir(), t.TempDir()
	if _, err := writeCorpus(a, n, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := writeCorpus(b, n, 7); err != nil {
		t.Fatal(err)
	}
	names := func(dir string) []string {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range ents {
			s = append(s, e.Name())
		}
		slices.Sort(s)
		return s
	}
	na, nb := names(a), names(b)
	if len(na) != n || !slices.Equal(na, nb) {
		t.Fatalf("file names differ or wrong count: %d vs %d", len(na), len(nb))
	}
	nameRE := regexp.MustCompile(`^\d{6}_[0-9a-f]{16}\.txt$`)
	linkRE := regexp.MustCompile(`(?m)^<http://news\.example\.com/\S*infoCode=NW\d+>$`)
	var dates []time.Time
	links := map[string]bool{}
	for _, name := range na {
		da, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		db, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(da, db) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
		if !nameRE.MatchString(name) {
			t.Errorf("file name %q", name)
		}
		if !bytes.HasPrefix(da, []byte("---\n")) {
			t.Errorf("%s: no front matter", name)
		}
		for _, k := range []string{"title", "date", "categories", "tags"} {
			if frontMatterValue(da, k) == "" {
				t.Errorf("%s: front matter has no %s", name, k)
			}
		}
		d, err := time.Parse("2006-01-02 15:04:05 -0700", frontMatterValue(da, "date"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, off := d.Zone(); off != 8*3600 {
			t.Errorf("%s: date offset %d, want +0800", name, off)
		}
		dates = append(dates, d)
		link := linkRE.Find(da)
		if link == nil {
			t.Errorf("%s: no <http://…> original URL line", name)
		} else if links[string(link)] {
			t.Errorf("%s: link %s not unique", name, link)
		}
		links[string(link)] = true
		if !strings.Contains(string(da), "（文章来源：") || !strings.Contains(string(da), "｜[返回首页](//news.example.com/)") {
			t.Errorf("%s: no source or navigation line", name)
		}
		if len(da) < minSize-512 || len(da) > maxSize+2048 {
			t.Errorf("%s: %d bytes, outside the size range", name, len(da))
		}
	}
	if slices.IsSortedFunc(dates, func(x, y time.Time) int { return x.Compare(y) }) ||
		slices.IsSortedFunc(dates, func(x, y time.Time) int { return y.Compare(x) }) {
		t.Error("dates follow file-name order")
	}

	// A different seed gives a different corpus.
	c := t.TempDir()
	if _, err := writeCorpus(c, n, 8); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(names(c), na) {
		t.Error("seed 8 gives the same file names as seed 7")
	}
}

// TestArticleName checks that articleName, which the edits use instead of
// listing the directory, names the files writeCorpus writes.
func TestArticleName(t *testing.T) {
	t.Parallel()
	const n = 30
	dir := t.TempDir()
	if _, err := writeCorpus(dir, n, 3); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := articleName(3, i)
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("article %d: %v", i, err)
		}
		if gen, _ := genArticle(3, i, nil); gen != name {
			t.Errorf("article %d: articleName %q, genArticle %q", i, name, gen)
		}
	}
}

func TestDirBytesAndHasEntries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if full, err := hasEntries(dir); err != nil || full {
		t.Errorf("empty dir: %v %v", full, err)
	}
	if full, err := hasEntries(filepath.Join(dir, "missing")); err != nil || full {
		t.Errorf("missing dir: %v %v", full, err)
	}
	total, err := writeCorpus(dir, 4100, 1) // more than one ReadDir batch
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := dirBytes(dir)
	if err != nil || got != total {
		t.Errorf("dirBytes = %d, %v; want %d", got, err, total)
	}
	if full, err := hasEntries(dir); err != nil || !full {
		t.Errorf("full dir: %v %v", full, err)
	}
}

// TestCorpusCommandWorkdir checks that "feedbench corpus -workdir" writes
// the cache layout "feedbench run" reuses, and keeps a valid cached corpus.
func TestCorpusCommandWorkdir(t *testing.T) {
	t.Parallel()
	wd := t.TempDir()
	var out, errw strings.Builder
	if code := realMain([]string{"corpus", "-n", "20", "-seed", "4", "-workdir", wd}, &out, &errw); code != 0 {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	ci, err := ensureCorpus(wd, 20, 4, &errw)
	if err != nil {
		t.Fatal(err)
	}
	if ci.Generated || ci.Bytes == 0 || ci.Dir != filepath.Join(wd, "corpus", "n20-s4") {
		t.Errorf("cached corpus not reused: %+v", ci)
	}
	out.Reset()
	if code := realMain([]string{"corpus", "-n", "20", "-seed", "4", "-workdir", wd}, &out, &errw); code != 0 || !strings.Contains(out.String(), "kept") {
		t.Errorf("second run: exit %d, %q", code, out.String())
	}
	if code := realMain([]string{"corpus", "-n", "20", "-workdir", wd, "-out", wd}, &out, &errw); code != 2 {
		t.Errorf("-out and -workdir: exit %d, want 2", code)
	}
}
