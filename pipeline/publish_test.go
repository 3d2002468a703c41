package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"feedgen/bucket"
	"feedgen/internal/s3test"
	"feedgen/layout"
	"feedgen/watch"
)

// writeArticles writes n articles into dir, each in one of three
// categories and two of a dozen tags, dated a day apart.
func writeArticles(t testing.TB, dir string, n int) {
	t.Helper()
	for i := range n {
		a := article{
			Title:      fmt.Sprintf("文章 %d", i),
			Date:       time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, i).Format("2006-01-02 15:04:05 -0700"),
			Categories: []string{fmt.Sprintf("cat%d", i%3)},
			Tags:       []string{fmt.Sprintf("t%d", i%5), fmt.Sprintf("标签%d", i%7)},
			Link:       fmt.Sprintf("http://news.example.com/a/%d", i),
			Body:       fmt.Sprintf("<p>正文 %d %s</p>", i, strings.Repeat("内容 ", 40)),
		}
		writeAtomic(t, filepath.Join(dir, fmt.Sprintf("a%04d.txt", i)), []byte(a.String()))
	}
}

// s3env points feedgen at the test server and counts its requests.
type s3env struct {
	srv   *s3test.Server
	count *s3test.Counter
	cfg   bucket.Config
}

func newS3env(t testing.TB) *s3env {
	t.Helper()
	srv := s3test.Need(t)
	// The configuration ConfigFromEnv would read from s3test's variables,
	// made without them: tests that set variables cannot run in parallel.
	cfg := bucket.Config{Endpoint: srv.URL(), Region: "us-east-1", Creds: credentials.NewStaticV4(s3test.AccessKey, s3test.SecretKey, "")}
	e := &s3env{srv: srv, count: &s3test.Counter{}, cfg: cfg}
	e.cfg.Transport = e.count
	return e
}

// publishTo is the publish options of one new bucket.
func (e *s3env) publishTo(t testing.TB, name string) (PublishOptions, string) {
	t.Helper()
	b := e.srv.Bucket(t, name)
	return PublishOptions{Targets: []bucket.Target{{Bucket: b}}, Config: e.cfg, MaxDeletes: bucket.DefaultMaxDeletes}, b
}

// tree reads every object of bucket b, keyed like readTree.
func (e *s3env) tree(t testing.TB, b string) map[string][]byte {
	t.Helper()
	cl, err := e.srv.Client(&http.Transport{DisableCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out := map[string][]byte{}
	for o := range cl.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		out["/"+o.Key] = e.get(t, b, o.Key)
	}
	return out
}

// get reads one object ("" when there is none).
func (e *s3env) get(t testing.TB, b, key string) []byte {
	t.Helper()
	cl, err := e.srv.Client(&http.Transport{DisableCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := cl.GetObject(context.Background(), b, key, minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	body, err := io.ReadAll(obj)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
		t.Fatal(err)
	}
	return body
}

func (e *s3env) stat(t testing.TB, b, key string) minio.ObjectInfo {
	t.Helper()
	cl, err := e.srv.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := cl.StatObject(context.Background(), b, key, minio.StatObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestBuildPublish: build -publish mirrors exactly what -out holds, with
// the daemon's headers, with or without -out and a state; a rebuild with
// nothing changed sends no request; an edit uploads what it rewrites on
// disk; the hook gets the changed URLs; an emptied source deletes nothing.
func TestBuildPublish(t *testing.T) {
	parallel(t)
	e := newS3env(t)
	src, out, state := t.TempDir(), t.TempDir(), t.TempDir()
	writeArticles(t, src, 30)
	hookFile := filepath.Join(t.TempDir(), "urls")
	pub, b := e.publishTo(t, "build")
	pub.Hook = "cat >> " + hookFile
	site := testSite(t, "https://feeds.example.com/", 10)
	opts := BuildOptions{Src: src, Out: out, Site: site, State: state, Precompress: true, Publish: pub}
	r, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	disk := readTree(t, out)
	if d := diffTrees("out", disk, "bucket", e.tree(t, b)); d != "" {
		t.Fatalf("first build: the bucket is not what -out holds:\n%s", d)
	}
	if r.Published.Uploaded != len(disk) || r.Written != len(disk) {
		t.Errorf("first build: %d written, %d uploaded; want %d", r.Written, r.Published.Uploaded, len(disk))
	}
	for key, want := range map[string][3]string{
		"rss.xml":                    {layout.TypeRSS, "public, max-age=300", ""},
		"tag/标签1/index.html":         {layout.TypeHTML, "public, max-age=300", ""},
		"feeds.opml":                 {layout.TypeOPML, "public, max-age=300", ""},
		"category/cat1/feed.json.br": {layout.TypeJSON, "public, max-age=300", "br"},
		"atom.xml.gz":                {layout.TypeAtom, "public, max-age=300", "gzip"},
	} {
		st := e.stat(t, b, key)
		if got := [3]string{st.ContentType, st.Metadata.Get("Cache-Control"), st.Metadata.Get("Content-Encoding")}; got != want {
			t.Errorf("%s: Content-Type, Cache-Control, Content-Encoding %q, want %q", key, got, want)
		}
	}
	urls := strings.Fields(readFileString(t, hookFile))
	for _, u := range []string{"https://feeds.example.com/rss.xml", "https://feeds.example.com/tag/%E6%A0%87%E7%AD%BE1/", "https://feeds.example.com/"} {
		if !slices.Contains(urls, u) {
			t.Errorf("the hook was not told of %s", u)
		}
	}
	e.count.Take()

	// Nothing changed: not one request, and no hook.
	r, err = Build(opts)
	if n := e.count.Take(); err != nil || r.Published.Uploaded != 0 || len(n) != 0 {
		t.Errorf("rebuild without change: %+v, %v; requests %v, want none", r.Published, err, n)
	}
	if got := strings.Fields(readFileString(t, hookFile)); len(got) != len(urls) {
		t.Errorf("the hook ran after a publish that changed nothing")
	}

	// An edit of one article (one category, two tags): exactly what is
	// rewritten on disk is uploaded.
	p := filepath.Join(src, "a0007.txt")
	writeAtomic(t, p, bytes.Replace([]byte(readFileString(t, p)), []byte("文章 7"), []byte("改过的文章 7"), 1))
	r, err = Build(opts)
	n := e.count.Take()
	if err != nil || r.Published.Uploaded != r.Written || n[s3test.PUT] != r.Written || n[s3test.LIST] != 0 || n[s3test.DELETE] != 0 {
		t.Errorf("edit: written %d, %+v, %v; requests %v", r.Written, r.Published, err, n)
	}
	t.Logf("an edit of one article in 1 category and 2 tags: %d objects PUT (with -precompress), %d without", n[s3test.PUT], n[s3test.PUT]/3)
	disk = readTree(t, out)
	if d := diffTrees("out", disk, "bucket", e.tree(t, b)); d != "" {
		t.Fatalf("after an edit:\n%s", d)
	}

	// Without -out and without a state: one LIST, the same objects.
	pub2, b2 := e.publishTo(t, "buildonly")
	pub2.MaxDeletes = 10
	only := BuildOptions{Src: src, Site: site, Precompress: true, Publish: pub2}
	if _, err := Build(only); err != nil {
		t.Fatal(err)
	}
	if d := diffTrees("out", disk, "bucket", e.tree(t, b2)); d != "" {
		t.Fatalf("publish without -out:\n%s", d)
	}
	if n := e.count.Take(); n[s3test.LIST] != 1 {
		t.Errorf("without a state: %d LIST, want 1", n[s3test.LIST])
	}

	// The source directory is empty (an unmounted disk): nothing is
	// deleted, and the error names the bound.
	for _, f := range readDirNames(t, src) {
		if err := os.Remove(filepath.Join(src, f)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = Build(only)
	var tooMany *bucket.TooManyDeletesError
	if !errors.As(err, &tooMany) {
		t.Fatalf("build of an empty source: %v; want a refusal", err)
	}
	if n := e.count.Take(); n[s3test.DELETE] != 0 || n[s3test.PUT] != 0 {
		t.Errorf("refused publish sent %v", n)
	}
	if d := diffTrees("out", disk, "bucket", e.tree(t, b2)); d != "" {
		t.Fatalf("after a refused publish:\n%s", d)
	}
}

func readFileString(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(b)
}

func readDirNames(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// fetchingHub is a WebSub hub that, when told a topic changed, reads the
// topic's object from the bucket at once, as a subscriber fetching on the
// ping would: the object must already be the new one.
type fetchingHub struct {
	e      *s3env
	bucket string
	base   string
	mu     sync.Mutex
	seen   map[string][]string // topic path → bodies read at each ping
	pinged chan struct{}
}

func (h *fetchingHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Form.Get("hub.mode") != "publish" {
		http.Error(w, "bad ping", http.StatusBadRequest)
		return
	}
	for _, topic := range r.Form["hub.url"] {
		rest, _ := strings.CutPrefix(topic, h.base)
		key, _ := url.PathUnescape(rest)
		cl, _ := h.e.srv.Client(nil)
		obj, err := cl.GetObject(r.Context(), h.bucket, key, minio.GetObjectOptions{})
		var body []byte
		if err == nil {
			body, _ = io.ReadAll(obj)
			obj.Close()
		}
		h.mu.Lock()
		h.seen["/"+key] = append(h.seen["/"+key], string(body))
		h.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
	select {
	case h.pinged <- struct{}{}:
	default:
	}
}

func (h *fetchingHub) bodies(p string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.seen[p])
}

// servePublish starts a daemon on src that publishes to a new bucket and
// pings hub.
func servePublish(t testing.TB, src string, pub PublishOptions, hub string, log *logBuffer) *Daemon {
	t.Helper()
	return serveWith(t, log, func(o *ServeOptions) {
		o.Src, o.Publish = src, pub
		if hub != "" {
			o.Site.Hubs = []string{hub}
		}
	})
}

// serveWith starts a daemon on a loopback port with a state of its own,
// the options set by mod, and stops it when the test ends.
func serveWith(t testing.TB, log *logBuffer, mod func(*ServeOptions)) *Daemon {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := ServeOptions{Site: testSite(t, "http://"+ln.Addr().String()+"/", 10), Listener: ln, State: filepath.Join(t.TempDir(), "state"),
		Watch: watch.Options{Quiet: 20 * time.Millisecond}, Logger: log.logger()}
	mod(&o)
	d, err := NewDaemon(o)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return d
}

// waitPublished waits, publish after publish, until cond holds.
func waitPublished(t testing.TB, d *Daemon, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		ended := d.PublishEnded()
		if cond() {
			return
		}
		select {
		case <-ended:
		case <-deadline:
			t.Fatalf("not within a minute: %s", what)
		}
	}
}

// TestServePublish: serve -publish keeps the bucket equal to what it
// serves; an edit reaches the object before the hub is told, so the hub
// fetching on the ping reads the new bytes; an emptied source is held,
// reported by /healthz and one log line naming the flag, and nothing is
// deleted.
func TestServePublish(t *testing.T) {
	parallel(t)
	e := newS3env(t)
	src := t.TempDir()
	posts := filepath.Join(src, "posts") // one rename empties the source at once
	if err := os.Mkdir(posts, 0o755); err != nil {
		t.Fatal(err)
	}
	writeArticles(t, posts, 20)
	pub, b := e.publishTo(t, "serve")
	pub.MaxDeletes = 10
	hub := &fetchingHub{e: e, bucket: b, seen: map[string][]string{}, pinged: make(chan struct{}, 1)}
	hs := &http.Server{Handler: hub}
	hl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(hl)
	t.Cleanup(func() { hs.Close() })
	var log logBuffer
	d := servePublish(t, src, pub, "http://"+hl.Addr().String()+"/", &log)
	hub.base = d.opts.Site.BaseURL

	served := func() map[string][]byte { return identities(d.Snapshot()) }
	waitPublished(t, d, "the bucket holds what is served", func() bool { return diffTrees("served", served(), "bucket", e.tree(t, b)) == "" })
	// The first publish told the hub of every feed; the hub read them.
	deadline := time.After(30 * time.Second)
	for len(hub.bodies("/rss.xml")) == 0 {
		select {
		case <-hub.pinged:
		case <-deadline:
			t.Fatal("the hub was not told of the first publish")
		}
	}
	first := len(hub.bodies("/rss.xml"))

	p := filepath.Join(posts, "a0019.txt")
	writeAtomic(t, p, bytes.Replace([]byte(readFileString(t, p)), []byte("文章 19"), []byte("改过的文章 19"), 1))
	waitPublished(t, d, "the edit is in the bucket", func() bool {
		return bytes.Contains(e.get(t, b, "rss.xml"), []byte("改过的文章 19"))
	})
	deadline = time.After(30 * time.Second)
	for !slices.ContainsFunc(hub.bodies("/rss.xml"), func(s string) bool { return strings.Contains(s, "改过的文章 19") }) {
		select {
		case <-hub.pinged:
		case <-deadline:
			t.Fatalf("the hub never read the edited feed at a ping; it read %d versions", len(hub.bodies("/rss.xml")))
		}
	}
	for _, body := range hub.bodies("/rss.xml")[first:] {
		if !strings.Contains(body, "改过的文章 19") {
			t.Errorf("a ping came before the object was uploaded: the hub read %.80q", body)
		}
	}
	before := e.tree(t, b)

	// The source empties (a disk unmounted under it): the publish is held.
	if err := os.Rename(posts, filepath.Join(t.TempDir(), "gone")); err != nil {
		t.Fatal(err)
	}
	waitPublished(t, d, "the publish is held", func() bool { return slices.Contains(d.degraded(), "publish_held") })
	if d := diffTrees("before", before, "bucket", e.tree(t, b)); d != "" {
		t.Errorf("a held publish changed the bucket:\n%s", d)
	}
	if n := log.count("publish_held"); n != 1 || log.count("-publish-max-deletes") != 1 {
		t.Errorf("%d log lines about the hold, want 1:\n%s", n, log.String())
	}
}
