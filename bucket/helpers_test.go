package bucket

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"feedgen/internal/s3test"
	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// One weed for the package's tests; each test takes buckets of its own.
func TestMain(m *testing.M) { os.Exit(s3test.Main(m)) }

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// memManifest is a Manifest in memory, kept like index.Outputs: records
// wait in pending until Flush.
type memManifest struct {
	mu      sync.Mutex
	saved   map[string]memRec
	pending map[string]*memRec
	flushes int
}

type memRec struct {
	rec string
	st  source.Stamp
}

func newManifest() *memManifest {
	return &memManifest{saved: map[string]memRec{}, pending: map[string]*memRec{}}
}

func (m *memManifest) Each(fn func(path, record string, st source.Stamp)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	all := maps.Clone(m.saved)
	for p, r := range m.pending {
		if r == nil {
			delete(all, p)
		} else {
			all[p] = *r
		}
	}
	for p, r := range all {
		fn(p, r.rec, r.st)
	}
	return nil
}

func (m *memManifest) Record(path, record string, st source.Stamp) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if record == "" {
		m.pending[path] = nil
		return
	}
	m.pending[path] = &memRec{record, st}
}

func (m *memManifest) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return nil
	}
	m.flushes++
	for p, r := range m.pending {
		if r == nil {
			delete(m.saved, p)
		} else {
			m.saved[p] = *r
		}
	}
	clear(m.pending)
	return nil
}

// saved is what a process started now would read.
func (m *memManifest) reopen() *memManifest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return &memManifest{saved: maps.Clone(m.saved), pending: map[string]*memRec{}}
}

// file makes a published file.
func file(p, ctype, body string) *snapshot.File {
	return snapshot.NewPlainFile(p, ctype, []byte(body), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
}

// site is a small site: the global feed in three formats, a category, a
// tag with a CJK name, two archive months (the older one settled), the
// pages, the index and the OPML list. v changes the bytes of the global
// feed and its page.
func site(v string) []*snapshot.File {
	var fs []*snapshot.File
	for _, k := range []layout.FeedKey{{Kind: layout.KindAll}, {Kind: layout.KindCategory, Name: "news"}, {Kind: layout.KindTag, Name: "河北"}} {
		ver := ""
		if k.Kind == layout.KindAll {
			ver = v
		}
		for _, f := range layout.Formats {
			fs = append(fs, file(k.Path(f), f.ContentType(), "feed "+k.Path(f)+ver+strings.Repeat(" item", 50)))
		}
		if k.Kind != layout.KindAll {
			fs = append(fs, file(k.PagePath(), layout.TypeHTML, "<p>page "+k.Dir()))
		}
	}
	fs = append(fs,
		file(layout.IndexPath, layout.TypeHTML, "<p>index"+v),
		file(layout.OPMLPath, layout.TypeOPML, "<opml/>"),
		file("/archive/2026/10/rss.xml", layout.TypeRSS, "october").WithCacheControl(layout.ArchiveCacheControl),
		file("/archive/2026/11/rss.xml", layout.TypeRSS, "november"))
	return fs
}

// recorder is a transport that records the S3 requests of a run in order
// ("PUT rel", "DELETE", "LIST") and can make some of them fail.
type recorder struct {
	prefix string // the bucket's path, "/BUCKET/"
	mu     sync.Mutex
	log    []string
	// fail, when set, is asked before each request; a non-nil response
	// or error is returned instead of sending it.
	fail func(req *http.Request) (*http.Response, error)
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	kind := req.Method
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodPut:
		key, _ := url.PathUnescape(strings.TrimPrefix(req.URL.EscapedPath(), r.prefix))
		kind = "PUT " + key
	case req.Method == http.MethodPost && q.Has("delete"):
		kind = "DELETE"
	case req.Method == http.MethodGet && (q.Has("list-type") || q.Has("prefix") || q.Has("delimiter")):
		kind = "LIST"
	}
	r.mu.Lock()
	r.log = append(r.log, kind)
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if resp, err := fail(req); resp != nil || err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return resp, err
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// take returns the requests so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.log
	r.log = nil
	return l
}

// count counts the requests of a kind ("PUT" counts every PUT).
func count(log []string, kind string) int {
	n := 0
	for _, l := range log {
		if l == kind || strings.HasPrefix(l, kind+" ") {
			n++
		}
	}
	return n
}

// env is a bucket of the test server with a recorder in front. Its
// configuration is what ConfigFromEnv reads from s3test's variables
// (newVarsEnv), which a test sets for itself and so cannot run in
// parallel, or the same made without them (newEnv).
type env struct {
	srv    *s3test.Server
	bucket string
	rec    *recorder
	vars   bool
}

// newEnv is an env whose configuration is made without the variables: the
// test may run in parallel.
func newEnv(t *testing.T) *env {
	t.Helper()
	srv := s3test.Need(t)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(strings.TrimPrefix(t.Name(), "Test")))
	b := srv.Bucket(t, name[:min(40, len(name))])
	return &env{srv: srv, bucket: b, rec: &recorder{prefix: "/" + b + "/"}}
}

// newVarsEnv is an env whose configuration ConfigFromEnv reads from the
// variables, as feedgen does: the test cannot run in parallel.
func newVarsEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.vars = true
	return e
}

// config reaches the server through the recorder with the identity.
func (e *env) config(t *testing.T) Config {
	t.Helper()
	if !e.vars {
		return Config{Endpoint: e.srv.URL(), Region: "us-east-1", Transport: e.rec,
			Creds: credentials.NewStaticV4(s3test.AccessKey, s3test.SecretKey, "")}
	}
	e.srv.Env(t)
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	c.Transport = e.rec
	return c
}

func (e *env) publisher(t *testing.T, m Manifest, mod func(*Options)) *Publisher {
	t.Helper()
	o := Options{Target: Target{Bucket: e.bucket}, Config: e.config(t), CacheControl: "public, max-age=300", MaxDeletes: DefaultMaxDeletes}
	if mod != nil {
		mod(&o)
	}
	p, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		p.SetManifest(m)
	}
	return p
}

// publish runs one publish of files to pubs.
func publish(t *testing.T, files []*snapshot.File, pubs ...*Publisher) (Result, error) {
	t.Helper()
	r, err := Begin(context.Background(), pubs, RunOptions{Compact: true})
	if err != nil {
		return Result{}, err
	}
	for _, f := range files {
		if err := r.Put(f); err != nil {
			t.Fatal(err)
		}
	}
	return r.Finish()
}

// stored is what the bucket holds at a key, read with a client of its own.
type stored struct {
	body                string
	ctype, cc, encoding string
}

// objects reads every object of the bucket below prefix, by key.
func (e *env) objects(t *testing.T, prefix string) map[string]stored {
	t.Helper()
	// Without compression: the precompressed objects must come back as
	// they were stored, not decoded by the transport.
	cl, err := e.srv.Client(&http.Transport{DisableCompression: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	out := map[string]stored{}
	for o := range cl.ListObjects(ctx, e.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		obj, err := cl.GetObject(ctx, e.bucket, o.Key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(obj)
		obj.Close()
		if err != nil {
			t.Fatal(err)
		}
		st, err := cl.StatObject(ctx, e.bucket, o.Key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[o.Key] = stored{body: string(b), ctype: st.ContentType, cc: st.Metadata.Get("Cache-Control"), encoding: st.Metadata.Get("Content-Encoding")}
	}
	return out
}

// put stores an object behind feedgen's back.
func (e *env) put(t *testing.T, key, body string) {
	t.Helper()
	cl, err := e.srv.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.PutObject(context.Background(), e.bucket, key, strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// remove deletes an object behind feedgen's back.
func (e *env) remove(t *testing.T, key string) {
	t.Helper()
	cl, err := e.srv.Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.RemoveObject(context.Background(), e.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

var errInjected = errors.New("injected network failure")
