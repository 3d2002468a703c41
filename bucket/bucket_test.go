package bucket

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/andybalholm/brotli"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// checkMirror asserts that the bucket holds exactly files below prefix (and
// their precompressed forms with pre), each with the headers the daemon
// would send, plus the keys in others.
func checkMirror(t *testing.T, e *env, prefix string, files []*snapshot.File, pre bool, others ...string) {
	t.Helper()
	got := e.objects(t, prefix)
	want := len(files) + len(others)
	if pre {
		want += 2 * len(files)
	}
	if len(got) != want {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range got {
				if !yield(k) {
					return
				}
			}
		})
		t.Errorf("bucket holds %d objects, want %d: %q", len(got), want, keys)
	}
	for _, f := range files {
		key := prefix + strings.TrimPrefix(f.Path, "/")
		id, _ := f.Identity()
		cc := f.CacheControl
		if cc == "" {
			cc = "public, max-age=300"
		}
		o, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s: missing", key)
			continue
		case o.body != string(id):
			t.Errorf("%s: body %q, want %q", key, o.body, id)
		case o.ctype != f.ContentType || o.cc != cc || o.encoding != "":
			t.Errorf("%s: Content-Type %q, Cache-Control %q, Content-Encoding %q; want %q, %q, none", key, o.ctype, o.cc, o.encoding, f.ContentType, cc)
		}
		if !pre {
			continue
		}
		for _, enc := range []string{"gzip", "br"} {
			k := key + map[string]string{"gzip": ".gz", "br": ".br"}[enc]
			o := got[k]
			var r io.Reader
			if enc == "gzip" {
				zr, err := gzip.NewReader(strings.NewReader(o.body))
				if err != nil {
					t.Errorf("%s: not gzip: %v", k, err)
					continue
				}
				r = zr
			} else {
				r = brotli.NewReader(strings.NewReader(o.body))
			}
			plain, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(plain, id) {
				t.Errorf("%s: decodes to %q, %v; want %q", k, plain, err, id)
			}
			if o.ctype != f.ContentType || o.cc != cc || o.encoding != enc {
				t.Errorf("%s: Content-Type %q, Cache-Control %q, Content-Encoding %q; want %q, %q, %q", k, o.ctype, o.cc, o.encoding, f.ContentType, cc, enc)
			}
		}
	}
}

// checkOrder asserts that the PUTs of log go archive documents first, then
// pages, feeds, the index and the OPML list, and that deletions come last.
func checkOrder(t *testing.T, log []string) {
	t.Helper()
	last, deleted := phaseFirst, false
	for _, l := range log {
		rel, ok := strings.CutPrefix(l, "PUT ")
		if !ok {
			deleted = deleted || l == "DELETE"
			continue
		}
		if deleted {
			t.Errorf("%s after a deletion: %q", l, log)
		}
		for _, s := range []string{snapshot.SuffixGzip, snapshot.SuffixBrotli} {
			rel = strings.TrimSuffix(rel, s)
		}
		ph := phaseOf("/" + rel)
		if ph < last {
			t.Errorf("%s (phase %d) after phase %d: %q", l, ph, last, log)
		}
		last = ph
	}
}

// TestPublishMirrorsAndOrders: a first publish uploads every file and its
// precompressed forms with their headers, in phase order; the next one,
// with nothing changed, sends no request at all, also from a new process
// that reads the manifest; without a manifest it LISTs once and uploads
// nothing. Its configuration is read from the variables, as feedgen reads
// it; the parallel tests make the same without them.
func TestPublishMirrorsAndOrders(t *testing.T) {
	e := newVarsEnv(t)
	m := newManifest()
	pre := func(o *Options) { o.Precompress = true }
	p := e.publisher(t, m, pre)
	files := site("1")
	res, err := publish(t, files, p)
	if err != nil {
		t.Fatal(err)
	}
	log := e.rec.take()
	if res.Uploaded != 3*len(files) || count(log, "PUT") != 3*len(files) || res.Deleted != 0 || len(res.Changed) != 3*len(files) {
		t.Errorf("first publish: %v, %d PUT; want %d uploads", res, count(log, "PUT"), 3*len(files))
	}
	if n := count(log, "LIST"); n != 1 {
		t.Errorf("first publish with an empty manifest: %d LIST, want 1", n)
	}
	checkOrder(t, log)
	checkMirror(t, e, "", files, true)

	for _, c := range []struct {
		name      string
		p         *Publisher
		wantLists int
	}{
		{"same process", p, 0},
		{"new process with the state", e.publisher(t, m.reopen(), pre), 0},
		{"no state", e.publisher(t, nil, pre), 1},
	} {
		res, err := publish(t, site("1"), c.p)
		log := e.rec.take()
		if err != nil || res.Uploaded != 0 || res.Deleted != 0 || res.Unchanged != 3*len(files) {
			t.Errorf("%s: no change: %v, %v", c.name, res, err)
		}
		if count(log, "PUT") != 0 || count(log, "DELETE") != 0 || count(log, "LIST") != c.wantLists || len(log) != c.wantLists {
			t.Errorf("%s: no change sent %q, want %d LIST and nothing else", c.name, log, c.wantLists)
		}
	}
}

// TestPublishIncremental: an edit uploads only the objects whose bytes
// changed; files that go are deleted, after every upload; a change of the
// Cache-Control of every file re-uploads them.
func TestPublishIncremental(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newManifest()
	p := e.publisher(t, m, nil)
	if _, err := publish(t, site("1"), p); err != nil {
		t.Fatal(err)
	}
	e.rec.take()

	files := site("2") // the global feed's three files and the index change
	res, err := publish(t, files, p)
	log := e.rec.take()
	want := []string{"/atom.xml", "/feed.json", "/index.html", "/rss.xml"}
	if err != nil || !slices.Equal(res.Changed, want) || res.Uploaded != 4 || count(log, "PUT") != 4 || len(log) != 4 {
		t.Errorf("edit: %v %q, %v; sent %q; want the 4 changed files PUT", res, res.Changed, err, log)
	}
	checkOrder(t, log)
	checkMirror(t, e, "", files, false)

	// The tag goes: its three feeds and its page are deleted, last.
	var kept []*snapshot.File
	for _, f := range files {
		if !strings.HasPrefix(f.Path, "/tag/") {
			kept = append(kept, f)
		}
	}
	kept[len(kept)-4] = file(layout.IndexPath, layout.TypeHTML, "<p>index without the tag")
	res, err = publish(t, kept, p)
	log = e.rec.take()
	if err != nil || res.Deleted != 4 || res.Uploaded != 1 || count(log, "DELETE") != 1 {
		t.Errorf("removal: %v, %v; sent %q", res, err, log)
	}
	checkOrder(t, log)
	checkMirror(t, e, "", kept, false)

	// Another Cache-Control: every object but the settled archive month
	// is uploaded again with it.
	p2 := e.publisher(t, m.reopen(), func(o *Options) { o.CacheControl = "public, max-age=60" })
	res, err = publish(t, kept, p2)
	if err != nil || res.Uploaded != len(kept)-1 {
		t.Errorf("new Cache-Control: %v, %v; want %d uploads", res, err, len(kept)-1)
	}
	for k, o := range e.objects(t, "") {
		if want := "public, max-age=60"; k == "archive/2026/10/rss.xml" {
			want = layout.ArchiveCacheControl
			if o.cc != want {
				t.Errorf("%s: Cache-Control %q, want %q", k, o.cc, want)
			}
		} else if o.cc != want {
			t.Errorf("%s: Cache-Control %q, want %q", k, o.cc, want)
		}
	}
}

// TestKeep: a build asks whether a file it has not rendered is in the
// bucket already; yes only when every target holds its bytes, its
// precompressed forms and the headers this run would give it.
func TestKeep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newManifest()
	pre := func(o *Options) { o.Precompress = true }
	files := site("1")
	if _, err := publish(t, files, e.publisher(t, m, pre)); err != nil {
		t.Fatal(err)
	}
	e.rec.take()
	feed, arch := files[0], files[len(files)-2]
	for _, c := range []struct {
		name       string
		mod        func(*Options)
		path, etag string
		want       bool
	}{
		{"unchanged feed", pre, feed.Path, feed.ETag, true},
		{"unchanged settled archive month", pre, arch.Path, arch.ETag, true},
		{"other bytes", pre, feed.Path, snapshot.ETagOf([]byte("x")), false},
		{"never published", pre, "/tag/new/rss.xml", feed.ETag, false},
		{"no precompressed forms asked", nil, feed.Path, feed.ETag, true},
		{"other Cache-Control", func(o *Options) { o.Precompress = true; o.CacheControl = "no-cache" }, feed.Path, feed.ETag, false},
		{"archive keeps its own Cache-Control", func(o *Options) { o.Precompress = true; o.CacheControl = "no-cache" }, arch.Path, arch.ETag, true},
	} {
		r, err := Begin(context.Background(), []*Publisher{e.publisher(t, m.reopen(), c.mod)}, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Keep(c.path, c.etag); got != c.want {
			t.Errorf("%s: Keep = %v, want %v", c.name, got, c.want)
		}
		r.Abort()
	}
	if log := e.rec.take(); len(log) != 0 {
		t.Errorf("Keep sent requests: %q", log)
	}
}

// TestMaxDeletes: a publish that would delete more than the bound refuses,
// uploads none of the pages, feeds or index and deletes nothing; Sync
// refuses before uploading anything at all; a bound of -1 allows it.
func TestMaxDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newManifest()
	files := site("1")
	p := e.publisher(t, m, func(o *Options) { o.MaxDeletes = 3 })
	if _, err := publish(t, files, p); err != nil {
		t.Fatal(err)
	}
	e.rec.take()
	// The source directory is empty: only an empty global feed, its
	// index and the OPML list are left.
	empty := []*snapshot.File{
		file("/rss.xml", layout.TypeRSS, "empty"), file("/atom.xml", layout.TypeAtom, "empty"), file("/feed.json", layout.TypeJSON, "empty"),
		file(layout.IndexPath, layout.TypeHTML, "empty"), file(layout.OPMLPath, layout.TypeOPML, "<opml/>"),
	}
	_, err := publish(t, empty, p)
	var tooMany *TooManyDeletesError
	if !errors.As(err, &tooMany) || tooMany.Deletes != 10 || tooMany.Max != 3 {
		t.Fatalf("publish of an emptied site: %v; want a refusal of 10 deletions", err)
	}
	if log := e.rec.take(); len(log) != 0 {
		t.Errorf("a refused publish sent %q", log)
	}
	checkMirror(t, e, "", files, false)

	snap := snapshot.New(empty, snapshot.Stats{})
	r, err := Begin(context.Background(), []*Publisher{p}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Sync(r, snap); !errors.As(err, &tooMany) {
		t.Fatalf("Sync: %v; want a refusal", err)
	}
	if log := e.rec.take(); len(log) != 0 {
		t.Errorf("a refused Sync sent %q", log)
	}

	p = e.publisher(t, m.reopen(), func(o *Options) { o.MaxDeletes = -1 })
	r, err = Begin(context.Background(), []*Publisher{p}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := Sync(r, snap); err != nil || res.Deleted != 10 {
		t.Fatalf("Sync without a bound: %v, %v", res, err)
	}
	checkMirror(t, e, "", empty, false)
}

// TestLeavesOthersAlone: without a record a publish deletes only keys
// named like feedgen's files, and only below its prefix; with a record,
// only what it uploaded.
func TestLeavesOthersAlone(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.put(t, "site/images/logo.png", "png")
	e.put(t, "site/robots.txt", "robots")
	e.put(t, "site/tag/old/rss.xml", "a stale feed of an earlier publish")
	e.put(t, "other/rss.xml", "another site")
	target := Target{Bucket: e.bucket, Prefix: "site/"}
	files := site("1")
	res, err := publish(t, files, e.publisher(t, nil, func(o *Options) { o.Target = target }))
	if err != nil || res.Deleted != 1 || res.Uploaded != len(files) {
		t.Fatalf("%v, %v; want every file uploaded and the stale feed deleted", res, err)
	}
	checkMirror(t, e, "site/", files, false, "site/images/logo.png", "site/robots.txt")
	if _, ok := e.objects(t, "other/")["other/rss.xml"]; !ok {
		t.Error("a key outside the prefix was deleted")
	}

	m := newManifest()
	if _, err := publish(t, files, e.publisher(t, m, func(o *Options) { o.Target = target })); err != nil {
		t.Fatal(err)
	}
	e.put(t, "site/tag/new/rss.xml", "put by hand after the record")
	if res, err := publish(t, files[:len(files)-1], e.publisher(t, m.reopen(), func(o *Options) { o.Target = target })); err != nil || res.Deleted != 1 {
		t.Fatalf("%v, %v; want the one file that went deleted", res, err)
	}
	checkMirror(t, e, "site/", files[:len(files)-1], false, "site/images/logo.png", "site/robots.txt", "site/tag/new/rss.xml")
}

// TestRetries: throttling (503 SlowDown), a 500 and a dropped connection
// are retried, and the publish completes.
func TestRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var slow, internal, dropped atomic.Int32
	e.rec.fail = func(req *http.Request) (*http.Response, error) {
		if req.Method != http.MethodPut {
			return nil, nil
		}
		switch {
		case strings.HasSuffix(req.URL.Path, "/rss.xml") && slow.Add(1) <= 2:
			return s3Error(req, http.StatusServiceUnavailable, "SlowDown"), nil
		case strings.HasSuffix(req.URL.Path, "/atom.xml") && internal.Add(1) <= 1:
			return s3Error(req, http.StatusInternalServerError, "InternalError"), nil
		case strings.HasSuffix(req.URL.Path, "/feed.json") && dropped.Add(1) <= 1:
			return nil, errInjected
		}
		return nil, nil
	}
	files := site("1")
	res, err := publish(t, files, e.publisher(t, newManifest(), nil))
	if err != nil || res.Uploaded != len(files) {
		t.Fatalf("%v, %v", res, err)
	}
	if slow.Load() < 3 || internal.Load() < 2 || dropped.Load() < 2 {
		t.Errorf("attempts: rss.xml %d, atom.xml %d, feed.json %d; want each retried", slow.Load(), internal.Load(), dropped.Load())
	}
	checkMirror(t, e, "", files, false)
}

// s3Error is a response of the store refusing req with code.
func s3Error(req *http.Request, status int, code string) *http.Response {
	body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>` + code + `</Code><Message>injected</Message></Error>`
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: req}
}

// TestBadCredentials: refused credentials stop the run at once with one
// message that names the variables.
func TestBadCredentials(t *testing.T) {
	e := newVarsEnv(t)
	e.config(t)
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	c, err := ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	c.Transport = e.rec
	for _, m := range []*memManifest{nil, trustedEmpty()} {
		p, err := New(Options{Target: Target{Bucket: e.bucket}, Config: c, MaxDeletes: -1})
		if err != nil {
			t.Fatal(err)
		}
		if m != nil {
			p.SetManifest(m)
		}
		_, err = publish(t, site("1"), p)
		log := e.rec.take()
		if err == nil || !strings.Contains(err.Error(), "refused the credentials") || !strings.Contains(err.Error(), "AWS_SECRET_ACCESS_KEY") ||
			strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("manifest %v: %v; want one line naming the variables", m != nil, err)
		}
		if n := count(log, "PUT"); n > DefaultConcurrency+1 {
			t.Errorf("manifest %v: %d PUTs after the credentials were refused", m != nil, n)
		}
	}
}

// trustedEmpty is the manifest of a bucket known to be empty.
func trustedEmpty() *memManifest {
	m := newManifest()
	m.Record(runKey, runDone, source.Stamp{})
	_ = m.Flush()
	return m
}

// TestCutShort: a publish killed half-way leaves every key with the old
// bytes or the new; the next run knows from the state that it was cut
// short, reconciles with one LIST, and uploads only what is still old.
func TestCutShort(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newManifest()
	old := site("1")
	if _, err := publish(t, old, e.publisher(t, m, nil)); err != nil {
		t.Fatal(err)
	}
	e.rec.take()
	ctx, kill := context.WithCancel(context.Background())
	var puts atomic.Int32
	var killed atomic.Pointer[memManifest]
	e.rec.fail = func(req *http.Request) (*http.Response, error) {
		if req.Method == http.MethodPut && puts.Add(1) > 2 {
			// The process dies: what its state had saved is what the
			// next one reads.
			killed.CompareAndSwap(nil, m.reopen())
			kill()
			return nil, context.Canceled
		}
		return nil, nil
	}
	files := site("2")
	changed := make([]*snapshot.File, len(files)) // every file changes
	for i, f := range files {
		id, _ := f.Identity()
		changed[i] = file(f.Path, f.ContentType, string(id)+" v2").WithCacheControl(f.CacheControl)
	}
	r, err := Begin(ctx, []*Publisher{e.publisher(t, m, func(o *Options) { o.Concurrency = 1 })}, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range changed {
		_ = r.Put(f)
	}
	if _, err := r.Finish(); err == nil {
		t.Fatal("a killed publish reported no error")
	}
	e.rec.fail = nil
	oldBody := map[string]string{}
	for _, f := range old {
		id, _ := f.Identity()
		oldBody[strings.TrimPrefix(f.Path, "/")] = string(id)
	}
	for k, o := range e.objects(t, "") {
		if o.body != oldBody[k] && o.body != oldBody[k]+" v2" {
			t.Errorf("%s: %q is neither the old bytes nor the new", k, o.body)
		}
	}
	e.rec.take()
	next := killed.Load()
	res, err := publish(t, changed, e.publisher(t, next, nil))
	log := e.rec.take()
	if err != nil || count(log, "LIST") != 1 || res.Uploaded != len(changed)-2 {
		t.Errorf("resume: %v, %v, sent %q; want one LIST and the %d files not yet uploaded", res, err, log, len(changed)-2)
	}
	checkMirror(t, e, "", changed, false)
	if res, err := publish(t, changed, e.publisher(t, next.reopen(), nil)); err != nil || res.Uploaded != 0 || len(e.rec.take()) != 0 {
		t.Errorf("after the resume: %v, %v; want nothing to do, and no LIST", res, err)
	}
}

// TestVerify: a bucket changed by another hand is not looked at by a run
// that trusts its state; -publish-verify reconciles it with one LIST.
func TestVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := newManifest()
	files := site("1")
	if _, err := publish(t, files, e.publisher(t, m, nil)); err != nil {
		t.Fatal(err)
	}
	e.remove(t, "rss.xml")
	e.put(t, "atom.xml", "tampered")
	e.rec.take()
	if res, err := publish(t, files, e.publisher(t, m.reopen(), nil)); err != nil || res.Uploaded != 0 || len(e.rec.take()) != 0 {
		t.Errorf("trusting the state: %v, %v", res, err)
	}
	res, err := publish(t, files, e.publisher(t, m.reopen(), func(o *Options) { o.Verify = true }))
	log := e.rec.take()
	if err != nil || res.Uploaded != 2 || count(log, "LIST") != 1 || !slices.Equal(res.Changed, []string{"/atom.xml", "/rss.xml"}) {
		t.Errorf("verify: %v %q, %v; sent %q", res, res.Changed, err, log)
	}
	checkMirror(t, e, "", files, false)
}

// TestTwoTargets: one run keeps two buckets.
func TestTwoTargets(t *testing.T) {
	t.Parallel()
	a, b := newEnv(t), newEnv(t)
	files := site("1")
	res, err := publish(t, files, a.publisher(t, newManifest(), nil), b.publisher(t, newManifest(), nil))
	if err != nil || res.Uploaded != 2*len(files) || len(res.Changed) != len(files) {
		t.Fatalf("%v, %v", res, err)
	}
	checkMirror(t, a, "", files, false)
	checkMirror(t, b, "", files, false)
}
