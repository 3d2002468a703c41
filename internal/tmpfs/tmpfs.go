// Package tmpfs gives tests a small file system that really fills up: a
// size-limited tmpfs mounted under the test's temporary directory, so that
// "no space left on device" comes from the kernel and not from a mock.
// Mounting needs root (as in CI); elsewhere the test is skipped, not failed.
package tmpfs

import (
	"os"
	"path/filepath"
	"testing"
)

// Mount mounts a tmpfs of size bytes (rounded up to pages by the kernel)
// at a new directory under t.TempDir() and unmounts it when the test ends.
// It skips the test when the system cannot mount one for us.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mount(dir, size); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root on Linux): %v", err)
	}
	// Registered after TempDir's own cleanup, so it runs first.
	t.Cleanup(func() {
		if err := unmount(dir); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// MountAt mounts a tmpfs of size bytes over the existing directory dir,
// hiding what it holds until Unmount: what an operator's mount or unmount
// under a running program looks like. It skips the test when the system
// cannot mount one for us, and unmounts at the end if still mounted.
func MountAt(t testing.TB, dir string, size int64) {
	t.Helper()
	if err := mount(dir, size); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root on Linux): %v", err)
	}
	t.Cleanup(func() { _ = unmount(dir) })
}

// Unmount unmounts the tmpfs at dir.
func Unmount(t testing.TB, dir string) {
	t.Helper()
	if err := unmount(dir); err != nil {
		t.Fatalf("unmount %s: %v", dir, err)
	}
}

// Fill writes a file of zeros under dir until the file system is full, but
// for about leave bytes, and returns its path: removing it gives the space
// back.
func Fill(t testing.TB, dir string, leave int64) string {
	t.Helper()
	free, err := freeBytes(dir)
	if err != nil {
		t.Fatalf("free space of %s: %v", dir, err)
	}
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n := free - leave; n > 0 {
		buf := make([]byte, 4096)
		for w := int64(0); w < n; w += int64(len(buf)) {
			if _, err := f.Write(buf[:min(int64(len(buf)), n-w)]); err != nil {
				break // full already: good enough
			}
		}
	}
	return name
}

// Free returns the bytes still free on the file system of dir.
func Free(t testing.TB, dir string) int64 {
	t.Helper()
	n, err := freeBytes(dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
