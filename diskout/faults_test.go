package diskout

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"feedgen/internal/tmpfs"
	"feedgen/snapshot"
)

// versioned returns baseFiles with every body suffixed, a second version of
// the same tree.
func versioned(suffix string) *snapshot.Snapshot {
	var fs []*snapshot.File
	for _, f := range baseFiles() {
		fs = append(fs, file(f.Path, string(f.Body)+suffix))
	}
	return snap(fs...)
}

// checkNoTemps fails when a temporary file was left in dir.
func checkNoTemps(t *testing.T, dir string) {
	t.Helper()
	for _, p := range tree(t, dir) {
		if strings.Contains(p, TempPrefix) {
			t.Errorf("temporary file left behind: %s", p)
		}
	}
}

// published returns the bytes of the file at the snapshot path p in dir.
func published(t *testing.T, dir, p string) []byte {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return got
}

// TestWriteFaults fails each step of one file's replacement, as a full or
// failing disk does, and checks that the file keeps its old complete bytes,
// every other file gets its new ones, the error names the file and the
// cause, no temporary file is left, and the next write repairs it.
func TestWriteFaults(t *testing.T) {
	t.Parallel()
	const victim = "/category/hebeiribao/atom.xml"
	for _, op := range []Op{OpMkdir, OpCreate, OpWrite, OpSync, OpRename} {
		t.Run(string(op), func(t *testing.T) {
			t.Parallel()
			w, dir := newWriter(t)
			v1, v2 := versioned(" v1"), versioned(" version two")
			mustWrite(t, w, v1)
			w.SetFaults(func(o Op, rel string) error {
				if o == op && "/"+rel == victim {
					return syscall.ENOSPC
				}
				return nil
			})
			_, err := w.Write(v2)
			if err == nil {
				t.Fatal("Write succeeded despite the injected fault")
			}
			if !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("error %q does not carry ENOSPC", err)
			}
			wantName := filepath.Join(dir, filepath.FromSlash(victim))
			if !strings.Contains(err.Error(), wantName) || !strings.Contains(err.Error(), "no space left on device") {
				t.Errorf("error %q should name %s and the cause", err, wantName)
			}
			if strings.Contains(err.Error(), TempPrefix) {
				t.Errorf("error %q names the temporary file", err)
			}
			for _, p := range v2.Paths() {
				got := published(t, dir, p)
				want := v2.Get(p).Body
				if p == victim {
					want = v1.Get(p).Body
				}
				if string(got) != string(want) {
					t.Errorf("%s: %q, want %q", p, got, want)
				}
			}
			checkNoTemps(t, dir)
			w.SetFaults(nil)
			res := mustWrite(t, w, v2)
			if res.Written != 1 {
				t.Errorf("repairing write wrote %d files, want 1 (the victim)", res.Written)
			}
			checkTree(t, dir, v2, false)
		})
	}
}

// TestDirDeletedOrReplaced removes or swaps the output directory behind the
// Writer's back: DirChanged notices, and the next write puts every file
// back although the Writer remembers having written them.
func TestDirDeletedOrReplaced(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"deleted", "replaced", "parent moved"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			parent := filepath.Join(t.TempDir(), "parent")
			dir := filepath.Join(parent, "out")
			w := writerIn(t, dir)
			s := versioned("")
			mustWrite(t, w, s)
			if w.DirChanged() {
				t.Fatal("DirChanged true before anything happened")
			}
			switch how {
			case "deleted":
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
			case "replaced":
				if err := os.Rename(dir, dir+".old"); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				// A file of the same size but other bytes: the Writer must
				// not trust its memory of the old directory.
				if err := os.WriteFile(filepath.Join(dir, "rss.xml"), []byte("xyz"), 0o644); err != nil {
					t.Fatal(err)
				}
			case "parent moved":
				if err := os.Rename(parent, parent+".moved"); err != nil {
					t.Fatal(err)
				}
			}
			if !w.DirChanged() {
				t.Fatal("DirChanged false after the directory was " + how)
			}
			res := mustWrite(t, w, s)
			if res.Written != len(s.Paths()) {
				t.Errorf("wrote %d files, want all %d", res.Written, len(s.Paths()))
			}
			checkTree(t, dir, s, false)
			if w.DirChanged() {
				t.Error("DirChanged still true after the rewrite")
			}
		})
	}
}

// TestDiskFull writes to a real file system that fills up (a small tmpfs;
// skipped unless root on Linux): whatever fails, every file is its old or
// its new complete version, the error says no space and names a file, and
// once space is back the same Writer completes the tree.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	mnt := tmpfs.Mount(t, 1<<20)
	dir := filepath.Join(mnt, "out")
	w := writerIn(t, dir)
	v1 := versioned(" v1")
	mustWrite(t, w, v1)
	// Version two is big: it cannot fit, whatever little is free.
	var big []*snapshot.File
	for _, f := range baseFiles() {
		big = append(big, file(f.Path, strings.Repeat(string(f.Body)+" v2 ", 4000)))
	}
	v2 := snap(big...)
	filler := tmpfs.Fill(t, mnt, 32<<10)
	_, err := w.Write(v2)
	if err == nil {
		t.Fatal("Write on a full disk succeeded")
	}
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "writing "+dir) {
		t.Errorf("error %q: want ENOSPC naming a file under %s", err, dir)
	}
	for _, p := range v2.Paths() {
		got := published(t, dir, p)
		if string(got) != string(v1.Get(p).Body) && string(got) != string(v2.Get(p).Body) {
			t.Errorf("%s: %d bytes, neither version (torn)", p, len(got))
		}
	}
	checkNoTemps(t, dir)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, w, v2)
	checkTree(t, dir, v2, false)
}
