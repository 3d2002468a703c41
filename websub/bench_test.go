package websub

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkFanout1000 measures how long the hub takes to deliver one new
// version of a topic (a 40 KB feed, signed) to 1 000 subscribers on
// loopback, from Publish to the last delivery received. The subscriptions
// are put in the store directly: verification is not what is measured.
//
//	go test -run XXX -bench Fanout1000 -benchtime 10x ./websub/
func BenchmarkFanout1000(b *testing.B) {
	const subs = 1000
	var got atomic.Int64
	done := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if got.Add(1)%subs == 0 {
			done <- struct{}{}
		}
	}))
	defer srv.Close()
	h, err := NewHub(HubOptions{IsTopic: func(string) bool { return true }, AllowPrivate: true,
		MaxPerHost: subs, Hubs: []string{"https://f.example/websub"}})
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	exp := time.Now().Add(time.Hour)
	for i := range subs {
		if err := h.Store().Put(Subscription{Topic: topicRSS, Callback: srv.URL + "/cb/" + strconv.Itoa(i), Secret: "s", Expires: exp}); err != nil {
			b.Fatal(err)
		}
	}
	body := []byte(strings.Repeat("<item>新闻 news</item>\n", 1800)) // ~40 KB
	b.ResetTimer()
	var total time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		h.Publish([]Content{{Topic: topicRSS, ContentType: "application/rss+xml; charset=utf-8", Body: body}})
		<-done
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/1000-subscribers")
}
