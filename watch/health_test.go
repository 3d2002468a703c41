package watch

import (
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// waitHealth waits until the watcher's Health satisfies ok.
func waitHealth(t *testing.T, w *Watcher, what string, ok func(Health) bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !ok(w.Health()) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: Health is %+v", what, w.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestHealthPolled: folders the kernel refused to watch show in Health
// until watching them works again.
func TestHealthPolled(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	mkdirAll(t, filepath.Join(root, "full"))
	mkdirAll(t, filepath.Join(root, "ok"))
	var refuse atomic.Bool
	refuse.Store(true)
	w := start(t, root, Options{
		Logger:        (&logBuffer{}).logger(),
		fallbackEvery: 10 * time.Millisecond,
		retryEvery:    20 * time.Millisecond,
		addHook: func(dir string) error {
			if refuse.Load() && strings.HasSuffix(dir, "full") {
				return syscall.ENOSPC
			}
			return nil
		},
	})
	waitHealth(t, w, "a refused folder", func(h Health) bool { return h.Polled == 1 && !h.RootLost })
	refuse.Store(false)
	waitHealth(t, w, "the limit raised", func(h Health) bool { return h.Polled == 0 })
}

// TestHealthRootLost: a source directory gone from its path shows in
// Health until it is back.
func TestHealthRootLost(t *testing.T) {
	t.Parallel()
	top := t.TempDir()
	root := filepath.Join(top, "src")
	mkdirAll(t, root)
	w := start(t, root, Options{Logger: (&logBuffer{}).logger(), rootCheckEvery: 10 * time.Millisecond})
	if h := w.Health(); h.RootLost || h.Polled != 0 {
		t.Fatalf("a healthy watcher reports %+v", h)
	}
	if err := os.Rename(root, root+".moved"); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, w, "the root moved away", func(h Health) bool { return h.RootLost })
	mkdirAll(t, root)
	waitHealth(t, w, "the root back", func(h Health) bool { return !h.RootLost })
}
