package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"feedgen/diskout"
	"feedgen/internal/tmpfs"
)

// logBuffer collects a daemon's text log for assertions; safe for the
// daemon's goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// count counts the log lines containing s.
func (l *logBuffer) count(s string) int {
	return strings.Count(l.String(), s)
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// fastOutRetries makes a daemon retry failed output writes and check its
// output directory within milliseconds (daemonConfig.tune).
func fastOutRetries(d *Daemon) {
	d.out.retryMin, d.out.retryMax, d.out.checkEvery = 20*time.Millisecond, 100*time.Millisecond, 50*time.Millisecond
}

// diskEqualsServed reports whether out holds exactly the files served.
func diskEqualsServed(td *testDaemon, out string) (bool, string) {
	disk, err := tryReadTree(out)
	if err != nil {
		return false, err.Error()
	}
	want := td.snapshotFiles()
	for p, b := range want {
		if !bytes.Equal(disk[p], b) {
			return false, fmt.Sprintf("%s differs on disk (%d bytes, served %d)", p, len(disk[p]), len(b))
		}
	}
	for p := range disk {
		if _, ok := want[p]; !ok {
			return false, p + " is on disk but not served"
		}
	}
	return true, ""
}

// editTitle rewrites the article at path with a new title and waits until
// the daemon serves it.
func editTitle(t *testing.T, td *testDaemon, path, title string) {
	t.Helper()
	writeAtomic(t, path, []byte(article{Title: title, Date: "2030-01-02 03:04:05 +0800", Categories: []string{"faults"}}.String()))
	eventually(t, 10*time.Second, "served "+title, func() (bool, string) {
		n, err := countTitle(td.snapshotFiles()["/rss.xml"], title)
		return err == nil && n == 1, fmt.Sprintf("%d items titled %q, err %v", n, title, err)
	})
}

// checkComplete fails unless every file under out is the complete version
// of some snapshot the test saw: the one before the fault or the one
// served now. A temporary file is an error when the writer is done
// (build), not while a daemon may be retrying: it is then a write in
// flight, and the final comparison with what is served finds one left.
func checkComplete(t *testing.T, out string, writerDone bool, versions ...map[string][]byte) {
	t.Helper()
	// A temporary file can vanish between listing and reading it while a
	// daemon retries: read again until one pass sees a steady tree.
	disk, err := tryReadTree(out)
	for i := 0; err != nil && !writerDone && i < 100; i++ {
		time.Sleep(time.Millisecond)
		disk, err = tryReadTree(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	for p, b := range disk {
		if strings.Contains(p, diskout.TempPrefix) {
			if writerDone {
				t.Errorf("temporary file %s left on disk", p)
			}
			continue
		}
		ok := false
		for _, v := range versions {
			if bytes.Equal(v[p], b) {
				ok = true
			}
		}
		if !ok {
			t.Errorf("%s on disk (%d bytes) is no complete version", p, len(b))
		}
	}
}

// TestServeOutWriteFaults injects a write failure (ENOSPC in the middle of
// every file) while the daemon runs: readers get the changes from memory,
// the disk keeps its last complete files, the failure is logged once for
// three changes, and once writes succeed again the daemon catches up by
// itself, with no article changing.
func TestServeOutWriteFaults(t *testing.T) {
	parallel(t)
	src, out := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "out")
	copyDir(t, seedsDir, src)
	var logs logBuffer
	td := startDaemon(t, daemonConfig{src: src, out: out, logger: logs.logger(), tune: fastOutRetries})
	eventually(t, 10*time.Second, "first write", func() (bool, string) { return diskEqualsServed(td, out) })
	before := td.snapshotFiles()

	var failing atomic.Bool
	failing.Store(true)
	td.d.writer.SetFaults(func(op diskout.Op, rel string) error {
		if failing.Load() && op == diskout.OpWrite {
			return syscall.ENOSPC
		}
		return nil
	})
	path := filepath.Join(src, "fault.txt")
	for i := range 3 {
		editTitle(t, td, path, fmt.Sprintf("written while the disk is full %d", i))
	}
	time.Sleep(200 * time.Millisecond) // several retries
	checkComplete(t, out, false, before)
	if disk, err := os.ReadFile(filepath.Join(out, "rss.xml")); err != nil || !bytes.Equal(disk, before["/rss.xml"]) {
		t.Error("rss.xml changed on disk although every write failed")
	}
	if n := logs.count("event=output_failing"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("the log does not give the cause:\n%s", logs.String())
	}
	waitDegraded(t, td, "failing output in /healthz", "output_failing")

	failing.Store(false)
	eventually(t, 10*time.Second, "disk caught up", func() (bool, string) { return diskEqualsServed(td, out) })
	// The files are in place a moment before the line that says so.
	eventually(t, 5*time.Second, "recovery logged", func() (bool, string) {
		return logs.count("event=output_recovered") > 0, logs.String()
	})
	time.Sleep(100 * time.Millisecond) // a second line would come from a retry already queued
	if n := logs.count("event=output_recovered"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
	waitDegraded(t, td, "recovered output in /healthz")
}

// TestServeOutDirRemoved deletes, then replaces, the output directory while
// the daemon runs with nothing changing in the source: each time it is
// written again in full.
func TestServeOutDirRemoved(t *testing.T) {
	parallel(t)
	src, out := filepath.Join(t.TempDir(), "src"), filepath.Join(t.TempDir(), "out")
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, out: out, tune: fastOutRetries})
	eventually(t, 10*time.Second, "first write", func() (bool, string) { return diskEqualsServed(td, out) })

	if err := os.RemoveAll(out); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "deleted output written again", func() (bool, string) { return diskEqualsServed(td, out) })

	if err := os.Rename(out, out+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "replaced output written again", func() (bool, string) { return diskEqualsServed(td, out) })
}

// TestServeOutDiskFull runs serve -out on a small tmpfs that fills up
// (skipped unless root on Linux): changes keep being served, the disk
// keeps complete files, one log line, and after space is freed the daemon
// catches up on its own.
func TestServeOutDiskFull(t *testing.T) {
	parallel(t)
	mnt := tmpfs.Mount(t, 2<<20)
	src, out := filepath.Join(t.TempDir(), "src"), filepath.Join(mnt, "out")
	copyDir(t, seedsDir, src)
	var logs logBuffer
	td := startDaemon(t, daemonConfig{src: src, out: out, logger: logs.logger(), tune: fastOutRetries})
	eventually(t, 10*time.Second, "first write", func() (bool, string) { return diskEqualsServed(td, out) })
	before := td.snapshotFiles()

	filler := tmpfs.Fill(t, mnt, 0)
	path := filepath.Join(src, "full.txt")
	for i := range 3 {
		editTitle(t, td, path, fmt.Sprintf("published on a full disk %d", i))
	}
	time.Sleep(200 * time.Millisecond)
	checkComplete(t, out, false, before, td.snapshotFiles())
	if n := logs.count("event=output_failing"); n != 1 {
		t.Errorf("failure logged %d times, want once:\n%s", n, logs.String())
	}
	if ok, _ := diskEqualsServed(td, out); ok {
		t.Fatal("the disk holds the new files although it is full: the test proves nothing")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "disk caught up", func() (bool, string) { return diskEqualsServed(td, out) })
}

// TestBuildDiskFull runs build on a full tmpfs (skipped unless root on
// Linux): it fails naming a file and the cause, leaves only complete files,
// and a build after space is back gives the same tree as one that never
// failed.
func TestBuildDiskFull(t *testing.T) {
	parallel(t)
	mnt := tmpfs.Mount(t, 2<<20)
	src, out := filepath.Join(t.TempDir(), "src"), filepath.Join(mnt, "out")
	copyDir(t, seedsDir, src)
	site := testSite(t, "https://feeds.example.com/", 0)
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: site}); err != nil {
		t.Fatal(err)
	}
	before := readTree(t, out)
	writeAtomic(t, filepath.Join(src, "new.txt"), []byte(article{Title: "new on a full disk", Date: "2030-01-02 03:04:05 +0800", Categories: []string{"faults"}}.String()))
	filler := tmpfs.Fill(t, mnt, 0)
	_, err := Build(BuildOptions{Src: src, Out: out, Site: site})
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "writing "+out+string(filepath.Separator)) {
		t.Fatalf("Build on a full disk: %v; want ENOSPC naming a file in %s", err, out)
	}
	ref := filepath.Join(t.TempDir(), "ref")
	if _, err := Build(BuildOptions{Src: src, Out: ref, Site: site}); err != nil {
		t.Fatal(err)
	}
	after := readTree(t, ref)
	checkComplete(t, out, true, before, after)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: site}); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, out)
	if len(got) != len(after) {
		t.Errorf("%d files after recovery, want %d", len(got), len(after))
	}
	for p, b := range after {
		if !bytes.Equal(got[p], b) {
			t.Errorf("%s differs from a build that never failed", p)
		}
	}
}
