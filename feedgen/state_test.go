package feedgen

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/internal/sitetest"
)

// stateCorpus writes a small archive: several categories and tags, a
// duplicate id, a bad file, a draft, and bodies longer than what indexing
// reads so that shown items need their whole file.
func stateCorpus(t *testing.T, dir string, n int) {
	t.Helper()
	filler := strings.Repeat("<p>正文内容，足够长以越过索引读取的头尾。</p>\n", 200)
	for i := range n {
		cat := []string{"caijing", "gupiao", "jijin"}[i%3]
		body := post(fmt.Sprintf("文章 %d", i), fmt.Sprintf("2022-03-%02d 05:%02d:00 +0800", 1+i%28, i%60), cat, fmt.Sprintf("标签%d", i%4),
			fmt.Sprintf("https://news.example.com/a/%d.html", i))
		body = strings.Replace(body, " body</p>\n", " body</p>\n"+filler, 1)
		writeFile(t, dir, fmt.Sprintf("y%d/%03d.txt", i%2, i), body)
	}
	writeFile(t, dir, "dup.txt", post("dup", "2022-03-28 00:00:00 +0800", "caijing", "x", "https://news.example.com/a/1.html"))
	writeFile(t, dir, "bad.txt", "---\ntitle: [unclosed\n---\nbody")
	writeFile(t, dir, "draft.txt", "---\ntitle: d\ndate: 2022-01-01\npublished: false\n---\nx")
}

// fresh builds dir without any state: the reference every other way of
// building must match byte for byte.
func fresh(t *testing.T, dir string, cfg config.Config) (map[string]string, []Problem) {
	t.Helper()
	g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(1e9, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	return contents(g.Snapshot().Snapshot), g.Problems()
}

// withState builds dir with the state in state, returning the files, the
// problems and how many article files were opened.
func withState(t *testing.T, dir, state string, cfg config.Config, log *slog.Logger) (map[string]string, []Problem, int64) {
	t.Helper()
	g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(2e9, 0) }, StateDir: state, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	return contents(g.Snapshot().Snapshot), g.Problems(), g.rd.Opened()
}

func sameFiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("%s: files %v, want %v", what, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for p, b := range want {
		if got[p] != b {
			t.Errorf("%s: %s differs from a build without state\n%s", what, p, firstDiff(got[p], b))
		}
	}
}

// TestStateChangesNothingPublished: the same directory gives the same bytes
// with no state, a new state and a warm one, and a warm state with nothing
// changed opens no article file at all.
func TestStateChangesNothingPublished(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	stateCorpus(t, dir, 120)
	cfg := sitetest.Config(t)
	cfg.Limit = 10
	want, wantProbs := fresh(t, dir, cfg)
	if len(wantProbs) != 2 {
		t.Fatalf("problems %v, want the bad file and the duplicate", wantProbs)
	}
	got, probs, opened := withState(t, dir, state, cfg, nil)
	sameFiles(t, "new state", got, want)
	if opened == 0 {
		t.Fatal("a new state opened no file")
	}
	got, probs2, opened := withState(t, dir, state, cfg, nil)
	sameFiles(t, "warm state", got, want)
	if opened != 0 {
		t.Errorf("a warm state with nothing changed opened %d article files, want 0", opened)
	}
	if !slices.Equal(probs, wantProbs) || !slices.Equal(probs2, wantProbs) {
		t.Errorf("problems differ: %v / %v, want %v", probs, probs2, wantProbs)
	}
}

// TestStatePicksUpChangesWhileStopped: edits, deletes, new, renamed and
// fixed files made between two runs are all seen by the next one.
func TestStatePicksUpChangesWhileStopped(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	stateCorpus(t, dir, 60)
	cfg := sitetest.Config(t)
	cfg.Limit = 8
	withState(t, dir, state, cfg, nil)

	// The newest article changes its body only (same head and tail), one
	// changes its date and tag, one is deleted, one renamed, one added, the
	// bad file fixed, a whole folder removed and the draft published.
	p := filepath.Join(dir, "y1", "055.txt")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("正文内容"), []byte("改后内容"), 1), 0o644)
	writeFile(t, dir, "y0/010.txt", post("moved in time", "2022-03-27 23:00:00 +0800", "gupiao", "新标签", "https://news.example.com/a/10.html"))
	os.Remove(filepath.Join(dir, "y0", "012.txt"))
	os.Rename(filepath.Join(dir, "y1", "013.txt"), filepath.Join(dir, "renamed.txt"))
	writeFile(t, dir, "new/a.txt", post("new one", "2022-03-28 12:00:00 +0800", "jijin", "标签1", ""))
	writeFile(t, dir, "bad.txt", post("fixed", "2022-03-20 00:00:00 +0800", "caijing", "x", ""))
	writeFile(t, dir, "draft.txt", post("no longer a draft", "2022-03-21 00:00:00 +0800", "caijing", "x", ""))
	want, wantProbs := fresh(t, dir, cfg)
	got, probs, _ := withState(t, dir, state, cfg, nil)
	sameFiles(t, "after changes", got, want)
	if !slices.Equal(probs, wantProbs) {
		t.Errorf("problems %v, want %v", probs, wantProbs)
	}
	os.RemoveAll(filepath.Join(dir, "y1"))
	want, _ = fresh(t, dir, cfg)
	got, _, _ = withState(t, dir, state, cfg, nil)
	sameFiles(t, "after removing a folder", got, want)
}

// TestDamagedStateIsRebuilt: a state cut short, overwritten, from another
// configuration or for another source gives the same bytes and one log
// line, never an error.
func TestDamagedStateIsRebuilt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stateCorpus(t, dir, 40)
	cfg := sitetest.Config(t)
	cfg.Limit = 5
	want, _ := fresh(t, dir, cfg)
	cases := []struct {
		name   string
		damage func(db string)
		cfg    func(*config.Config)
	}{
		{"truncated", func(db string) { fi, _ := os.Stat(db); os.Truncate(db, fi.Size()/2) }, nil},
		{"garbage", func(db string) { os.WriteFile(db, bytes.Repeat([]byte{0xA5}, 1<<16), 0o600) }, nil},
		{"zeroed data pages", func(db string) {
			b, _ := os.ReadFile(db)
			clear(b[4*4096:])
			os.WriteFile(db, b, 0o600)
		}, nil},
		{"deleted", func(db string) { os.Remove(db) }, nil},
		// A setting that changes how articles are read; one that changes
		// only what is rendered keeps the scan (state_config_test.go).
		{"other configuration", nil, func(c *config.Config) { c.MaxArticleSize = 1 << 20 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			state := t.TempDir()
			cfg1 := cfg
			if c.cfg != nil {
				c.cfg(&cfg1)
				withState(t, dir, state, cfg1, nil)
			} else {
				withState(t, dir, state, cfg, nil)
				c.damage(filepath.Join(state, "index.db"))
			}
			var logs bytes.Buffer
			got, _, _ := withState(t, dir, state, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
			sameFiles(t, c.name, got, want)
			if c.name != "deleted" && !strings.Contains(logs.String(), "rebuilding it from the articles") {
				t.Errorf("no log line says the state is rebuilt: %q", logs.String())
			}
			if n := strings.Count(logs.String(), "\n"); n > 1 {
				t.Errorf("%d log lines, want one:\n%s", n, logs.String())
			}
			// And the rebuilt state is a good one.
			got, _, opened := withState(t, dir, state, cfg, nil)
			sameFiles(t, c.name+", then warm", got, want)
			if opened != 0 {
				t.Errorf("rebuilt state then opened %d files", opened)
			}
		})
	}
}

// TestStateUpdatesWhileRunning: the daemon's path (Update after Scan) with
// a state gives what a fresh build of the final directory gives, and a
// second process on the warm state agrees.
func TestStateUpdatesWhileRunning(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	stateCorpus(t, dir, 50)
	cfg := sitetest.Config(t)
	cfg.Limit = 6
	g, err := New(dir, cfg, Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	g.Snapshot()
	edit := filepath.Join(dir, "y0", "048.txt")
	writeFile(t, dir, "y0/048.txt", post("edited", "2022-03-28 22:00:00 +0800", "gupiao", "标签9", "https://news.example.com/a/48.html"))
	os.Remove(filepath.Join(dir, "y1", "049.txt"))
	os.MkdirAll(filepath.Join(dir, "z"), 0o755)
	writeFile(t, dir, "z/new.txt", post("new", "2022-03-28 23:00:00 +0800", "jijin", "标签1", ""))
	g.Update([]string{edit, filepath.Join(dir, "y1", "049.txt"), filepath.Join(dir, "z")})
	got := contents(g.Snapshot().Snapshot)
	want, _ := fresh(t, dir, cfg)
	sameFiles(t, "after updates", got, want)
	g.Close()
	got, _, _ = withState(t, dir, state, cfg, nil)
	sameFiles(t, "restart after updates", got, want)
}

// TestStateAfterFreshCheckout: a CI job that clones the repository gives
// every file a new stamp. The state then cannot spare reading the files,
// but an article whose bytes did not change is not parsed and cleaned
// again: its kept item is checked against the file's sum.
func TestStateAfterFreshCheckout(t *testing.T) {
	t.Parallel()
	dir, state := t.TempDir(), t.TempDir()
	stateCorpus(t, dir, 40)
	cfg := sitetest.Config(t)
	cfg.Limit = 5
	want, _, _ := withState(t, dir, state, cfg, nil)
	later := time.Now().Add(time.Hour)
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			err = os.Chtimes(p, later, later)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(2e9, 0) }, StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, "after touching every file", contents(g.Snapshot().Snapshot), want)
	if n := g.items.cleaned.Load(); n != 0 {
		t.Errorf("%d articles parsed and cleaned again, want 0: their bytes did not change", n)
	}
	if g.rd.Opened() == 0 {
		t.Error("no file opened: new stamps must be checked")
	}
	// And an article whose body did change behind the same head and tail
	// is cleaned again.
	p := filepath.Join(dir, "y1", "039.txt")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte("正文内容"), []byte("新的内容"), 1), 0o644)
	os.Chtimes(p, later, later)
	fresh1, _ := fresh(t, dir, cfg)
	got, _, _ := withState(t, dir, state, cfg, nil)
	sameFiles(t, "after a body edit", got, fresh1)
}
