package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"feedgen/internal/tmpfs"
)

// TestStateDiskFull puts the state directory on a small tmpfs and fills it
// (skipped unless root on Linux), before the first build and between
// builds, and runs a daemon on it: the state is a cache, so every build
// succeeds with the same bytes as a build without state, the daemon keeps
// publishing changes, and the failure is logged.
func TestStateDiskFull(t *testing.T) {
	parallel(t)
	site := testSite(t, "https://feeds.example.com/", 0)
	src := filepath.Join(t.TempDir(), "src")
	copyDir(t, seedsDir, src)
	build := func(t *testing.T, state string, logs *logBuffer) map[string][]byte {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		if _, err := Build(BuildOptions{Src: src, Out: out, Site: site, State: state, Logger: logs.logger()}); err != nil {
			t.Fatalf("Build with the state on a full disk: %v\n%s", err, logs.String())
		}
		return readTree(t, out)
	}
	same := func(what string, got, want map[string][]byte) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s: %d files, want %d", what, len(got), len(want))
		}
		for p, b := range want {
			if !bytes.Equal(got[p], b) {
				t.Errorf("%s: %s differs from a build without state", what, p)
			}
		}
	}
	ref := build(t, "", &logBuffer{})

	t.Run("full before the first build", func(t *testing.T) {
		mnt := tmpfs.Mount(t, 1<<20)
		tmpfs.Fill(t, mnt, 0)
		var logs logBuffer
		same("build", build(t, filepath.Join(mnt, "state"), &logs), ref)
		wantOnce(t, &logs)
	})
	t.Run("fills up between builds", func(t *testing.T) {
		mnt := tmpfs.Mount(t, 1<<20)
		state := filepath.Join(mnt, "state")
		same("first build", build(t, state, &logBuffer{}), ref)
		tmpfs.Fill(t, mnt, 0)
		// A new article: its record must be written to the state.
		writeAtomic(t, filepath.Join(src, "zz-new.txt"), []byte(article{Title: "new while the state's disk is full", Date: "2030-01-02 03:04:05 +0800", Categories: []string{"faults"}, Body: "<p>" + string(bytes.Repeat([]byte("long body "), 2000)) + "</p>"}.String()))
		defer os.Remove(filepath.Join(src, "zz-new.txt"))
		var logs logBuffer
		got := build(t, state, &logs)
		same("build", got, build(t, "", &logBuffer{}))
		wantOnce(t, &logs)
	})
	t.Run("daemon", func(t *testing.T) {
		mnt := tmpfs.Mount(t, 1<<20)
		state := filepath.Join(mnt, "state")
		var logs logBuffer
		td := startDaemon(t, daemonConfig{src: src, state: state, logger: logs.logger()})
		filler := tmpfs.Fill(t, mnt, 0)
		path := filepath.Join(src, "zz-daemon.txt")
		defer os.Remove(path)
		for i := range 3 {
			editTitle(t, td, path, "published while the state's disk is full "+string(rune('a'+i)))
		}
		_ = os.Remove(filler)
		editTitle(t, td, path, "published after space came back")
		wantOnce(t, &logs)
	})
}

// wantOnce fails unless the log says once that the state is unwritable.
func wantOnce(t *testing.T, logs *logBuffer) {
	t.Helper()
	if n := logs.count("event=state_unwritable"); n != 1 {
		t.Errorf("state failure logged %d times, want once:\n%s", n, logs.String())
	}
}
