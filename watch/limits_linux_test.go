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
// limit, and says which: "watches" or "instances".
const limitChildEnv = "FEEDGEN_WATCH_LIMIT_CHILD"

// TestRealWatchLimit runs the watcher under real inotify limits: 4 watches
// (max_user_watches), then no instance at all (max_user_instances). The
// limits are lowered in a user namespace of its own (a child process),
// where they bind only that namespace: the machine's limits, which other
// programs rely on, are never touched, so nothing needs restoring. Skipped
// where user namespaces are not available.
func TestRealWatchLimit(t *testing.T) {
	switch os.Getenv(limitChildEnv) {
	case "watches":
		realWatchesChild(t)
		return
	case "instances":
		realInstancesChild(t)
		return
	}
	t.Parallel()
	if _, err := os.Stat("/proc/sys/user/max_inotify_watches"); err != nil {
		t.Skipf("no per-namespace inotify limits: %v", err)
	}
	for _, kind := range []string{"watches", "instances"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel() // a child process each, with limits of its own
			cmd := exec.Command(os.Args[0], "-test.run=^TestRealWatchLimit$", "-test.v")
			cmd.Env = append(os.Environ(), limitChildEnv+"="+kind)
			cmd.SysProcAttr = &syscall.SysProcAttr{
				Cloneflags:  syscall.CLONE_NEWUSER,
				UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
				GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
			}
			out, err := cmd.CombinedOutput()
			var ee *exec.ExitError
			switch {
			case err != nil && !errors.As(err, &ee):
				t.Skipf("cannot start a process in a new user namespace: %v", err)
			case strings.Contains(string(out), "--- SKIP: TestRealWatchLimit"):
				t.Skipf("child skipped:\n%s", out)
			case err != nil:
				t.Fatalf("child under a low %s limit failed: %v\n%s", kind, err, out)
			case !strings.Contains(string(out), "--- PASS: TestRealWatchLimit"):
				t.Fatalf("child did not run the test:\n%s", out)
			}
		})
	}
}

// lowerLimit sets the namespace's inotify limit name to n, or skips.
func lowerLimit(t *testing.T, name string, n int) {
	t.Helper()
	if err := os.WriteFile("/proc/sys/user/"+name, []byte(strconv.Itoa(n)), 0o644); err != nil {
		t.Skipf("cannot lower the namespace's %s: %v", name, err)
	}
}

// realInstancesChild: with no inotify instance allowed, the watcher polls
// the whole tree and names the sysctl.
func realInstancesChild(t *testing.T) {
	lowerLimit(t, "max_inotify_instances", 0)
	root := t.TempDir()
	var logs logBuffer
	w := start(t, root, Options{Logger: logs.logger(), fallbackEvery: 20 * time.Millisecond})
	if w.fsw != nil {
		t.Fatal("an inotify instance was created under a limit of 0: the limit is not in force")
	}
	mkdirAll(t, filepath.Join(root, "sub"))
	f := filepath.Join(root, "sub", "a.md")
	writeFile(t, f, "x")
	waitPaths(t, w, f)
	if n := strings.Count(logs.String(), "event=watch_limit"); n != 1 || !strings.Contains(logs.String(), "max_user_instances") {
		t.Errorf("want one watch_limit line naming max_user_instances:\n%s", logs.String())
	}
}

// realWatchesChild: under a limit of 4 watches, every change in the
// folders beyond it is still reported, and the sysctl is named once.
func realWatchesChild(t *testing.T) {
	const limit = 4
	lowerLimit(t, "max_inotify_watches", limit)
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
