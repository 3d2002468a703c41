//go:build unix

package source

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestOpenRegularFIFO: a FIFO without a writer is refused at once, not
// waited on (a path that became a FIFO must not hang a scan).
func TestOpenRegularFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	if _, _, err := OpenRegular(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file (p") {
		t.Errorf("FIFO: err = %v, want not a regular file", err)
	}
}

// TestOpenRegularNoFollow: a regular file opens in one go; a symbolic link
// (even to a regular file), a directory and a FIFO are left to the careful
// path, which says what they are.
func TestOpenRegularNoFollow(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("xy"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.txt")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{{file, true}, {link, false}, {dir, false}, {fifo, false}, {filepath.Join(dir, "missing"), false}} {
		f, fi, ok := OpenRegularNoFollow(c.name)
		if ok != c.ok {
			t.Errorf("%s: ok = %v, want %v", filepath.Base(c.name), ok, c.ok)
		}
		if ok {
			if fi.Size() != 2 {
				t.Errorf("%s: size %d", c.name, fi.Size())
			}
			f.Close()
		}
	}
}
