package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/internal/tmpfs"
)

// TestBuildDiskFullExit: `feedgen build -out` on a full disk (a small
// tmpfs; skipped unless root on Linux) exits 1 with a message naming a file
// and the cause, in the user's words; with the state on the full disk
// instead, the build succeeds (the state is a cache).
func TestBuildDiskFullExit(t *testing.T) {
	t.Parallel()
	mnt := tmpfs.Mount(t, 1<<20)
	tmpfs.Fill(t, mnt, 0)
	out := filepath.Join(mnt, "out")
	code, _, errs := runCmd("build", "-src", "../../seeds", "-out", out, "-state", "", "-base-url", "https://feeds.example.com/")
	if code != 1 {
		t.Errorf("build on a full disk: exit %d, want 1\n%s", code, errs)
	}
	if !strings.Contains(errs, "writing "+out+string(filepath.Separator)) || !strings.Contains(errs, "no space left on device") {
		t.Errorf("stderr does not name the file and the cause:\n%s", errs)
	}
	if strings.Contains(errs, "syscall.") || strings.Contains(errs, "*fs.PathError") {
		t.Errorf("stderr shows Go type names:\n%s", errs)
	}
	code, _, errs = runCmd("build", "-src", "../../seeds", "-out", t.TempDir(), "-state", filepath.Join(mnt, "state"), "-base-url", "https://feeds.example.com/")
	if code != 0 {
		t.Errorf("build with the state on a full disk: exit %d, want 0\n%s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(mnt, "state")); err != nil {
		t.Errorf("state directory: %v", err)
	}
}
