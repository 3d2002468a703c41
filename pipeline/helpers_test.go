package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/metrics"
	"feedgen/snapshot"
	"feedgen/watch"
)

// seedsDir is the sample source directory shipped with the repository.
const seedsDir = "../seeds"

// testSite returns a normalised site configuration whose base URL is base.
func testSite(t testing.TB, base string, limit int) config.Config {
	t.Helper()
	cfg := config.Config{
		BaseURL:     base,
		Title:       "Pipeline test feeds",
		Description: "feeds built by the pipeline tests",
		Limit:       limit,
	}
	if err := cfg.Normalize(); err != nil {
		t.Fatalf("site config: %v", err)
	}
	return cfg
}

// copyDir copies the regular files and directories of src into dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := copyTree(src, dst); err != nil {
		t.Fatalf("copy %s to %s: %v", src, dst, err)
	}
}

// copyTree is copyDir for callers without a test.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}

// writeAtomic saves data at path the way editors do: the bytes go to a
// hidden temporary file beside it, which is then renamed over path.
func writeAtomic(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// readTree returns every regular file below dir keyed by its slash path
// with a leading slash, the form snapshot paths have.
func readTree(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	files, err := tryReadTree(dir)
	if err != nil {
		t.Fatalf("read tree %s: %v", dir, err)
	}
	return files
}

// tryReadTree is readTree for callers that poll while the tree changes.
func tryReadTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files["/"+filepath.ToSlash(rel)] = data
		return nil
	})
	return files, err
}

// eventually polls cond every few milliseconds until it reports true, and
// fails the test with cond's last explanation when timeout passes first.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, detail := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true after %v: %s", what, timeout, detail)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// daemonConfig is what a test varies when it starts a daemon.
type daemonConfig struct {
	src   string
	out   string // empty: no output directory
	limit int    // config.DefaultLimit when 0
	watch watch.Options
	// wrapListener, when set, wraps the listener the daemon is given.
	wrapListener func(net.Listener) net.Listener
	// state is the state directory ("": a temporary one).
	state string
	// archive turns on RFC 5005 archive documents (-archive).
	archive bool
	// addr is the address to listen on ("": a port chosen by the kernel);
	// a restarted daemon keeps its address, and so its base URL.
	addr string
	// metrics and metricsAddr are ServeOptions.Metrics and MetricsAddr.
	metrics     *metrics.Metrics
	metricsAddr string
	// logger receives the daemon's log (nil: discarded).
	logger *slog.Logger
	// tune, when set, adjusts the daemon before it runs (fastOutRetries).
	tune func(*Daemon)
}

// testDaemon is a running daemon and an HTTP client for it.
type testDaemon struct {
	d      *Daemon
	base   string // http://127.0.0.1:port/
	site   config.Config
	src    string
	out    string
	client *http.Client
	cancel context.CancelFunc
	done   chan struct{}
	runErr error // written by the Run goroutine before done is closed

	stopOnce sync.Once
	stopErr  error
}

// startDaemon starts a daemon on a port chosen by the kernel and stops it
// when the test ends.
func startDaemon(t testing.TB, c daemonConfig) *testDaemon {
	t.Helper()
	td, err := launchDaemon(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := td.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return td
}

// launchDaemon starts a daemon for startDaemon or for a daemon that
// several tests share (sharedSeedsDaemon); the caller stops it.
func launchDaemon(c daemonConfig) (*testDaemon, error) {
	addr := c.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if c.wrapListener != nil {
		ln = c.wrapListener(ln)
	}
	base := "http://" + ln.Addr().String() + "/"
	limit := c.limit
	if limit == 0 {
		limit = config.DefaultLimit
	}
	site := config.Config{
		BaseURL:     base,
		Title:       "Pipeline test feeds",
		Description: "feeds built by the pipeline tests",
		Limit:       limit,
		Archive:     c.archive,
	}
	if err := site.Normalize(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("site config: %w", err)
	}
	d, err := NewDaemon(ServeOptions{
		Src:      c.src,
		Site:     site,
		Listener: ln,
		Out:      c.out,
		Watch:    c.watch,
		State:    c.state,
		Logger:   c.logger,

		Metrics:     c.metrics,
		MetricsAddr: c.metricsAddr,
	})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("NewDaemon: %w", err)
	}
	if c.tune != nil {
		c.tune(d)
	}
	tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
	td := &testDaemon{
		d:      d,
		base:   base,
		site:   site,
		src:    c.src,
		out:    c.out,
		client: &http.Client{Transport: tr, Timeout: 10 * time.Second},
		done:   make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	td.cancel = cancel
	go func() {
		defer close(td.done)
		td.runErr = d.Run(ctx)
	}()
	return td, nil
}

// subtest is a named subtest for runAtOnce.
type subtest struct {
	name string
	fn   func(t *testing.T)
}

// runAtOnce runs the subtests of t all at once, each t.Run from a
// goroutine of its own, and returns when all are done. A long test's runs
// then start together as soon as the test starts, rather than each waiting
// (as t.Parallel subtests do) for a -parallel slot behind every other
// parallel test of the package, which put them at the end of the package's
// run, one after the other.
func runAtOnce(t *testing.T, subs []subtest) {
	t.Helper()
	var wg sync.WaitGroup
	for _, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(s.name, s.fn)
		}()
	}
	wg.Wait()
}

// stop cancels the daemon and returns what Run returned. It may be called
// more than once.
func (td *testDaemon) stop() error {
	td.stopOnce.Do(func() {
		td.cancel()
		select {
		case <-td.done:
			td.stopErr = td.runErr
		case <-time.After(20 * time.Second):
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			td.stopErr = fmt.Errorf("Run did not return 20s after cancel; goroutines:\n%s", buf)
		}
		if tr, ok := td.client.Transport.(*http.Transport); ok {
			tr.CloseIdleConnections()
		}
	})
	return td.stopErr
}

// urlOf is the URL of a snapshot path (UTF-8, leading slash), each segment
// percent-encoded as the index page encodes it.
func (td *testDaemon) urlOf(p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return td.base + strings.Join(segs, "/")
}

// response is what a request returned, body read in full.
type response struct {
	code int
	hdr  http.Header
	body []byte
}

// do sends one request. target is a snapshot path (UTF-8 allowed), which
// is percent-encoded, or a request path that already holds a %-escape,
// which is sent as it is.
func (td *testDaemon) do(t testing.TB, method, target string, hdr map[string]string) response {
	t.Helper()
	r, err := td.try(method, target, hdr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return r
}

// try is do for callers that poll: it returns errors instead of failing.
func (td *testDaemon) try(method, target string, hdr map[string]string) (response, error) {
	u := td.urlOf(target)
	if strings.Contains(target, "%") {
		u = td.base + strings.TrimPrefix(target, "/")
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return response{}, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := td.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	return response{code: res.StatusCode, hdr: res.Header, body: body}, nil
}

// get fetches path and fails the test unless the answer is 200.
func (td *testDaemon) get(t testing.TB, p string) []byte {
	t.Helper()
	r := td.do(t, http.MethodGet, p, nil)
	if r.code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", p, r.code)
	}
	return r.body
}

// health is the /healthz document.
type health struct {
	Status   string `json:"status"`
	Articles int    `json:"articles"`
	Invalid  int    `json:"invalid"`
	Feeds    int    `json:"feeds"`
	Files    int    `json:"files"`
	Updated  string `json:"updated"`
}

func (td *testDaemon) health(t testing.TB) health {
	t.Helper()
	var h health
	if err := json.Unmarshal(td.get(t, "/healthz"), &h); err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	return h
}

// served fetches every path of the current snapshot over HTTP. It returns
// an error rather than failing so that callers can poll with it.
func (td *testDaemon) served() (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, p := range td.d.Snapshot().Paths() {
		r, err := td.try(http.MethodGet, p, nil)
		if err != nil {
			return nil, err
		}
		if r.code != http.StatusOK {
			return nil, fmt.Errorf("GET %s: status %d", p, r.code)
		}
		files[p] = r.body
	}
	return files, nil
}

// snapshotFiles returns the identity bytes of the snapshot being served
// (its files may be compact: Body nil, the bytes only in gzip form).
func (td *testDaemon) snapshotFiles() map[string][]byte {
	return identities(td.d.Snapshot())
}

// identities returns the identity bytes of every file of s. A file whose
// gzip form does not decompress gets a marker that equals no real body, so
// that comparisons fail and name it.
func identities(s *snapshot.Snapshot) map[string][]byte {
	files := make(map[string][]byte, s.Len())
	for _, p := range s.Paths() {
		b, err := s.Get(p).Identity()
		if err != nil {
			b = []byte("identity: " + err.Error())
		}
		files[p] = b
	}
	return files
}

// snapshotTags maps every file of s to its strong ETag (a hash of its
// identity bytes), for snapshots whose lazy files can no longer render.
func snapshotTags(s *snapshot.Snapshot) map[string][]byte {
	tags := make(map[string][]byte, s.Len())
	for _, p := range s.Paths() {
		tags[p] = []byte(s.Get(p).ETag)
	}
	return tags
}

// waitGzip polls each path with Accept-Encoding: gzip until the answer is
// gzip-encoded and fails the test after timeout. The daemon publishes a
// change uncompressed first and compresses it in the background, so a test
// that wants the gzip form waits for it rather than expecting it at once.
func waitGzip(t testing.TB, client *http.Client, base string, timeout time.Duration, paths ...string) {
	t.Helper()
	for _, p := range paths {
		u := base + escapePath(p)
		eventually(t, timeout, "gzip form of "+p, func() (bool, string) {
			req, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return false, err.Error()
			}
			req.Header.Set("Accept-Encoding", "gzip")
			res, err := client.Do(req)
			if err != nil {
				return false, err.Error()
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			ce := res.Header.Get("Content-Encoding")
			return res.StatusCode == http.StatusOK && ce == "gzip", fmt.Sprintf("status %d, Content-Encoding %q", res.StatusCode, ce)
		})
	}
}

// compressWait bounds a wait for the daemon's background compression:
// gzip and Brotli forms of every file, which under -race on two busy
// cores take seconds. The waits poll, so a generous bound costs nothing.
const compressWait = time.Minute

// waitGzip waits for the gzip form of each path (see the function).
func (td *testDaemon) waitGzip(t testing.TB, paths ...string) {
	t.Helper()
	waitGzip(t, td.client, strings.TrimSuffix(td.base, "/"), compressWait, paths...)
}

// escapePath percent-encodes each segment of a snapshot path, as the index
// page does.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// diffTrees describes the first difference between two file sets, or
// returns "" when they are equal.
func diffTrees(wantName string, want map[string][]byte, gotName string, got map[string][]byte) string {
	var paths []string
	for p := range want {
		paths = append(paths, p)
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	for _, p := range paths {
		w, inWant := want[p]
		g, inGot := got[p]
		switch {
		case !inWant:
			return fmt.Sprintf("%s: only in %s", p, gotName)
		case !inGot:
			return fmt.Sprintf("%s: only in %s", p, wantName)
		case !bytes.Equal(w, g):
			return fmt.Sprintf("%s differs:\n%s", p, shortDiff(wantName, w, gotName, g))
		}
	}
	return ""
}

// shortDiff shows the first differing line of a and b with a little
// context.
func shortDiff(aName string, a []byte, bName string, b []byte) string {
	al := strings.Split(string(a), "\n")
	bl := strings.Split(string(b), "\n")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	line := func(ls []string, i int) string {
		if i >= len(ls) {
			return "<EOF>"
		}
		s := ls[i]
		if len(s) > 400 {
			s = s[:400] + "…"
		}
		return s
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "  first difference at line %d (of %d / %d)\n", i+1, len(al), len(bl))
	if i > 0 {
		fmt.Fprintf(&sb, "  context: %s\n", line(al, i-1))
	}
	fmt.Fprintf(&sb, "  %s: %s\n  %s: %s", aName, line(al, i), bName, line(bl, i))
	return sb.String()
}

// gunzip decompresses a gzip body.
func gunzip(t testing.TB, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return out
}

// rssItem is the part of an RSS item the tests look at.
type rssItem struct {
	Title string `xml:"title"`
	GUID  string `xml:"guid"`
	Link  string `xml:"link"`
}

// rssItems parses an RSS document's items.
func rssItems(b []byte) ([]rssItem, error) {
	var doc struct {
		Channel struct {
			Items []rssItem `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	return doc.Channel.Items, nil
}

// countTitle counts the items of an RSS document titled title.
func countTitle(b []byte, title string) (int, error) {
	items, err := rssItems(b)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if it.Title == title {
			n++
		}
	}
	return n, nil
}

// article is the source of one test article.
type article struct {
	Title      string
	Date       string
	Categories []string
	Tags       []string
	Link       string // original URL; empty means none
	NavName    string // category name on the navigation line; empty: no nav line
	Body       string
}

// String renders the article in the seeds' format: YAML front matter, an
// HTML body, the original URL in angle brackets and a navigation line.
func (a article) String() string {
	var b strings.Builder
	b.WriteString("---\nlayout: post\n")
	fmt.Fprintf(&b, "title: %q\n", a.Title)
	if a.Date != "" {
		fmt.Fprintf(&b, "date: %s\n", a.Date)
	}
	if len(a.Categories) > 0 {
		fmt.Fprintf(&b, "categories: %s\n", strings.Join(a.Categories, " "))
	}
	if len(a.Tags) > 0 {
		q := make([]string, len(a.Tags))
		for i, tg := range a.Tags {
			q[i] = fmt.Sprintf("%q", tg)
		}
		fmt.Fprintf(&b, "tags: [%s]\n", strings.Join(q, ", "))
	}
	b.WriteString("---\n")
	body := a.Body
	if body == "" {
		body = "<p>" + a.Title + "</p>"
	}
	b.WriteString(body + "\n")
	if a.Link != "" {
		fmt.Fprintf(&b, "\n<%s>\n", a.Link)
	}
	if a.NavName != "" && len(a.Categories) > 0 {
		fmt.Fprintf(&b, "\n[返回%s](//news.example.com/category/%s.html)｜[返回首页](//news.example.com/)", a.NavName, a.Categories[0])
	}
	return b.String()
}

// gateListener hands out connections normally, except that the first one
// accepted after arm is called writes nothing until its gate is released:
// a client that does not read, on a network where that fills the buffers.
type gateListener struct {
	net.Listener
	armed chan *gate
}

// gate holds back the writes of one connection.
type gate struct {
	writing chan struct{} // closed when the server first tries to write
	release chan struct{} // closed by the test to let the writes through
	once    sync.Once
}

func newGateListener(ln net.Listener) *gateListener {
	return &gateListener{Listener: ln, armed: make(chan *gate, 1)}
}

// arm returns the gate of the next connection accepted.
func (l *gateListener) arm() *gate {
	g := &gate{writing: make(chan struct{}), release: make(chan struct{})}
	l.armed <- g
	return g
}

func (l *gateListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	select {
	case g := <-l.armed:
		return &gatedConn{Conn: c, g: g}, nil
	default:
		return c, nil
	}
}

type gatedConn struct {
	net.Conn
	g *gate
}

func (c *gatedConn) Write(b []byte) (int, error) {
	c.g.once.Do(func() { close(c.g.writing) })
	<-c.g.release
	return c.Conn.Write(b)
}
