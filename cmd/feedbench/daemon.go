package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"feedgen/layout"
)

// daemon is a running "feedgen serve".
type daemon struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	start   time.Time
	done    chan struct{}
	waitErr error
	logPath string
	client  *http.Client
}

// newClient is an HTTP client for polling one local server: no transparent
// gzip (the bytes are compared as served), keep-alive on.
func newClient() *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			DisableCompression:  true,
			MaxIdleConnsPerHost: 8,
		},
	}
}

// startDaemon starts feedgen serve on a free loopback port with the given
// extra flags; its standard error goes to logPath.
func (b *bench) startDaemon(ctx context.Context, src, logPath string, extra ...string) (*daemon, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"serve", "-src", src, "-addr", addr, "-base-url", b.cfg.baseURL}, extra...)
	cmd := exec.Command(b.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	d := &daemon{cmd: cmd, base: "http://" + addr, done: make(chan struct{}), logPath: logPath, client: newClient()}
	d.start = time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		d.waitErr = cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	b.addCleanup(func() { d.stop() })
	return d, nil
}

// exited reports whether the daemon has exited.
func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// deadErr describes an unexpected exit, with the end of the daemon's log.
func (d *daemon) deadErr() error {
	b, _ := os.ReadFile(d.logPath)
	return fmt.Errorf("feedgen serve exited: %v\n%s", d.waitErr, lastLines(string(b), 20))
}

// waitOK polls path every 5ms until it answers 200 and returns the time
// since the process was started.
func (d *daemon) waitOK(ctx context.Context, path string, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		if d.exited() {
			return 0, d.deadErr()
		}
		if code, _, _, err := d.get(path, ""); err == nil && code == http.StatusOK {
			return time.Since(d.start), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s%s: no 200 within %s", d.base, path, timeout)
		}
		if err := sleepCtx(ctx, 5*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// get fetches path, with If-None-Match when etag is set, and returns the
// status, the body and the response ETag.
func (d *daemon) get(path, etag string) (int, []byte, string, error) {
	return getURL(d.client, d.base+path, etag, "")
}

// getURL performs one GET with optional If-None-Match and Accept-Encoding.
func getURL(c *http.Client, url, etag, acceptEncoding string) (int, []byte, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, "", err
	}
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, resp.Header.Get("ETag"), err
}

// stop sends SIGTERM and waits (SIGKILL after 30s). It is idempotent.
func (d *daemon) stop() {
	if d.exited() {
		return
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
	}
}

// stopClean stops the daemon and fails unless it exited with status 0
// (a graceful shutdown, which is when a state is expected to be saved).
func (d *daemon) stopClean() error {
	d.stop()
	if d.waitErr != nil {
		return d.deadErr()
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// editStats are the edits made on one daemon.
type editStats struct {
	Requested, Made          int
	Latency, CatLat, MainLat []float64 // seconds
	Timeouts                 int
	Categories               []string // categories edited, in order
}

// daemonResult holds the daemon measurements of one corpus size: a start
// without state (the state directory, when feedgen has -state, is removed
// first). Times are in seconds.
type daemonResult struct {
	N              int
	ColdStart      float64 // process start to first 200 on /rss.xml
	GzipReady      float64 // process start to the first gzip answer on /rss.xml
	IOReady        ioStats // the daemon's /proc/PID/io when gzip was ready
	HealthArticles int
	MemStart       memStats // -settle after gzip was ready
	MemAfter       memStats // -settle after the last edit
	Edits          editStats
	State          string // -state passed, "" when feedgen has none
	Err            error
}

var (
	titleLineRE = regexp.MustCompile(`(?m)^title:.*$`)
	dateLineRE  = regexp.MustCompile(`(?m)^date:.*$`)
)

// waitGzip polls path with Accept-Encoding: gzip every 10ms until the
// answer is a 200 with Content-Encoding: gzip (feedgen may serve identity
// bodies until its gzip forms are ready) and returns the time since the
// process was started.
func (d *daemon) waitGzip(ctx context.Context, path string, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		if d.exited() {
			return 0, d.deadErr()
		}
		req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Accept-Encoding", "gzip")
		if resp, err := d.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Encoding") == "gzip" {
				return time.Since(d.start), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s%s: no gzip answer within %s", d.base, path, timeout)
		}
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// checkHealth checks that /healthz reports n articles and none invalid.
func (d *daemon) checkHealth(n int) (int, error) {
	code, body, _, err := d.get("/healthz", "")
	if err != nil || code != http.StatusOK {
		return 0, fmt.Errorf("/healthz: %d %v", code, err)
	}
	var h struct {
		Articles, Invalid int
	}
	if err := json.Unmarshal(body, &h); err != nil {
		return 0, fmt.Errorf("/healthz: %v: %s", err, body)
	}
	if h.Articles != n || h.Invalid != 0 {
		return h.Articles, fmt.Errorf("/healthz reports %d articles, %d invalid; want %d and 0", h.Articles, h.Invalid, n)
	}
	return h.Articles, nil
}

// serveStateDir is the -state directory of the daemons of one corpus size.
func (b *bench) serveStateDir(n int) string {
	return filepath.Join(b.cfg.workdir, "state", fmt.Sprintf("serve-n%d", n))
}

// benchDaemon starts feedgen serve on the corpus without state, measures
// cold start and memory, then edits -edits articles one at a time and
// measures how long each takes to show up in its category feed and the
// main feed. Edited files are restored afterwards; the corpus cache marker
// is removed while the corpus differs from what the generator wrote.
func (b *bench) benchDaemon(ctx context.Context, ci corpusInfo) (res *daemonResult) {
	res = &daemonResult{N: ci.N}
	logPath := filepath.Join(b.cfg.workdir, "logs", fmt.Sprintf("serve-n%d.log", ci.N))
	extra := []string{"-debounce", b.cfg.debounce.String()}
	if b.stateServe {
		res.State = b.serveStateDir(ci.N)
		if err := os.RemoveAll(res.State); err != nil {
			res.Err = err
			return res
		}
		extra = append(extra, "-state", res.State)
	}
	b.logf("serve n=%d: starting (log %s)", ci.N, logPath)
	d, err := b.startDaemon(ctx, ci.Dir, logPath, extra...)
	if err != nil {
		res.Err = err
		return res
	}
	defer d.stop()
	cs, err := d.waitOK(ctx, layout.FeedKey{}.Path(layout.RSS), b.cfg.buildTimeout)
	if err != nil {
		res.Err = err
		return res
	}
	res.ColdStart = cs.Seconds()
	b.logf("serve n=%d: first 200 on /rss.xml after %s", ci.N, fmtSec(res.ColdStart))
	gz, err := d.waitGzip(ctx, "/rss.xml", b.cfg.buildTimeout)
	if err != nil {
		res.Err = err
		return res
	}
	res.GzipReady = gz.Seconds()
	res.IOReady, _ = readProcIO(d.cmd.Process.Pid)
	if res.HealthArticles, err = d.checkHealth(ci.N); err != nil {
		res.Err = err
		return res
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		res.Err = err
		return res
	}
	if res.MemStart, err = procMem(d.cmd.Process.Pid); err != nil {
		res.Err = err
		return res
	}

	ed, err := b.newEditor(ci)
	if err != nil {
		res.Err = err
		return res
	}
	defer func() {
		d.stop()
		ed.restore()
	}()
	if err := ed.run(ctx, d, b.cfg.edits, &res.Edits); err != nil {
		res.Err = err
		return res
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		res.Err = err
		return res
	}
	if res.MemAfter, err = procMem(d.cmd.Process.Pid); err != nil {
		res.Err = err
	}
	return res
}

// editor edits articles of a cached corpus and restores them. While it
// has edits outstanding the corpus cache marker is removed, so that an
// interrupted run makes the next one regenerate the corpus.
type editor struct {
	b         *bench
	ci        corpusInfo
	originals map[string][]byte
}

func (b *bench) newEditor(ci corpusInfo) (*editor, error) {
	if err := os.Remove(markerPath(ci.Dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	e := &editor{b: b, ci: ci, originals: map[string][]byte{}}
	b.addCleanup(e.restore)
	return e, nil
}

// restore puts every edited file back and writes the marker. It is
// idempotent.
func (e *editor) restore() {
	if e.originals == nil {
		return
	}
	for path, data := range e.originals {
		if err := replaceFile(path, data); err != nil {
			e.b.logf("n=%d: cannot restore %s: %v (the corpus will be regenerated next time)", e.ci.N, path, err)
			e.originals = nil
			return
		}
	}
	if err := writeMarker(e.ci.Dir, e.ci.N, e.ci.Seed); err != nil {
		e.b.logf("n=%d: %v", e.ci.N, err)
	}
	e.originals = nil
}

// run makes n edits on the daemon, one at a time: an article (random,
// seeded by the corpus seed, so every run edits the same ones) gets a new
// unique title and a date in 2030. Its file name comes from the generator,
// not from a listing of the directory. An edit that does not show up
// within -edit-timeout is counted and skipped; the error is for a dead
// daemon or an interrupted run.
func (e *editor) run(ctx context.Context, d *daemon, n int, st *editStats) error {
	b, ci := e.b, e.ci
	st.Requested = n
	rng := rand.New(rand.NewPCG(ci.Seed, 0xED17))
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	editDate := time.Date(2030, 1, 1, 0, 0, 0, 0, cst)
	for k := 1; k <= n; k++ {
		path := filepath.Join(ci.Dir, articleName(ci.Seed, rng.IntN(ci.N)))
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if _, ok := e.originals[path]; !ok {
			e.originals[path] = data
		}
		cats := strings.FieldsFunc(frontMatterValue(data, "categories"), func(r rune) bool {
			return r == ',' || r == ' ' || r == '[' || r == ']'
		})
		if len(cats) == 0 {
			return fmt.Errorf("%s: no category in front matter", path)
		}
		cat := cats[0]
		title := fmt.Sprintf("基准更新 %s E%03d", nonce, k)
		newData := titleLineRE.ReplaceAll(data, []byte(`title: "`+title+`"`))
		newData = dateLineRE.ReplaceAll(newData, []byte("date: "+editDate.Add(time.Duration(k)*time.Minute).Format("2006-01-02 15:04:05 -0700")))
		catLat, mainLat, err := b.editOnce(ctx, d, path, newData, title, categoryFeed(cat), layout.FeedKey{}.Path(layout.RSS))
		if err != nil {
			if d.exited() {
				return d.deadErr()
			}
			b.logf("serve n=%d: edit %d: %v", ci.N, k, err)
			st.Timeouts++
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		st.Made++
		st.Categories = append(st.Categories, cat)
		st.CatLat = append(st.CatLat, catLat.Seconds())
		st.MainLat = append(st.MainLat, mainLat.Seconds())
		st.Latency = append(st.Latency, max(catLat, mainLat).Seconds())
		if k%10 == 0 || k == n {
			b.logf("serve n=%d: edit %d/%d (%s): %s", ci.N, k, n, cat, fmtSec(max(catLat, mainLat).Seconds()))
		}
		if err := sleepCtx(ctx, b.cfg.editGap); err != nil {
			return err
		}
	}
	return nil
}

// editOnce replaces path with data (temporary hidden file in the same
// directory, then rename) and polls both feeds every 1ms, with
// If-None-Match so that unchanged feeds cost a 304, until both contain
// title. It returns the time from just before the rename to the first
// response of each feed that contained the title.
func (b *bench) editOnce(ctx context.Context, d *daemon, path string, data []byte, title, catPath, mainPath string) (time.Duration, time.Duration, error) {
	paths := []string{catPath, mainPath}
	etags := make([]string, 2)
	for i, p := range paths {
		code, body, etag, err := d.get(p, "")
		if err != nil || code != http.StatusOK {
			return 0, 0, fmt.Errorf("GET %s before the edit: %d %v", p, code, err)
		}
		if bytes.Contains(body, []byte(title)) {
			return 0, 0, fmt.Errorf("GET %s: title %q present before the edit", p, title)
		}
		etags[i] = etag
	}
	tmp := filepath.Join(filepath.Dir(path), ".feedbench-edit.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return 0, 0, err
	}
	lat := make([]time.Duration, 2)
	seen := []bool{false, false}
	t0 := time.Now()
	if err := os.Rename(tmp, path); err != nil {
		return 0, 0, err
	}
	deadline := t0.Add(b.cfg.editTimeout)
	for !seen[0] || !seen[1] {
		for i, p := range paths {
			if seen[i] {
				continue
			}
			code, body, etag, err := d.get(p, etags[i])
			now := time.Since(t0)
			if err != nil {
				if d.exited() {
					return 0, 0, d.deadErr()
				}
				continue
			}
			if code == http.StatusOK {
				etags[i] = etag
				if bytes.Contains(body, []byte(title)) {
					seen[i], lat[i] = true, now
				}
			}
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("title not in %v after %s (seen: %v)", paths, b.cfg.editTimeout, seen)
		}
		if err := sleepCtx(ctx, time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
	return lat[0], lat[1], nil
}

// replaceFile atomically replaces path with data via a hidden temporary
// file in the same directory (which feedgen's watcher ignores).
func replaceFile(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), ".feedbench-restore.tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
