package pipeline

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

// TestArchiveServedDuringEdits: the daemon renders archive documents on
// demand (lazy files); readers hammering them while articles of archived
// months are edited always get complete bytes that match the ETag sent
// with them (a strong tag is a hash of the bytes), the old or the new
// version, never a mix and never an error. Run with -race.
func TestArchiveServedDuringEdits(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, limit: 2, archive: true})
	var paths []string
	for _, p := range td.d.Snapshot().Paths() {
		if layout.IsArchive(p) {
			if !td.d.Snapshot().Get(p).IsLazy() {
				t.Fatalf("%s is held, not lazy", p)
			}
			paths = append(paths, p)
		}
	}
	if len(paths) < 6 {
		t.Fatalf("%d archive documents; the seeds should give more", len(paths))
	}
	articles, err := filepath.Glob(filepath.Join(src, "*.txt"))
	if err != nil || len(articles) < 4 {
		t.Fatalf("articles %v, %v", articles, err)
	}
	sort.Strings(articles)

	var stop atomic.Bool
	var requests, changed atomic.Int64
	var wg sync.WaitGroup
	// The edits start once every reader has fetched every document: a
	// change is one a reader sees, and on a busy machine the edits could
	// otherwise all be over before a reader starts.
	var warm sync.WaitGroup
	errs := make(chan string, 16)
	for w := range 4 {
		wg.Add(1)
		warm.Add(1)
		go func() {
			defer wg.Done()
			var warmOnce sync.Once
			defer warmOnce.Do(warm.Done)
			seen := map[string]string{}
			for i := w; !stop.Load(); i++ {
				if i == w+len(paths) {
					warmOnce.Do(warm.Done)
				}
				p := paths[i%len(paths)]
				r, err := td.try(http.MethodGet, p, map[string]string{"Accept-Encoding": "identity"})
				if err != nil {
					errs <- fmt.Sprintf("GET %s: %v", p, err)
					return
				}
				requests.Add(1)
				switch {
				case r.code == http.StatusNotFound: // its month emptied meanwhile
				case r.code != http.StatusOK:
					errs <- fmt.Sprintf("GET %s: %d %s", p, r.code, r.body)
					return
				case snapshot.ETagOf(r.body) != r.hdr.Get("ETag"):
					errs <- fmt.Sprintf("GET %s: bytes do not match ETag %s", p, r.hdr.Get("ETag"))
					return
				}
				if e := r.hdr.Get("ETag"); seen[p] != "" && seen[p] != e {
					changed.Add(1)
				}
				seen[p] = r.hdr.Get("ETag")
			}
		}()
	}
	warm.Wait()
	for i := range 12 {
		a := articles[i%len(articles)]
		b, err := os.ReadFile(a)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, fmt.Sprintf("\n\n编辑 %d\n", i)...)
		before := td.d.Snapshot()
		writeAtomic(t, a, b)
		eventually(t, 10*time.Second, "a new snapshot", func() (bool, string) { return td.d.Snapshot() != before, "" })
		time.Sleep(20 * time.Millisecond)
	}
	// Every reader fetches every document again after the last edit.
	after := requests.Load() + int64(4*len(paths))
	eventually(t, settle, "readers done with the edited documents", func() (bool, string) {
		return requests.Load() >= after || len(errs) > 0, fmt.Sprintf("%d requests", requests.Load())
	})
	stop.Store(true)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if changed.Load() == 0 {
		t.Errorf("%d requests saw no archive document change: the edits did not reach the archive", requests.Load())
	}
	t.Logf("%d requests, %d saw a document change", requests.Load(), changed.Load())
	// And what is served at the end is what a build gives.
	eventually(t, 10*time.Second, "settled", func() (bool, string) {
		for _, p := range paths {
			f := td.d.Snapshot().Get(p)
			if f == nil {
				continue
			}
			r, err := td.try(http.MethodGet, p, map[string]string{"Accept-Encoding": "identity"})
			if err != nil || r.code != 200 || snapshot.ETagOf(r.body) != f.ETag {
				return false, p
			}
		}
		return true, ""
	})
}
