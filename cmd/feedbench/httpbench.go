package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"feedgen/layout"
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

// ensureTools installs wrk and nginx with apt-get when either is missing.
func (b *bench) ensureTools(ctx context.Context) error {
	_, e1 := exec.LookPath("wrk")
	_, e2 := exec.LookPath("nginx")
	if e1 == nil && e2 == nil {
		return nil
	}
	b.logf("http: wrk or nginx missing; trying apt-get install -y wrk nginx")
	install := func() error {
		_, err := runProc(ctx, 10*time.Minute, "apt-get", "install", "-y", "-qq", "wrk", "nginx")
		return err
	}
	if err := install(); err != nil {
		if _, err := runProc(ctx, 10*time.Minute, "apt-get", "update", "-qq"); err != nil {
			return fmt.Errorf("apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return fmt.Errorf("apt-get install wrk nginx: %w", err)
		}
	}
	for _, t := range []string{"wrk", "nginx"} {
		if _, err := exec.LookPath(t); err != nil {
			return err
		}
	}
	return nil
}

// rssSizes returns the size of every category rss.xml under out, by slug.
func rssSizes(out string) (map[string]int, error) {
	ents, err := os.ReadDir(filepath.Join(out, layout.KindCategory.Folder()))
	if err != nil {
		return nil, err
	}
	m := map[string]int{}
	for _, e := range ents {
		fi, err := os.Stat(filepath.Join(out, filepath.FromSlash(categoryFeed(e.Name()))))
		if err == nil {
			m[e.Name()] = int(fi.Size())
		}
	}
	return m, nil
}

// categoryFeed is the slash path of the RSS feed of category slug.
func categoryFeed(slug string) string {
	return layout.FeedKey{Kind: layout.KindCategory, Name: slug}.Path(layout.RSS)
}

// closest returns the slug whose size is closest to target (ties by name).
func closest(sizes map[string]int, target int) (string, int) {
	slugs := make([]string, 0, len(sizes))
	for s := range sizes {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	best, bestSize := "", 0
	for _, s := range slugs {
		if best == "" || abs(sizes[s]-target) < abs(bestSize-target) {
			best, bestSize = s, sizes[s]
		}
	}
	return best, bestSize
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// chooseFeed finds the -limit and category whose rss.xml is closest to the
// target size: a build at the default limit gives the bytes per item, which
// gives a candidate limit; it and its neighbours are built and the best is
// kept. It returns the limit, slug and the build output for that limit.
func (b *bench) chooseFeed(ctx context.Context, ci corpusInfo) (int, string, int, string, error) {
	target := b.cfg.feedTarget
	dir := filepath.Join(b.cfg.workdir, "http")
	tried := map[int]string{} // limit → out dir
	sizes := map[int]map[string]int{}
	try := func(limit int) error {
		if _, ok := tried[limit]; ok || limit < 1 {
			return nil
		}
		out := filepath.Join(dir, fmt.Sprintf("root-limit%d", limit))
		if _, _, _, err := b.buildOnce(ctx, ci.Dir, out, "", true, "-limit", strconv.Itoa(limit)); err != nil {
			return err
		}
		s, err := rssSizes(out)
		if err != nil {
			return err
		}
		tried[limit], sizes[limit] = out, s
		return nil
	}
	const def = 50
	if err := try(def); err != nil {
		return 0, "", 0, "", err
	}
	if _, sz := closest(sizes[def], target); math.Abs(float64(sz-target)) > 0.05*float64(target) {
		all := make([]int, 0, len(sizes[def]))
		for _, v := range sizes[def] {
			all = append(all, v)
		}
		sort.Ints(all)
		perItem := float64(all[len(all)/2]) / def
		l := max(1, int(math.Round(float64(target)/perItem)))
		for _, c := range []int{l, l - 1, l + 1} {
			if err := try(c); err != nil {
				return 0, "", 0, "", err
			}
		}
	}
	bestL, bestSlug, bestSize := 0, "", 0
	limits := make([]int, 0, len(sizes))
	for l := range sizes {
		limits = append(limits, l)
	}
	sort.Ints(limits)
	for _, l := range limits {
		s, sz := closest(sizes[l], target)
		if bestSlug == "" || abs(sz-target) < abs(bestSize-target) {
			bestL, bestSlug, bestSize = l, s, sz
		}
	}
	return bestL, bestSlug, bestSize, tried[bestL], nil
}

// nginxConf is the temporary nginx configuration. %[1]s is the prefix
// directory, %[2]d the port, %[3]s the document root, %[4]s the user line.
const nginxConf = `# written by feedbench; nginx -p %[1]s -c %[1]s/nginx.conf
%[4]sworker_processes 2;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    types {
        application/rss+xml xml;
        text/html html;
        application/json json;
        text/x-opml opml;
    }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=1000 inactive=60s;
    etag on;
    gzip off;
    gzip_static on;
    server {
        listen 127.0.0.1:%[2]d;
        root %[3]s;
    }
}
`

// nginxServer is a running nginx.
type nginxServer struct {
	cmd          *exec.Cmd
	prefix, conf string
	done         chan struct{}
}

// startNginx writes the configuration and runs nginx in the foreground
// (daemon off) as a child process.
func (b *bench) startNginx(root string) (*nginxServer, int, error) {
	prefix := filepath.Join(b.cfg.workdir, "nginx")
	if err := os.RemoveAll(prefix); err != nil {
		return nil, 0, err
	}
	if err := os.MkdirAll(filepath.Join(prefix, "tmp"), 0o755); err != nil {
		return nil, 0, err
	}
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n" // workers must read the work directory
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, prefix, port, root, user), 0o644); err != nil {
		return nil, 0, err
	}
	if _, err := runProc(context.Background(), time.Minute, "nginx", "-t", "-p", prefix, "-c", conf); err != nil {
		return nil, 0, fmt.Errorf("nginx -t: %w", err)
	}
	errBuf := &tailBuffer{max: 16 << 10}
	cmd := exec.Command("nginx", "-p", prefix, "-c", conf)
	cmd.Stderr = errBuf
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	n := &nginxServer{cmd: cmd, prefix: prefix, conf: conf, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(n.done) }()
	b.addCleanup(n.stop)
	c := newClient()
	for i := 0; ; i++ {
		select {
		case <-n.done:
			return nil, 0, fmt.Errorf("nginx exited: %s", errBuf.String())
		default:
		}
		if code, _, _, err := getURL(c, fmt.Sprintf("http://127.0.0.1:%d/", port), "", ""); err == nil && code > 0 {
			break
		}
		if i > 1000 {
			n.stop()
			return nil, 0, fmt.Errorf("nginx does not answer on port %d", port)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return n, port, nil
}

// stop runs nginx -s stop and waits for the master to exit (SIGKILL after
// 10s). It is idempotent.
func (n *nginxServer) stop() {
	select {
	case <-n.done:
		return
	default:
	}
	_, _ = runProc(context.Background(), 30*time.Second, "nginx", "-p", n.prefix, "-c", n.conf, "-s", "stop")
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

// gzipFile writes path+".gz" the way "gzip -9 -n -k" does, with the gzip
// binary when there is one.
func gzipFile(path string) error {
	if _, err := exec.LookPath("gzip"); err == nil {
		_, err := runProc(context.Background(), time.Minute, "gzip", "-9", "-n", "-k", "-f", path)
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path+".gz", buf.Bytes(), 0o644)
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

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// commandOutputCombined is commandOutput with standard error included
// (nginx -v prints to standard error).
func commandOutputCombined(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return strings.TrimSpace(string(out))
}
