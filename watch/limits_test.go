package watch

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// logBuffer collects a watcher's log; safe for its goroutines.
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

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// TestWatchLimitPollsUnwatched: when the kernel refuses watches (injected
// ENOSPC = max_user_watches, EMFILE = max_user_instances or the open-file
// limit) for some folders, the watcher says so once with the fix, and
// every change in those folders is still reported, by polling: files in an
// existing folder, in a folder below it, and in folders created later.
func TestWatchLimitPollsUnwatched(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err error
		fix string
	}{
		{syscall.ENOSPC, "fs.inotify.max_user_watches"},
		{syscall.EMFILE, "ulimit -n"},
	} {
		t.Run(tc.err.Error(), func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			mkdirAll(t, filepath.Join(root, "full", "deeper"))
			mkdirAll(t, filepath.Join(root, "also-full"))
			mkdirAll(t, filepath.Join(root, "ok"))
			var logs logBuffer
			w := start(t, root, Options{
				Logger:        logs.logger(),
				fallbackEvery: 20 * time.Millisecond,
				addHook: func(dir string) error {
					if strings.Contains(filepath.Base(dir), "full") || strings.Contains(dir, "full"+string(filepath.Separator)) {
						return tc.err
					}
					return nil
				},
			})
			select {
			case err := <-w.Errors():
				if !strings.Contains(err.Error(), tc.err.Error()) {
					t.Errorf("error %v, want one saying %v", err, tc.err)
				}
			case <-time.After(waitTimeout):
				t.Error("the refused watch was not reported on Errors")
			}

			f1 := filepath.Join(root, "full", "a.md")
			f2 := filepath.Join(root, "full", "deeper", "b.md")
			f3 := filepath.Join(root, "also-full", "c.md")
			f4 := filepath.Join(root, "ok", "d.md")
			for _, f := range []string{f1, f2, f3, f4} {
				writeFile(t, f, "x")
			}
			waitPaths(t, w, f1, f2, f3, f4)

			// A folder made later that cannot be watched either: what it
			// holds when it appears, and what is written in it afterwards.
			mkdirAll(t, filepath.Join(root, "new-full", "sub"))
			f5 := filepath.Join(root, "new-full", "sub", "e.md")
			writeFile(t, f5, "x")
			waitPaths(t, w, f5)
			f6 := filepath.Join(root, "new-full", "f.md")
			writeFile(t, f6, "x")
			writeFile(t, f1, "changed")
			waitPaths(t, w, f6, f1)
			if err := os.Remove(f2); err != nil {
				t.Fatal(err)
			}
			waitPaths(t, w, f2)

			if n := strings.Count(logs.String(), "event=watch_limit"); n != 1 {
				t.Errorf("limit logged %d times, want once:\n%s", n, logs.String())
			}
			if !strings.Contains(logs.String(), tc.fix) || !strings.Contains(logs.String(), "-poll") {
				t.Errorf("the log does not give the fix (%s, or -poll):\n%s", tc.fix, logs.String())
			}
		})
	}
}

// TestWatchLimitRewatched: once the limit is lifted, a rescan (any watcher
// error asks for one) watches the polled folders again and polling stops.
func TestWatchLimitRewatched(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := filepath.Join(root, "full")
	mkdirAll(t, d)
	var refuse sync.Map
	refuse.Store(d, true)
	w := start(t, root, Options{
		fallbackEvery: time.Hour, // only the watch can report changes in time
		addHook: func(dir string) error {
			if _, ok := refuse.Load(dir); ok {
				return syscall.ENOSPC
			}
			return nil
		},
	})
	refuse.Delete(d)
	w.inject <- syscall.EIO
	waitRescan(t, w)
	f := filepath.Join(d, "after.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
}

// TestWatchLimitRetried: with no error to cause a rescan, the polled
// folders are tried again periodically, and once the limit is lifted they
// are watched by inotify again, with nothing lost in between.
func TestWatchLimitRetried(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := filepath.Join(root, "full")
	mkdirAll(t, filepath.Join(d, "sub"))
	var refuse atomic.Bool
	refuse.Store(true)
	var logs logBuffer
	w := start(t, root, Options{
		Logger:        logs.logger(),
		fallbackEvery: 20 * time.Millisecond,
		retryEvery:    100 * time.Millisecond,
		addHook: func(dir string) error {
			if refuse.Load() && strings.HasPrefix(dir, d) {
				return syscall.ENOSPC
			}
			return nil
		},
	})
	f := filepath.Join(d, "sub", "polled.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
	refuse.Store(false)
	g := filepath.Join(d, "sub", "between.md")
	writeFile(t, g, "x")
	deadline := time.Now().Add(waitTimeout)
	for !slices.Contains(w.fsw.WatchList(), filepath.Join(d, "sub")) {
		if time.Now().After(deadline) {
			t.Fatalf("the folders are not watched again:\n%s", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	h := filepath.Join(d, "sub", "watched.md")
	writeFile(t, h, "x")
	waitPaths(t, w, g, h)
	if n := strings.Count(logs.String(), "event=watch_limit"); n != 1 {
		t.Errorf("limit logged %d times, want once:\n%s", n, logs.String())
	}
}

// TestInstanceLimitFallsBackToPolling: with no inotify instance left
// (EMFILE from inotify_init1), the watcher polls the whole tree instead of
// failing, and says so once with the sysctl to raise.
func TestInstanceLimitFallsBackToPolling(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	var logs logBuffer
	w := start(t, root, Options{
		Logger:        logs.logger(),
		fallbackEvery: 20 * time.Millisecond,
		initHook:      func() error { return syscall.EMFILE },
	})
	if w.fsw != nil {
		t.Fatal("an inotify instance was created although the hook refused it")
	}
	mkdirAll(t, filepath.Join(root, "sub"))
	f := filepath.Join(root, "sub", "a.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
	if n := strings.Count(logs.String(), "event=watch_limit"); n != 1 {
		t.Errorf("limit logged %d times, want once:\n%s", n, logs.String())
	}
	if onLinux() && !strings.Contains(logs.String(), "fs.inotify.max_user_instances") {
		t.Errorf("the log does not name the sysctl:\n%s", logs.String())
	}
}

// TestRootMovedWithoutEvent renames a folder above the root, then puts a
// new tree at the root's path, then replaces it by a rename over it: no
// inotify event says so, and the periodic identity check must. Each time a
// rescan is asked for, and the tree at the path is the one followed.
func TestRootMovedWithoutEvent(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	parent := filepath.Join(top, "parent")
	root := filepath.Join(parent, "src")
	mkdirAll(t, filepath.Join(root, "sub"))
	var logs logBuffer
	w := start(t, root, Options{Logger: logs.logger(), rootCheckEvery: 20 * time.Millisecond})

	// A folder above the root moves away: inotify reports nothing.
	if err := os.Rename(parent, parent+".moved"); err != nil {
		t.Fatal(err)
	}
	waitRescan(t, w)
	if !strings.Contains(logs.String(), "event=root_lost") {
		t.Errorf("the vanished root was not logged:\n%s", logs.String())
	}
	mkdirAll(t, filepath.Join(root, "sub"))
	waitRescan(t, w)
	f := filepath.Join(root, "sub", "back.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
	// The old tree, elsewhere now, must not report under the root's name.
	writeFile(t, filepath.Join(parent+".moved", "src", "sub", "stale.md"), "x")
	for _, p := range allPaths(untilSentinel(t, w, root)) {
		if strings.HasSuffix(p, "stale.md") {
			t.Errorf("change in the moved-away tree reported: %s", p)
		}
	}

	// Another folder renamed over the root's path (rename(2) replaces an
	// empty folder only, so the old root is moved aside first, within one
	// check interval): the path now names a folder with another inode.
	other := filepath.Join(top, "other")
	mkdirAll(t, filepath.Join(other, "x"))
	if err := os.Rename(root, root+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, root); err != nil {
		t.Fatal(err)
	}
	waitRescan(t, w)
	// Changes made before the new folder is watched are covered by the
	// rescan that follows; wait for it to be watched.
	deadline := time.Now().Add(waitTimeout)
	for strings.Count(logs.String(), "root is back") < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	g := filepath.Join(root, "x", "new.md")
	writeFile(t, g, "x")
	waitPaths(t, w, g)
	writeFile(t, filepath.Join(root+".old", "sub", "stale2.md"), "x")
	for _, p := range allPaths(untilSentinel(t, w, root)) {
		if strings.HasSuffix(p, "stale2.md") {
			t.Errorf("change in the replaced tree reported: %s", p)
		}
	}
}
