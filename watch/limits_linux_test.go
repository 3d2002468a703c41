package watch

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"feedgen/internal/tmpfs"
)

func onLinux() bool { return true }

// TestRootMountedOver mounts a file system over the root and unmounts it
// (skipped unless root): inotify reports neither, the periodic identity
// check does, and the watcher follows the path each time.
func TestRootMountedOver(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "src")
	mkdirAll(t, filepath.Join(root, "sub"))
	var logs logBuffer
	w := start(t, root, Options{Logger: logs.logger(), rootCheckEvery: 20 * time.Millisecond})
	tmpfs.MountAt(t, root, 1<<20)
	waitRescan(t, w)
	waitLog(t, &logs, "event=root_replaced", 1)
	f := filepath.Join(root, "on-the-mount.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)

	tmpfs.Unmount(t, root)
	waitRescan(t, w)
	waitLog(t, &logs, "event=root_replaced", 2)
	g := filepath.Join(root, "sub", "under.md")
	writeFile(t, g, "x")
	waitPaths(t, w, g)
}

// waitLog waits until s was logged n times.
func waitLog(t *testing.T, logs *logBuffer, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for strings.Count(logs.String(), s) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%q not logged %d times:\n%s", s, n, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// limitChildEnv marks the re-executed test binary that runs under a low
// watch limit.
const limitChildEnv = "FEEDGEN_WATCH_LIMIT_CHILD"

// TestRealWatchLimit runs the watcher under a real max_user_watches of 4.
// The limit is lowered in a user namespace of its own (a child process),
// where it binds only that namespace: the machine's limit, which other
// programs rely on, is never touched, so nothing needs restoring. Skipped
// where user namespaces are not available.
func TestRealWatchLimit(t *testing.T) {
	if os.Getenv(limitChildEnv) == "1" {
		realLimitChild(t)
		return
	}
	if _, err := os.Stat("/proc/sys/user/max_inotify_watches"); err != nil {
		t.Skipf("no per-namespace inotify limits: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestRealWatchLimit$", "-test.v")
	cmd.Env = append(os.Environ(), limitChildEnv+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil && strings.Contains(string(out), "SKIP:") {
		t.Skip(string(out))
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Skipf("cannot start a process in a new user namespace: %v", err)
		}
		t.Fatalf("child under a low watch limit failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "--- PASS: TestRealWatchLimit") {
		t.Fatalf("child did not run the test:\n%s", out)
	}
}

// realLimitChild is the test proper, in the user namespace.
func realLimitChild(t *testing.T) {
	const limit = 4
	if err := os.WriteFile("/proc/sys/user/max_inotify_watches", []byte(strconv.Itoa(limit)), 0o644); err != nil {
		t.Skipf("SKIP: cannot lower the namespace's watch limit: %v", err)
	}
	root := t.TempDir()
	var dirs []string
	for i := range 3 * limit {
		d := filepath.Join(root, "d"+strconv.Itoa(i), "sub")
		mkdirAll(t, d)
		dirs = append(dirs, d)
	}
	var logs logBuffer
	w := start(t, root, Options{Logger: logs.logger(), fallbackEvery: 20 * time.Millisecond})
	if n := len(w.fsw.WatchList()); n > limit {
		t.Fatalf("%d watches under a limit of %d: the limit is not in force", n, limit)
	}
	var want []string
	for _, d := range dirs {
		f := filepath.Join(d, "a.md")
		writeFile(t, f, "x")
		want = append(want, f)
	}
	waitPaths(t, w, want...)
	if n := strings.Count(logs.String(), "event=watch_limit"); n != 1 {
		t.Errorf("limit logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "max_user_watches") {
		t.Errorf("the log does not name the sysctl:\n%s", logs.String())
	}
}
