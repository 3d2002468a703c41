package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestHoldLoss: a source that loses most of its articles at once (a disk
// that did not mount) is held back: the daemon keeps serving and writing
// the last good feeds and reports it on /healthz; the loss is published
// once the articles stay gone for the hold time, and not at all when they
// come back before.
func TestHoldLoss(t *testing.T) {
	parallel(t)
	for _, c := range []struct {
		name      string
		hold      time.Duration
		comesBack bool
	}{
		{"stays gone", 2 * time.Second, false},
		{"comes back", time.Hour, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src, out := t.TempDir(), t.TempDir()
			posts := filepath.Join(src, "posts")
			if err := os.Mkdir(posts, 0o755); err != nil {
				t.Fatal(err)
			}
			writeArticles(t, posts, 12)
			var log logBuffer
			d := serveWith(t, &log, func(o *ServeOptions) { o.Src, o.Out, o.HoldLoss = src, out, c.hold })
			held := func() bool { return slices.Contains(d.degraded(), "source_loss_held") }
			eventually(t, 10*time.Second, "the first snapshot on disk", func() (bool, string) { return diskEqualsServedDaemon(d, out) })
			good := readTree(t, out)

			// Keep one article: "most" of them are gone.
			aside := filepath.Join(t.TempDir(), "posts")
			if err := os.Rename(posts, aside); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(posts, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(aside, "a0000.txt"), filepath.Join(posts, "a0000.txt")); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "the loss held", func() (bool, string) { return held(), "not held" })
			if n := d.Snapshot().Stats().Articles; n != 12 && held() {
				t.Errorf("held: serving %d articles, want the last good 12", n)
			}
			if diff := diffTrees("last good", good, "out", readTree(t, out)); diff != "" && held() {
				t.Errorf("held: the output directory changed:\n%s", diff)
			}

			if c.comesBack {
				for _, f := range readDirNames(t, aside) {
					if err := os.Rename(filepath.Join(aside, f), filepath.Join(posts, f)); err != nil {
						t.Fatal(err)
					}
				}
				eventually(t, 10*time.Second, "the hold ends", func() (bool, string) { return !held(), "still held" })
				// The files come back one rename at a time: the hold ends
				// as soon as enough are back (a watcher batch may hold
				// only some), and the rest follow in the next batches.
				eventually(t, 10*time.Second, "every article served again", func() (bool, string) {
					n := d.Snapshot().Stats().Articles
					return n == 12, fmt.Sprintf("serving %d, want 12", n)
				})
				if log.count("source_loss_confirmed") != 0 || log.count("source_loss_cleared") != 1 {
					t.Errorf("log:\n%s", log.String())
				}
				return
			}
			eventually(t, 10*time.Second, "the loss published after the hold time", func() (bool, string) {
				return !held() && d.Snapshot().Stats().Articles == 1, "not yet"
			})
			eventually(t, 10*time.Second, "the loss on disk", func() (bool, string) { return diskEqualsServedDaemon(d, out) })
			if log.count("source_loss_held") != 1 || log.count("source_loss_confirmed") != 1 {
				t.Errorf("log:\n%s", log.String())
			}
		})
	}
}

// diskEqualsServedDaemon reports whether out holds exactly what d serves.
func diskEqualsServedDaemon(d *Daemon, out string) (bool, string) {
	disk, err := tryReadTree(out)
	if err != nil {
		return false, err.Error()
	}
	if diff := diffTrees("served", identities(d.Snapshot()), "out", disk); diff != "" {
		return false, diff
	}
	return true, ""
}
