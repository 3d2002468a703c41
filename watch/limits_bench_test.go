package watch

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkPollUnwatched measures one poll of a folder the kernel would
// not let us watch, holding 10 000 article files in 100 subfolders: what
// the fallback costs each second once the watch limit is reached.
func BenchmarkPollUnwatched(b *testing.B) {
	root := b.TempDir()
	dir := filepath.Join(root, "unwatched")
	for i := range 100 {
		sub := filepath.Join(dir, "d"+strconv.Itoa(i))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			b.Fatal(err)
		}
		for j := range 100 {
			if err := os.WriteFile(filepath.Join(sub, strconv.Itoa(j)+".md"), []byte("x"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	w := &Watcher{root: root, polled: map[string]map[string]fileState{}, ignore: func(string) bool { return false }}
	w.pollInstead(dir, nil)
	bt := newBatcher(DefaultQuiet, DefaultMaxDelay)
	b.ResetTimer()
	for b.Loop() {
		w.pollUnwatched(bt)
	}
}
