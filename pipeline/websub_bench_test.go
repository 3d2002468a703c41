package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/watch"
)

// BenchmarkWebSubEditToPush measures, over loopback HTTP, the time from an
// article file being written to a subscriber of the daemon's built-in hub
// having received the new global RSS feed: the watcher's debounce (the
// default 50 ms), the regeneration and the delivery. One edit per
// iteration; the median is reported.
//
//	go test -run XXX -bench WebSubEditToPush -benchtime 20x ./pipeline/
func BenchmarkWebSubEditToPush(b *testing.B) {
	src, state := b.TempDir(), b.TempDir()
	copyDir(b, seedsDir, src)
	rec := newRecorderTB(b)
	td := startWebSubDaemonTB(b, src, state, "", nil, 5*time.Second, watch.DefaultQuiet)
	topic := td.base + "rss.xml"
	subscribeTB(b, td, "subscribe", topic, rec.srv.URL+"/sub")
	eventually(b, 5*time.Second, "subscribed", func() (bool, string) {
		_, ok := td.d.Hub().Store().Get(topic, rec.srv.URL+"/sub")
		return ok, ""
	})
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		title := fmt.Sprintf("推送延迟 %d", i)
		art := article{Title: title, Date: "2030-01-02 03:04:05 +0800", Categories: []string{"bench"}, Link: "http://e.example.com/b/1"}
		start := time.Now()
		writeAtomic(b, filepath.Join(src, "950_bench.txt"), []byte(art.String()))
		var at time.Time
		eventually(b, 10*time.Second, "push", func() (bool, string) {
			_, _, d := rec.snapshot()
			for _, x := range d {
				if strings.Contains(string(x.body), title) {
					at = x.at
					return true, ""
				}
			}
			return false, ""
		})
		took = append(took, at.Sub(start))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "ms-max")
}
