package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// wrkResult is one wrk run.
type wrkResult struct {
	RPS         float64
	BytesPerReq float64 // bytes read / requests: a sanity check of what was served
	Non2xx3xx   int
	SocketErrs  string
}

// scenario is one kind of request measured against both servers.
type scenario struct {
	Name    string
	Header  string // extra wrk -H header, "" for none
	Feedgen []wrkResult
	Nginx   []wrkResult
}

// httpResult holds the HTTP throughput comparison.
type httpResult struct {
	Skipped     string // reason, when not measured
	N           int
	Limit       int
	Path        string // the feed measured
	FeedBytes   int
	FeedgenGzip int // size of feedgen's gzip body
	NginxGzip   int // size of the gzip -9 -n file nginx serves
	Scenarios   []*scenario
	NginxConf   string
	WrkVersion  string
	Nginx       string
	Err         error
}

// benchHTTP compares feedgen serve with nginx serving the same bytes of
// one category feed of about -feed-bytes: plain 200, gzip 200 and 304.
func (b *bench) benchHTTP(ctx context.Context, ci corpusInfo) *httpResult {
	res := &httpResult{N: ci.N}
	if err := b.ensureTools(ctx); err != nil {
		res.Skipped = "wrk/nginx not available: " + err.Error()
		return res
	}
	res.WrkVersion = firstLine(commandOutputCombined("wrk", "-v"))
	res.Nginx = firstLine(commandOutputCombined("nginx", "-v"))
	b.logf("http: choosing -limit and category for a ~%d-byte rss.xml (n=%d)", b.cfg.feedTarget, ci.N)
	limit, slug, size, root, err := b.chooseFeed(ctx, ci)
	if err != nil {
		res.Err = err
		return res
	}
	res.Limit, res.FeedBytes = limit, size
	res.Path = categoryFeed(slug)
	file := filepath.Join(root, filepath.FromSlash(res.Path))
	b.logf("http: -limit %d, %s (%d bytes)", limit, res.Path, size)
	if err := gzipFile(file); err != nil {
		res.Err = err
		return res
	}

	extra := []string{"-limit", strconv.Itoa(limit)}
	if b.stateServe {
		extra = append(extra, "-state", "") // throwaway state: never the default one under the user's cache
	}
	d, err := b.startDaemon(ctx, ci.Dir, filepath.Join(b.cfg.workdir, "logs", "serve-http.log"), extra...)
	if err != nil {
		res.Err = err
		return res
	}
	defer d.stop()
	if _, err := d.waitOK(ctx, res.Path, b.cfg.buildTimeout); err != nil {
		res.Err = err
		return res
	}
	ng, port, err := b.startNginx(root)
	if err != nil {
		res.Err = err
		return res
	}
	defer ng.stop()
	res.NginxConf = ng.conf
	fgURL := d.base + res.Path
	ngURL := fmt.Sprintf("http://127.0.0.1:%d%s", port, res.Path)
	fgETag, ngETag, fgGz, ngGz, err := verifyServers(fgURL, ngURL, file)
	if err != nil {
		res.Err = fmt.Errorf("verification failed, nothing measured: %w", err)
		return res
	}
	res.FeedgenGzip, res.NginxGzip = fgGz, ngGz
	res.Scenarios = []*scenario{
		{Name: "200 plain"},
		{Name: "200 gzip", Header: "Accept-Encoding: gzip"},
		{Name: "304 If-None-Match"},
	}
	for run := 1; run <= b.cfg.httpRuns; run++ {
		for _, sc := range res.Scenarios {
			fh, nh := sc.Header, sc.Header
			if sc.Name == "304 If-None-Match" {
				fh, nh = "If-None-Match: "+fgETag, "If-None-Match: "+ngETag
			}
			b.logf("http: run %d/%d %s: feedgen", run, b.cfg.httpRuns, sc.Name)
			r, err := b.runWrk(ctx, fgURL, fh)
			if err != nil {
				res.Err = err
				return res
			}
			sc.Feedgen = append(sc.Feedgen, r)
			b.logf("http: run %d/%d %s: nginx", run, b.cfg.httpRuns, sc.Name)
			r, err = b.runWrk(ctx, ngURL, nh)
			if err != nil {
				res.Err = err
				return res
			}
			sc.Nginx = append(sc.Nginx, r)
		}
	}
	return res
}

// verifyServers checks, before anything is measured, that both servers
// send the same plain bytes (equal to the file nginx serves), a gzip body
// that decompresses to them, and 304 for If-None-Match with their own
// ETag. It returns the ETags and gzip sizes.
func verifyServers(fgURL, ngURL, file string) (fgETag, ngETag string, fgGz, ngGz int, err error) {
	want, err := os.ReadFile(file)
	if err != nil {
		return
	}
	c := newClient()
	etags := make([]string, 2)
	gzs := make([]int, 2)
	for i, u := range []string{fgURL, ngURL} {
		code, body, etag, e := getURL(c, u, "", "")
		if e != nil || code != http.StatusOK {
			err = fmt.Errorf("GET %s: %d %v", u, code, e)
			return
		}
		if !bytes.Equal(body, want) {
			err = fmt.Errorf("GET %s: body (%d bytes) differs from %s (%d bytes)", u, len(body), file, len(want))
			return
		}
		if etag == "" {
			err = fmt.Errorf("GET %s: no ETag", u)
			return
		}
		etags[i] = etag
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, e := c.Do(req)
		if e != nil {
			err = e
			return
		}
		gz, e := io.ReadAll(resp.Body)
		resp.Body.Close()
		if e != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			err = fmt.Errorf("GET %s with Accept-Encoding: gzip: %d, Content-Encoding %q, %v", u, resp.StatusCode, resp.Header.Get("Content-Encoding"), e)
			return
		}
		zr, e := gzip.NewReader(bytes.NewReader(gz))
		if e != nil {
			err = fmt.Errorf("GET %s gzip: %v", u, e)
			return
		}
		plain, e := io.ReadAll(zr)
		if e != nil || !bytes.Equal(plain, want) {
			err = fmt.Errorf("GET %s gzip: does not decompress to the plain body (%v)", u, e)
			return
		}
		gzs[i] = len(gz)
		code, _, _, e = getURL(c, u, etag, "")
		if e != nil || code != http.StatusNotModified {
			err = fmt.Errorf("GET %s with If-None-Match %s: %d %v, want 304", u, etag, code, e)
			return
		}
	}
	return etags[0], etags[1], gzs[0], gzs[1], nil
}

// The lines of wrk's summary that runWrk reads.
var (
	rpsRE      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	totalRE    = regexp.MustCompile(`(\d+) requests in [^,]+, ([0-9.]+)([KMGT]?B) read`)
	non2xxRE   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	socketErrR = regexp.MustCompile(`Socket errors:[^\n]*`)
)

// runWrk runs wrk against url and parses its summary.
func (b *bench) runWrk(ctx context.Context, url, header string) (wrkResult, error) {
	args := []string{"-t" + strconv.Itoa(b.cfg.wrkThreads), "-c" + strconv.Itoa(b.cfg.wrkConns), "-d" + b.cfg.httpDuration.String()}
	if header != "" {
		args = append(args, "-H", header)
	}
	args = append(args, url)
	var out bytes.Buffer
	cctx, cancel := context.WithTimeout(ctx, b.cfg.httpDuration+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(cctx, "wrk", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	s := out.String()
	var r wrkResult
	m := rpsRE.FindStringSubmatch(s)
	if m == nil {
		return r, fmt.Errorf("wrk: no Requests/sec in output:\n%s", s)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	if m := totalRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseFloat(m[1], 64)
		v, _ := strconv.ParseFloat(m[2], 64)
		mult := map[string]float64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40}[m[3]]
		if n > 0 {
			r.BytesPerReq = v * mult / n
		}
	}
	if m := non2xxRE.FindStringSubmatch(s); m != nil {
		r.Non2xx3xx, _ = strconv.Atoi(m[1])
	}
	r.SocketErrs = socketErrR.FindString(s)
	return r, nil
}
