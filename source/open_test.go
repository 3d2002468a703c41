package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenRegular: a regular file opens; a directory and a FIFO without a
// writer are refused at once, naming what they are (an article or image
// path that became a FIFO must not hang a scan).
func TestOpenRegular(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, fi, err := OpenRegular(file)
	if err != nil || fi.Size() != 1 {
		t.Fatalf("regular file: %v, %v", fi, err)
	}
	f.Close()
	if _, _, err := OpenRegular(dir); err == nil || !strings.Contains(err.Error(), "not a regular file (d") {
		t.Errorf("directory: err = %v, want not a regular file", err)
	}
	if _, _, err := OpenRegular(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("missing file: err = %v, want not exist", err)
	}
}
