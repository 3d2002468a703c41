package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"feedgen/internal/s3test"
)

// benchArticles is the size of the generated tree the publish benchmarks
// use, FEEDGEN_BENCH_ARTICLES or 1000; FEEDGEN_BENCH_CORPUS names a corpus
// to copy instead (cmd/feedbench corpus).
func benchSource(b *testing.B) string {
	b.Helper()
	src := b.TempDir()
	if c := os.Getenv("FEEDGEN_BENCH_CORPUS"); c != "" {
		copyDir(b, c, src)
		return src
	}
	n := 1000
	if v := os.Getenv("FEEDGEN_BENCH_ARTICLES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	writeArticles(b, src, n)
	return src
}

// reportRequests reports the S3 requests per operation.
func reportRequests(b *testing.B, n map[string]int, ops int) {
	for _, k := range []string{s3test.PUT, s3test.DELETE, s3test.LIST} {
		b.ReportMetric(float64(n[k])/float64(ops), k+"/op")
	}
}

// BenchmarkPublishFirst: build -publish of a tree into an empty bucket,
// without a state (one LIST, every object PUT), against the same build
// into an empty -out directory. Each bucket is made, and written once,
// before the timer runs: a store's first write to a new bucket (weed grows
// a volume for it) is not feedgen's cost.
func BenchmarkPublishFirst(b *testing.B) {
	e := newS3env(b)
	src := benchSource(b)
	site := testSite(b, "https://feeds.example.com/", 50)
	b.Run("to=out", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			out := b.TempDir()
			b.StartTimer()
			if _, err := Build(BuildOptions{Src: src, Out: out, Site: site}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("to=bucket", func(b *testing.B) {
		var objects int
		requests := map[string]int{}
		for b.Loop() {
			b.StopTimer()
			pub, _ := e.publishTo(b, "first") // its volume made (s3test's Bucket)
			e.count.Take()
			b.StartTimer()
			r, err := Build(BuildOptions{Src: src, Site: site, Publish: pub})
			if err != nil {
				b.Fatal(err)
			}
			objects = r.Published.Uploaded
			for k, v := range e.count.Take() {
				requests[k] += v
			}
		}
		b.ReportMetric(float64(objects), "objects")
		reportRequests(b, requests, b.N)
	})
}

// BenchmarkPublishNoChange: build -publish with a state, nothing changed.
func BenchmarkPublishNoChange(b *testing.B) {
	e := newS3env(b)
	src := benchSource(b)
	pub, _ := e.publishTo(b, "nochange")
	opts := BuildOptions{Src: src, Site: testSite(b, "https://feeds.example.com/", 50), State: b.TempDir(), Publish: pub}
	if _, err := Build(opts); err != nil {
		b.Fatal(err)
	}
	e.count.Take()
	for b.Loop() {
		if _, err := Build(opts); err != nil {
			b.Fatal(err)
		}
	}
	reportRequests(b, e.count.Take(), b.N)
}

// BenchmarkPublishEdit: build -publish with a state after an edit of one
// article shown in one category and two tags.
func BenchmarkPublishEdit(b *testing.B) {
	e := newS3env(b)
	src := benchSource(b)
	pub, _ := e.publishTo(b, "edit")
	p := newestArticle(b, src)
	opts := BuildOptions{Src: src, Site: testSite(b, "https://feeds.example.com/", 50), State: b.TempDir(), Publish: pub}
	if _, err := Build(opts); err != nil {
		b.Fatal(err)
	}
	orig := []byte(readFileString(b, p))
	e.count.Take()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		writeAtomic(b, p, bytes.Replace(orig, []byte("<p>正文"), []byte(fmt.Sprintf("<p>edit %d 正文", i)), 1))
		b.StartTimer()
		if _, err := Build(opts); err != nil {
			b.Fatal(err)
		}
	}
	reportRequests(b, e.count.Take(), b.N)
}

// newestArticle adds to src the newest article, in one category and two
// tags, shown by the global feed and theirs, and returns its path.
func newestArticle(b *testing.B, src string) string {
	b.Helper()
	p := filepath.Join(src, "zz-newest.txt")
	a := article{Title: "最新的文章", Date: "2030-01-01 08:00:00 +0800", Categories: []string{"bench"}, Tags: []string{"bench-a", "bench-b"},
		Link: "http://news.example.com/newest", Body: "<p>正文 " + strings.Repeat("内容 ", 200) + "</p>"}
	writeAtomic(b, p, []byte(a.String()))
	return p
}

// BenchmarkServePublishEdit: serve -publish, from the write of an article
// to its feed's object holding the edit (loopback; the debounce is 20 ms).
func BenchmarkServePublishEdit(b *testing.B) {
	e := newS3env(b)
	src := benchSource(b)
	pub, bkt := e.publishTo(b, "serve")
	p := newestArticle(b, src)
	var log logBuffer
	d := servePublish(b, src, pub, "", &log)
	waitPublished(b, d, "first publish", func() bool { return len(e.get(b, bkt, "rss.xml")) > 0 })
	orig := []byte(readFileString(b, p))
	var took []time.Duration
	for i := 0; b.Loop(); i++ {
		mark := fmt.Sprintf("edit-%d-%d", i, time.Now().UnixNano())
		start := time.Now()
		writeAtomic(b, p, bytes.Replace(orig, []byte("<p>正文"), []byte("<p>"+mark+" 正文"), 1))
		waitPublished(b, d, "the edit in the bucket", func() bool { return bytes.Contains(e.get(b, bkt, "rss.xml"), []byte(mark)) })
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "ms-max")
}
