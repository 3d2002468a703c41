package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestServeSourceMoved renames a folder above the source directory while
// the daemon runs (inotify says nothing), adds an article while it is
// away, and moves it back: the daemon logs the loss, keeps serving what it
// had, and once the path names a folder again it reads it and follows it.
func TestServeSourceMoved(t *testing.T) {
	parallel(t)
	parent := filepath.Join(t.TempDir(), "parent")
	src := filepath.Join(parent, "src")
	copyDir(t, seedsDir, src)
	var logs logBuffer
	td := startDaemon(t, daemonConfig{src: src, logger: logs.logger()})
	before := td.snapshotFiles()

	if err := os.Rename(parent, parent+".away"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "loss of the source logged", func() (bool, string) {
		return logs.count("event=root_lost") == 1, logs.String()
	})
	waitDegraded(t, td, "lost source in /healthz", "root_lost")
	time.Sleep(200 * time.Millisecond) // the rescan that follows fails
	now := td.snapshotFiles()
	if !bytes.Equal(now["/rss.xml"], before["/rss.xml"]) {
		t.Error("what is served changed while the source directory was away")
	}

	writeAtomic(t, filepath.Join(parent+".away", "src", "while-away.txt"),
		[]byte(article{Title: "written while away", Date: "2030-01-02 03:04:05 +0800", Categories: []string{"moved"}}.String()))
	if err := os.Rename(parent+".away", parent); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "article written while away served", func() (bool, string) {
		n, err := countTitle(td.snapshotFiles()["/rss.xml"], "written while away")
		return err == nil && n == 1, fmt.Sprintf("%d items, err %v", n, err)
	})
	waitDegraded(t, td, "source back in /healthz")
	editTitle(t, td, filepath.Join(src, "after.txt"), "written after the return")
}

// TestBuildOutputGoneWithState: the state records what a build left in
// its output directory, so that the next build trusts unchanged files. A
// directory deleted or replaced between builds must not be trusted: the
// next build writes every file again.
func TestBuildOutputGoneWithState(t *testing.T) {
	parallel(t)
	site := testSite(t, "https://feeds.example.com/", 0)
	src, out, state := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "out"), t.TempDir()
	copyDir(t, seedsDir, src)
	build := func() BuildResult {
		t.Helper()
		r, err := Build(BuildOptions{Src: src, Out: out, Site: site, State: state})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	build()
	want := readTree(t, out)
	for _, how := range []string{"deleted", "replaced by an empty folder", "replaced by a copy"} {
		switch how {
		case "deleted":
			if err := os.RemoveAll(out); err != nil {
				t.Fatal(err)
			}
		case "replaced by an empty folder":
			if err := os.Rename(out, out+".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(out, 0o755); err != nil {
				t.Fatal(err)
			}
		case "replaced by a copy":
			if err := os.RemoveAll(out + ".old"); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(out, out+".old"); err != nil {
				t.Fatal(err)
			}
			copyDir(t, out+".old", out)
			// One file of the copy is damaged, with its size kept.
			p := filepath.Join(out, "rss.xml")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, bytes.Repeat([]byte("x"), len(b)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := build()
		got := readTree(t, out)
		if len(got) != len(want) {
			t.Errorf("%s: %d files after the build, want %d", how, len(got), len(want))
		}
		for p, b := range want {
			if !bytes.Equal(got[p], b) {
				t.Errorf("%s: %s not written again", how, p)
			}
		}
		if how == "replaced by a copy" && r.Written != 1 {
			t.Errorf("%s: wrote %d files, want 1 (the damaged one)", how, r.Written)
		}
	}
}
