package watch

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"feedgen/source"
)

// waitTimeout is generous because the test machine may be busy; batches
// normally arrive within the quiet window.
const waitTimeout = 5 * time.Second

func start(t *testing.T, root string, opts Options) *Watcher {
	t.Helper()
	w, err := New(root, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func mkdirAll(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkBatch asserts the documented shape of Batch.Paths.
func checkBatch(t *testing.T, b Batch) {
	t.Helper()
	for i, p := range b.Paths {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			t.Errorf("path %q is not absolute and clean", p)
		}
		if i > 0 && b.Paths[i-1] >= p {
			t.Errorf("paths not sorted and unique: %q", b.Paths)
		}
	}
}

// next returns the next batch or fails after waitTimeout.
func next(t *testing.T, w *Watcher) Batch {
	t.Helper()
	b, ok := nextBefore(t, w, time.Now().Add(waitTimeout))
	if !ok {
		t.Fatal("timed out waiting for a batch")
	}
	return b
}

// nextBefore returns the next batch, or false once deadline has passed.
func nextBefore(t *testing.T, w *Watcher, deadline time.Time) (Batch, bool) {
	t.Helper()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case b, ok := <-w.Batches():
		if !ok {
			t.Fatal("Batches closed unexpectedly")
		}
		checkBatch(t, b)
		return b, true
	case <-timer.C:
		return Batch{}, false
	}
}

// waitPaths collects batches until every path in want has been reported and
// returns all batches read.
func waitPaths(t *testing.T, w *Watcher, want ...string) []Batch {
	t.Helper()
	missing := make(map[string]bool)
	for _, p := range want {
		missing[p] = true
	}
	var got []Batch
	deadline := time.Now().Add(waitTimeout)
	for len(missing) > 0 {
		b, ok := nextBefore(t, w, deadline)
		if !ok {
			t.Fatalf("timed out; still missing %v; got %v", keys(missing), got)
		}
		got = append(got, b)
		for _, p := range b.Paths {
			delete(missing, p)
		}
	}
	return got
}

// waitRescan collects batches until one has Rescan set.
func waitRescan(t *testing.T, w *Watcher) []Batch {
	t.Helper()
	var got []Batch
	deadline := time.Now().Add(waitTimeout)
	for {
		b, ok := nextBefore(t, w, deadline)
		if !ok {
			t.Fatalf("timed out waiting for Rescan; got %v", got)
		}
		got = append(got, b)
		if b.Rescan {
			return got
		}
	}
}

// untilSentinel writes a fresh file and collects batches until it is
// reported. Events are delivered in order, so anything an earlier action
// would have produced has been seen by then: this proves absence without
// sleeping.
func untilSentinel(t *testing.T, w *Watcher, dir string) []Batch {
	t.Helper()
	p := filepath.Join(dir, "sentinel-"+strings.ReplaceAll(t.Name(), "/", "_")+time.Now().Format("150405.000000000"))
	writeFile(t, p, "x")
	return waitPaths(t, w, p)
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func allPaths(bs []Batch) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Paths...)
	}
	return out
}

func countContaining(bs []Batch, p string) int {
	n := 0
	for _, b := range bs {
		if slices.Contains(b.Paths, p) {
			n++
		}
	}
	return n
}

func TestNewRejectsBadRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	if _, err := New(missing, Options{}); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing root: err = %v, want error naming %s", err, missing)
	}
	file := filepath.Join(dir, "file")
	writeFile(t, file, "x")
	if _, err := New(file, Options{}); err == nil {
		t.Error("file root: want error")
	}
	if _, err := New(file, Options{Poll: time.Second}); err == nil {
		t.Error("file root, poll mode: want error")
	}
}

// A tree that exists at start is watched at every depth.
func TestExistingTreeIsWatched(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	mkdirAll(t, deep)
	w := start(t, root, Options{})
	f := filepath.Join(deep, "post.md")
	writeFile(t, f, "hello")
	waitPaths(t, w, f)
}

// mkdir -p followed at once by files: everything created before the new
// watches were in place is still reported, and the new dirs are watched.
func TestNewDirectoryTree(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := start(t, root, Options{})
	a := filepath.Join(root, "a")
	ab := filepath.Join(a, "b")
	abc := filepath.Join(ab, "c")
	mkdirAll(t, abc)
	f1 := filepath.Join(abc, "one.md")
	f2 := filepath.Join(ab, "two.md")
	f3 := filepath.Join(a, "three.md")
	writeFile(t, f1, "1")
	writeFile(t, f2, "2")
	writeFile(t, f3, "3")
	waitPaths(t, w, a, ab, abc, f1, f2, f3)

	later := filepath.Join(abc, "later.md")
	writeFile(t, later, "later")
	waitPaths(t, w, later)
}

// A directory moved in from outside is reported with its contents and is
// watched afterwards.
func TestDirectoryMovedIn(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	src := filepath.Join(outside, "batch")
	mkdirAll(t, filepath.Join(src, "sub"))
	writeFile(t, filepath.Join(src, "x.md"), "x")
	writeFile(t, filepath.Join(src, "sub", "y.md"), "y")
	w := start(t, root, Options{})

	dst := filepath.Join(root, "batch")
	if err := os.Rename(src, dst); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, dst, filepath.Join(dst, "sub"), filepath.Join(dst, "x.md"), filepath.Join(dst, "sub", "y.md"))

	z := filepath.Join(dst, "sub", "z.md")
	writeFile(t, z, "z")
	waitPaths(t, w, z)
}

// Removing a directory reports the directory itself and drops its watches.
func TestDirectoryRemoved(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := filepath.Join(root, "d")
	mkdirAll(t, filepath.Join(d, "sub"))
	writeFile(t, filepath.Join(d, "sub", "f.md"), "f")
	w := start(t, root, Options{})

	if err := os.RemoveAll(d); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, d)
	untilSentinel(t, w, root)
	for _, p := range w.fsw.WatchList() {
		if p == d || strings.HasPrefix(p, d+"/") {
			t.Errorf("watch on removed %s still present", p)
		}
	}

	// The name can be reused and is watched again.
	mkdirAll(t, d)
	f := filepath.Join(d, "again.md")
	writeFile(t, f, "again")
	waitPaths(t, w, d, f)
}

// A directory renamed out of the tree is reported, and later changes inside
// it (now outside the root) are not.
func TestDirectoryRenamedAway(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	outside := t.TempDir()
	d := filepath.Join(root, "d")
	mkdirAll(t, filepath.Join(d, "sub"))
	w := start(t, root, Options{})

	moved := filepath.Join(outside, "d")
	if err := os.Rename(d, moved); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, d)
	writeFile(t, filepath.Join(moved, "sub", "f.md"), "f")
	writeFile(t, filepath.Join(moved, "g.md"), "g")
	got := untilSentinel(t, w, root)
	for _, p := range allPaths(got) {
		if strings.HasPrefix(p, d+"/") || strings.HasPrefix(p, outside) {
			t.Errorf("change outside the tree reported: %s", p)
		}
	}
	for _, p := range w.fsw.WatchList() {
		if p == d || strings.HasPrefix(p, d+"/") {
			t.Errorf("stale watch %s", p)
		}
	}
}

// A rename inside the tree reports both names, and files in the moved
// subtree are then reported under the new name, not the old one.
func TestDirectoryRenamedWithinTree(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := filepath.Join(root, "d")
	mkdirAll(t, filepath.Join(d, "sub", "deeper"))
	w := start(t, root, Options{})

	e := filepath.Join(root, "e")
	if err := os.Rename(d, e); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, d, e)

	f := filepath.Join(e, "sub", "deeper", "f.md")
	writeFile(t, f, "f")
	got := waitPaths(t, w, f)
	for _, p := range allPaths(got) {
		if strings.HasPrefix(p, d+"/") {
			t.Errorf("file reported under old directory name: %s", p)
		}
	}
}

// Editor save patterns: write a temp file and rename it over the target.
// The final path is reported; ignored helper names never are.
func TestAtomicSave(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	post := filepath.Join(root, "post.md")
	writeFile(t, post, "v1")
	w := start(t, root, Options{})

	for _, tmp := range []string{".post.md.swp", "post.md.tmp", "#post.md#", ".#post.md", "post.md~"} {
		tp := filepath.Join(root, tmp)
		writeFile(t, tp, "new "+tmp)
		if err := os.Rename(tp, post); err != nil {
			t.Fatal(err)
		}
	}
	// Vim's writability probe.
	probe := filepath.Join(root, "4913")
	writeFile(t, probe, "")
	if err := os.Remove(probe); err != nil {
		t.Fatal(err)
	}
	got := waitPaths(t, w, post)
	got = append(got, untilSentinel(t, w, root)...)
	for _, p := range allPaths(got) {
		if source.SkipName(filepath.Base(p)) {
			t.Errorf("ignored name reported: %s", p)
		}
	}
}

// Truncate followed by write is one change, delivered in one batch.
func TestTruncateThenWriteCoalesced(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	post := filepath.Join(root, "post.md")
	writeFile(t, post, "old content")
	// A generous quiet window keeps a loaded machine from splitting the pair.
	w := start(t, root, Options{Quiet: 200 * time.Millisecond, MaxDelay: 2 * time.Second})

	if err := os.Truncate(post, 0); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(post, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("new content"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := waitPaths(t, w, post)
	got = append(got, untilSentinel(t, w, root)...)
	if n := countContaining(got, post); n != 1 {
		t.Errorf("post reported in %d batches, want 1: %v", n, got)
	}
}

// Hidden/temp names, anything under a hidden directory, the custom filter
// and chmod-only changes produce nothing.
func TestIgnoredAndChmod(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	existing := filepath.Join(root, "existing.md")
	writeFile(t, existing, "x")
	mkdirAll(t, filepath.Join(root, ".git"))
	w := start(t, root, Options{Ignore: func(rel string) bool {
		return strings.HasPrefix(filepath.ToSlash(rel), "drafts/") || rel == "drafts"
	}})

	for _, n := range []string{".hidden", "a.swp", "b.crdownload", "c.part", "4913"} {
		writeFile(t, filepath.Join(root, n), "x")
	}
	writeFile(t, filepath.Join(root, ".git", "HEAD"), "x")
	mkdirAll(t, filepath.Join(root, ".cache", "deep"))
	writeFile(t, filepath.Join(root, ".cache", "deep", "visible-name.md"), "x")
	mkdirAll(t, filepath.Join(root, "drafts"))
	writeFile(t, filepath.Join(root, "drafts", "wip.md"), "x")
	if err := os.Chmod(existing, 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Now().Add(time.Hour)
	if err := os.Chtimes(existing, now, now); err != nil {
		t.Fatal(err)
	}

	got := untilSentinel(t, w, root)
	for _, p := range allPaths(got) {
		if !strings.HasPrefix(filepath.Base(p), "sentinel-") {
			t.Errorf("unexpected path reported: %s", p)
		}
	}
}

// A burst of writes within the quiet window is one batch.
func TestBurstIsOneBatch(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := start(t, root, Options{Quiet: 200 * time.Millisecond, MaxDelay: 5 * time.Second})
	post := filepath.Join(root, "post.md")
	f, err := os.Create(post)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if _, err := f.WriteString(strings.Repeat("x", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := waitPaths(t, w, post)
	got = append(got, untilSentinel(t, w, root)...)
	if n := countContaining(got, post); n != 1 {
		t.Errorf("burst reported in %d batches, want 1", n)
	}
}

// A constant stream never lets the quiet window elapse; MaxDelay still gets
// batches out while it runs.
func TestMaxDelayPublishesDuringStream(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := start(t, root, Options{Quiet: 200 * time.Millisecond, MaxDelay: 250 * time.Millisecond})
	post := filepath.Join(root, "stream.log")
	f, err := os.Create(post)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var streaming atomic.Bool
	streaming.Store(true)
	writerDone := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer streaming.Store(false)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		end := time.Now().Add(time.Second)
		for time.Now().Before(end) {
			select {
			case <-tick.C:
			case <-stop:
				writerDone <- nil
				return
			}
			if _, err := f.WriteString("line\n"); err != nil {
				writerDone <- err
				return
			}
		}
		writerDone <- nil
	}()

	during := 0
	for {
		b := next(t, w)
		if !slices.Contains(b.Paths, post) {
			continue
		}
		if !streaming.Load() {
			break
		}
		during++
	}
	if err := <-writerDone; err != nil {
		t.Fatal(err)
	}
	if during == 0 {
		t.Fatal("no batch published while the stream was running")
	}
	t.Logf("%d batches during a 1s stream", during)
}

// The root vanishing and reappearing yields Rescan both times, and
// watching resumes on the new directory.
func TestRootDeletedAndRecreated(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "src")
	mkdirAll(t, filepath.Join(root, "sub"))
	w := start(t, root, Options{})

	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	waitRescan(t, w)

	mkdirAll(t, filepath.Join(root, "sub"))
	waitRescan(t, w)

	f := filepath.Join(root, "sub", "post.md")
	writeFile(t, f, "back")
	waitPaths(t, w, f)
}

// Renaming the root away is the same as deleting it; the old tree, now
// elsewhere, must not keep reporting under the root's name.
func TestRootRenamedAwayAndReplaced(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	root := filepath.Join(parent, "src")
	mkdirAll(t, filepath.Join(root, "sub"))
	w := start(t, root, Options{})

	old := filepath.Join(parent, "src.old")
	if err := os.Rename(root, old); err != nil {
		t.Fatal(err)
	}
	waitRescan(t, w)
	mkdirAll(t, root)
	waitRescan(t, w)

	writeFile(t, filepath.Join(old, "sub", "stale.md"), "x")
	got := untilSentinel(t, w, root)
	for _, p := range allPaths(got) {
		if strings.HasSuffix(p, "stale.md") {
			t.Errorf("change in the renamed-away tree reported: %s", p)
		}
	}
}

// Any watcher error, overflow in particular, asks for a rescan, surfaces on
// Errors, and watching continues.
func TestOverflowRequestsRescan(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := start(t, root, Options{})
	w.inject <- fsnotify.ErrEventOverflow
	waitRescan(t, w)
	select {
	case err := <-w.Errors():
		if !errors.Is(err, fsnotify.ErrEventOverflow) || !strings.Contains(err.Error(), root) {
			t.Errorf("error = %v, want wrapped overflow naming the root", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("no error reported")
	}
	f := filepath.Join(root, "after.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
}

// After an overflow the watch set is rebuilt from the tree, so a directory
// whose Create event was lost (and so never got a watch) is watched again.
func TestOverflowRewatchesLostDirectories(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d := filepath.Join(root, "lost")
	mkdirAll(t, d)
	w := start(t, root, Options{})
	// Simulate the lost watch directly; a real overflow cannot be provoked
	// reliably.
	if err := w.fsw.Remove(d); err != nil {
		t.Fatal(err)
	}
	before := filepath.Join(d, "unseen.md")
	writeFile(t, before, "x")
	if got := untilSentinel(t, w, root); slices.Contains(allPaths(got), before) {
		t.Fatal("test setup: the directory is still watched")
	}

	w.inject <- fsnotify.ErrEventOverflow
	waitRescan(t, w)
	f := filepath.Join(d, "f.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
}

// Poll mode detects create, modify (also same size with a new mtime),
// delete and a new directory with files, without inotify.
func TestPollMode(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	w := start(t, root, Options{Poll: 20 * time.Millisecond})
	if w.fsw != nil {
		t.Fatal("poll mode must not use fsnotify")
	}

	f := filepath.Join(root, "post.md")
	writeFile(t, f, "one")
	waitPaths(t, w, f)

	writeFile(t, f, "longer")
	waitPaths(t, w, f)

	writeFile(t, f, "same!!") // same size as "longer"
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(f, past, past); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, f)

	if err := os.Remove(f); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, f)

	d := filepath.Join(root, "new", "deep")
	mkdirAll(t, d)
	g := filepath.Join(d, "g.md")
	writeFile(t, g, "g")
	writeFile(t, filepath.Join(d, "g.md.swp"), "ignored")
	got := waitPaths(t, w, filepath.Join(root, "new"), d, g)
	got = append(got, untilSentinel(t, w, root)...)
	for _, p := range allPaths(got) {
		if source.SkipName(filepath.Base(p)) {
			t.Errorf("ignored name reported: %s", p)
		}
	}

	if err := os.RemoveAll(filepath.Join(root, "new")); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, filepath.Join(root, "new"), g)
}

// Only the mtime changes: exactly the same bytes, new timestamp.
func TestPollModeSameSizeMtimeOnly(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	f := filepath.Join(root, "post.md")
	writeFile(t, f, "abc")
	w := start(t, root, Options{Poll: 20 * time.Millisecond})
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(f, future, future); err != nil {
		t.Fatal(err)
	}
	waitPaths(t, w, f)
}

func TestPollModeRootDeletedAndRecreated(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "src")
	mkdirAll(t, root)
	w := start(t, root, Options{Poll: 20 * time.Millisecond})
	if err := os.RemoveAll(root); err != nil {
		t.Fatal(err)
	}
	waitRescan(t, w)
	mkdirAll(t, root)
	waitRescan(t, w)
	f := filepath.Join(root, "post.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
}

// Symlinked directories are not followed (a link to the root would loop);
// a symlink to a file is reported like a file. Both backends.
func TestSymlinks(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{{}, {Poll: 20 * time.Millisecond}} {
		root := t.TempDir()
		outside := t.TempDir()
		target := filepath.Join(outside, "target.md")
		writeFile(t, target, "t")
		mkdirAll(t, filepath.Join(root, "d"))
		if err := os.Symlink(root, filepath.Join(root, "d", "loop")); err != nil {
			t.Fatal(err)
		}
		w := start(t, root, opts)

		link := filepath.Join(root, "link.md")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		waitPaths(t, w, link)

		// A directory moved in that contains a loop must not hang the walk.
		src := filepath.Join(outside, "withloop")
		mkdirAll(t, src)
		if err := os.Symlink(root, filepath.Join(src, "up")); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, "withloop")
		if err := os.Rename(src, dst); err != nil {
			t.Fatal(err)
		}
		got := waitPaths(t, w, dst, filepath.Join(dst, "up"))
		for _, p := range allPaths(got) {
			if strings.Contains(p, "/up/") || strings.Contains(p, "/loop/") {
				t.Errorf("symlinked directory was followed: %s", p)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Close is idempotent, closes both channels, and leaves no goroutines
// behind in either mode.
func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, opts := range []Options{{}, {Poll: 10 * time.Millisecond}} {
		for range 5 {
			root := t.TempDir()
			w, err := New(root, opts)
			if err != nil {
				t.Fatal(err)
			}
			// Leave a batch pending and undelivered at Close.
			writeFile(t, filepath.Join(root, "x.md"), "x")
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			for range w.Batches() {
			}
			for range w.Errors() {
			}
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, %d after\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
