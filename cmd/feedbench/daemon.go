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
	"slices"
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

// daemonResult holds the daemon measurements of one corpus size. Times are
// in seconds, memory in KiB.
type daemonResult struct {
	N                          int
	ColdStart                  float64 // process start to first 200 on /rss.xml
	HealthArticles             int
	RSSSettle, HWMSettle       int64
	RSSAfter, HWMAfter         int64
	Latency, CatLat, MainLat   []float64
	Timeouts                   int
	Categories                 []string // categories edited, in order
	Debounce                   time.Duration
	Err                        error
	EditsRequested, EditsMade  int
	SettleWait, EditGapSetting time.Duration
}

var (
	titleLineRE = regexp.MustCompile(`(?m)^title:.*$`)
	dateLineRE  = regexp.MustCompile(`(?m)^date:.*$`)
)

// benchDaemon starts feedgen serve on the corpus, measures cold start and
// memory, then edits -edits articles one at a time and measures how long
// each takes to show up in its category feed and the main feed. Edited
// files are restored afterwards; the corpus cache marker is removed while
// the corpus differs from what the generator wrote.
func (b *bench) benchDaemon(ctx context.Context, ci corpusInfo) (res *daemonResult) {
	res = &daemonResult{N: ci.N, Debounce: b.cfg.debounce, EditsRequested: b.cfg.edits,
		SettleWait: b.cfg.settle, EditGapSetting: b.cfg.editGap}
	logPath := filepath.Join(b.cfg.workdir, "logs", fmt.Sprintf("serve-n%d.log", ci.N))
	b.logf("serve n=%d: starting (log %s)", ci.N, logPath)
	d, err := b.startDaemon(ctx, ci.Dir, logPath, "-debounce", b.cfg.debounce.String())
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
	code, body, _, err := d.get("/healthz", "")
	if err != nil || code != http.StatusOK {
		res.Err = fmt.Errorf("/healthz: %d %v", code, err)
		return res
	}
	var h struct {
		Articles, Invalid int
	}
	if err := json.Unmarshal(body, &h); err != nil {
		res.Err = fmt.Errorf("/healthz: %v: %s", err, body)
		return res
	}
	res.HealthArticles = h.Articles
	if h.Articles != ci.N || h.Invalid != 0 {
		res.Err = fmt.Errorf("/healthz reports %d articles, %d invalid; want %d and 0", h.Articles, h.Invalid, ci.N)
		return res
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		res.Err = err
		return res
	}
	if res.RSSSettle, res.HWMSettle, err = procStatus(d.cmd.Process.Pid); err != nil {
		res.Err = err
		return res
	}

	// Edits. The corpus is no longer the cached one until restored.
	if err := os.Remove(markerPath(ci.Dir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		res.Err = err
		return res
	}
	originals := map[string][]byte{}
	restore := func() {
		for path, data := range originals {
			if err := replaceFile(path, data); err != nil {
				b.logf("serve n=%d: cannot restore %s: %v (the corpus will be regenerated next time)", ci.N, path, err)
				return
			}
		}
		if err := writeMarker(ci.Dir, ci.N, ci.Seed); err != nil {
			b.logf("serve n=%d: %v", ci.N, err)
		}
		originals = nil
	}
	b.addCleanup(func() {
		if originals != nil {
			restore()
		}
	})
	defer func() {
		d.stop()
		restore()
	}()

	ents, err := os.ReadDir(ci.Dir)
	if err != nil {
		res.Err = err
		return res
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".txt") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	rng := rand.New(rand.NewPCG(ci.Seed, 0xED17))
	nonce := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	editDate := time.Date(2030, 1, 1, 0, 0, 0, 0, cst)
	for k := 1; k <= b.cfg.edits; k++ {
		path := filepath.Join(ci.Dir, names[rng.IntN(len(names))])
		data, err := os.ReadFile(path)
		if err != nil {
			res.Err = err
			return res
		}
		if _, ok := originals[path]; !ok {
			originals[path] = data
		}
		cats := strings.FieldsFunc(frontMatterValue(data, "categories"), func(r rune) bool {
			return r == ',' || r == ' ' || r == '[' || r == ']'
		})
		if len(cats) == 0 {
			res.Err = fmt.Errorf("%s: no category in front matter", path)
			return res
		}
		cat := cats[0]
		title := fmt.Sprintf("基准更新 %s E%03d", nonce, k)
		newData := titleLineRE.ReplaceAll(data, []byte(`title: "`+title+`"`))
		newData = dateLineRE.ReplaceAll(newData, []byte("date: "+editDate.Add(time.Duration(k)*time.Minute).Format("2006-01-02 15:04:05 -0700")))
		catLat, mainLat, err := b.editOnce(ctx, d, path, newData, title, categoryFeed(cat), layout.FeedKey{}.Path(layout.RSS))
		if err != nil {
			if d.exited() {
				res.Err = d.deadErr()
				return res
			}
			b.logf("serve n=%d: edit %d: %v", ci.N, k, err)
			res.Timeouts++
			if ctx.Err() != nil {
				res.Err = ctx.Err()
				return res
			}
			continue
		}
		res.EditsMade++
		res.Categories = append(res.Categories, cat)
		res.CatLat = append(res.CatLat, catLat.Seconds())
		res.MainLat = append(res.MainLat, mainLat.Seconds())
		res.Latency = append(res.Latency, max(catLat, mainLat).Seconds())
		b.logf("serve n=%d: edit %d/%d (%s): %s", ci.N, k, b.cfg.edits, cat, fmtSec(max(catLat, mainLat).Seconds()))
		if err := sleepCtx(ctx, b.cfg.editGap); err != nil {
			res.Err = err
			return res
		}
	}
	if err := sleepCtx(ctx, b.cfg.settle); err != nil {
		res.Err = err
		return res
	}
	if res.RSSAfter, res.HWMAfter, err = procStatus(d.cmd.Process.Pid); err != nil {
		res.Err = err
	}
	return res
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
