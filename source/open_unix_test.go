//go:build unix

package source

import (
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
