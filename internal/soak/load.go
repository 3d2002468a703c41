package soak

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"feedgen/layout"
)

// Load polls a daemon the way a crowd of feed readers does: Workers
// goroutines GET random feed paths, with and without gzip, plainly and
// conditionally (If-None-Match or If-Modified-Since from an earlier
// answer), and count every answer that is not 200 or 304, or a transport
// error, as a failure. The feed paths come from the daemon's own index
// page, re-read every few seconds.
type Load struct {
	// Base is the daemon's root URL, "http://127.0.0.1:PORT".
	Base string
	// Workers is the number of polling goroutines (default 8).
	Workers int
	// Pause is how long each worker waits between requests (default 0).
	Pause time.Duration

	Requests atomic.Int64
	Failures atomic.Int64
	// MaxLatency is the slowest request seen, in nanoseconds.
	MaxLatency atomic.Int64

	mu       sync.Mutex
	samples  []string             // first failures, for the report
	paths    []string             // escaped request paths
	validate map[string][2]string // path -> ETag, Last-Modified of the plain form
	client   *http.Client
}

// hrefRE finds the href attributes of the index page.
var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// IndexPaths returns the request paths (escaped, with a leading slash) of
// every feed the index page links to, sorted.
func IndexPaths(client *http.Client, base string) ([]string, error) {
	res, err := client.Get(base + layout.IndexPath)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d", layout.IndexPath, res.StatusCode)
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range hrefRE.FindAllSubmatch(body, -1) {
		u, err := url.Parse(html.UnescapeString(string(m[1])))
		if err != nil || u.Host != "" && u.Host != "feeds.example.com" && !strings.HasPrefix(u.Host, "127.0.0.1") {
			continue // a link to the article site, not a feed
		}
		p := u.EscapedPath()
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		if !isFeedFile(p) {
			continue
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// isFeedFile reports whether the request path p names a feed file or the
// OPML list.
func isFeedFile(p string) bool {
	if p == layout.OPMLPath {
		return true
	}
	for _, f := range layout.Formats {
		if path.Base(p) == f.FileName() {
			return true
		}
	}
	return false
}

func (l *Load) fail(format string, args ...any) {
	l.Failures.Add(1)
	l.mu.Lock()
	if len(l.samples) < 20 {
		l.samples = append(l.samples, time.Now().Format("15:04:05.000 ")+fmt.Sprintf(format, args...))
	}
	l.mu.Unlock()
}

// Samples returns the first failures, described.
func (l *Load) Samples() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.samples...)
}

// Run polls until ctx is done.
func (l *Load) Run(ctx context.Context) {
	if l.Workers <= 0 {
		l.Workers = 8
	}
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: l.Workers, IdleConnTimeout: 30 * time.Second}
	defer tr.CloseIdleConnections()
	l.client = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	l.validate = map[string][2]string{}
	l.refresh()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(3 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				l.refresh()
			}
		}
	}()
	for i := range l.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for ctx.Err() == nil {
				l.one(ctx, r)
				if l.Pause > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(l.Pause):
					}
				}
			}
		}()
	}
	wg.Wait()
}

func (l *Load) refresh() {
	ps, err := IndexPaths(l.client, l.Base)
	if err != nil {
		l.fail("index: %v", err)
		return
	}
	ps = append(ps, "/", "/healthz")
	l.mu.Lock()
	l.paths = ps
	l.mu.Unlock()
}

// one sends one request and checks its answer.
func (l *Load) one(ctx context.Context, r *rand.Rand) {
	l.mu.Lock()
	if len(l.paths) == 0 {
		l.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
		return
	}
	p := l.paths[r.IntN(len(l.paths))]
	v := l.validate[p]
	l.mu.Unlock()

	method := http.MethodGet
	if r.IntN(10) == 0 {
		method = http.MethodHead
	}
	req, err := http.NewRequestWithContext(ctx, method, l.Base+p, nil)
	if err != nil {
		l.fail("%s: %v", p, err)
		return
	}
	gz := r.IntN(2) == 0
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	switch r.IntN(3) {
	case 0:
		if v[0] != "" {
			req.Header.Set("If-None-Match", v[0])
		}
	case 1:
		if v[1] != "" {
			req.Header.Set("If-Modified-Since", v[1])
		}
	}
	start := time.Now()
	res, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.Requests.Add(1)
			l.fail("%s %s: %v", method, p, err)
		}
		return
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	lat := time.Since(start)
	if err != nil && ctx.Err() != nil {
		return // stopped mid-read: not the daemon's fault
	}
	l.Requests.Add(1)
	for old := l.MaxLatency.Load(); int64(lat) > old && !l.MaxLatency.CompareAndSwap(old, int64(lat)); old = l.MaxLatency.Load() {
	}
	switch {
	case err != nil:
		l.fail("%s %s: reading body: %v", method, p, err)
	case res.StatusCode == http.StatusNotModified:
	case res.StatusCode != http.StatusOK:
		l.fail("%s %s: status %d", method, p, res.StatusCode)
	case method == http.MethodGet && res.Header.Get("Content-Encoding") == "gzip" && !bytes.HasPrefix(body, []byte{0x1f, 0x8b}):
		l.fail("%s %s: Content-Encoding gzip but the body is not gzip", method, p)
	case !gz && res.Header.Get("Content-Encoding") != "":
		l.fail("%s %s: Content-Encoding %q without Accept-Encoding", method, p, res.Header.Get("Content-Encoding"))
	case !gz && p != "/healthz":
		l.mu.Lock()
		l.validate[p] = [2]string{res.Header.Get("ETag"), res.Header.Get("Last-Modified")}
		l.mu.Unlock()
	}
}
