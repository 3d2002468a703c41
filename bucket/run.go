package bucket

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// Result counts what a run did, over all its targets.
type Result struct {
	Uploaded  int // objects PUT
	Deleted   int // objects deleted
	Unchanged int // objects that already held the right bytes
	// Changed are the published paths ("/rss.xml", "/rss.xml.gz") whose
	// object was uploaded or deleted on some target, sorted, each once:
	// what a CDN must purge and WebSub hubs be told of.
	Changed []string
}

// RunOptions configure one run.
type RunOptions struct {
	// Compact holds the files that wait for their phase in compressed
	// form (held.go): for a build, whose files are plain and dropped once
	// handed over. A daemon's are in its snapshot already.
	Compact bool
}

// Run is one publish to every target of a set of Publishers: Put (or Keep)
// each file of one complete set, then Finish, which uploads what waited
// for its phase and deletes what no Put or Keep named. Archive documents
// and other files that pages point at are uploaded as they come, by
// Concurrency requests at a time; pages, feeds, the site index and the
// OPML list wait for Finish, which checks the bound on deletions before
// any of them is uploaded. Put and Keep are not safe for concurrent use.
type Run struct {
	ctx    context.Context
	cancel context.CancelFunc
	ro     RunOptions
	ts     []*targetRun
	held   [nPhases][]heldFile
	jobs   chan job
	inWork sync.WaitGroup // jobs queued or running
	pool   sync.WaitGroup // the workers
	ended  bool

	mu     sync.Mutex
	errs   []error
	nerrs  int
	fatal  error
	stale  int // lazy files changed since the snapshot was taken
	failed bool
}

// targetRun is one target's part of a run.
type targetRun struct {
	p *Publisher
	// seen are the keys this run publishes (Put or Keep).
	seen map[string]bool
	// mu guards what the workers change: p.known, the manifest, and
	// what the run did.
	mu        sync.Mutex
	busy      bool // the manifest says a run is changing the bucket
	uploaded  int
	deleted   int
	unchanged int
	changed   []string
}

// job is one upload.
type job struct {
	t *targetRun
	o object
}

// object is one key a file is published under: the file itself, or one of
// its precompressed forms.
type object struct {
	rel, tag, cc, ctype, enc string
	body                     []byte // set once the upload is decided
}

// maxErrors bounds the errors a run reports one by one; the rest are
// counted.
const maxErrors = 8

// Begin starts a run on pubs (one Publisher per target). It waits for each
// Publisher's previous run to end, and may LIST a target (prepare); it
// fails when a LIST fails, and then nothing is held.
func Begin(ctx context.Context, pubs []*Publisher, ro RunOptions) (*Run, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &Run{ctx: ctx, cancel: cancel, ro: ro}
	n := 0
	for i, p := range pubs {
		p.mu.Lock()
		if err := p.prepare(ctx); err != nil {
			for _, q := range pubs[:i+1] {
				q.mu.Unlock()
			}
			cancel()
			return nil, err
		}
		r.ts = append(r.ts, &targetRun{p: p, seen: map[string]bool{}})
		n = max(n, p.o.Concurrency)
	}
	r.jobs = make(chan job, n)
	for range n {
		r.pool.Go(r.worker)
	}
	return r, nil
}

// objects lists the keys f is published under, without their bytes.
func (r *Run) objects(f *snapshot.File, rel string, t *targetRun) []object {
	cc := f.CacheControl
	if cc == "" {
		cc = t.p.o.CacheControl
	}
	ctype := f.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	objs := []object{{rel: rel, tag: f.ETag, cc: cc, ctype: ctype}}
	if t.p.o.Precompress {
		gz, br := snapshot.PrecompressedTags(f.ETag)
		objs = append(objs,
			object{rel: rel + snapshot.SuffixGzip, tag: gz, cc: cc, ctype: ctype, enc: "gzip"},
			object{rel: rel + snapshot.SuffixBrotli, tag: br, cc: cc, ctype: ctype, enc: "br"})
	}
	return objs
}

// needs reports whether the object o must be uploaded: the bucket holds
// other bytes or headers, or nothing known. Called with t.mu held.
func (t *targetRun) needs(o object) bool {
	e, ok := t.p.known[o.rel]
	return !ok || e.tag != o.tag || e.cc != o.cc
}

// Put publishes f: uploaded now if it is an archive document or another
// file pages point at, else held until Finish uploads its phase; nothing
// happens when every target holds it already. An unsafe path is returned
// (and again by Finish).
func (r *Run) Put(f *snapshot.File) error {
	rel, err := relPath(f.Path)
	if err != nil {
		r.addErr(err)
		return err
	}
	needed := false
	for _, t := range r.ts {
		t.mu.Lock()
		for _, o := range r.objects(f, rel, t) {
			if t.seen[o.rel] {
				continue // Kept already, or Put twice
			}
			t.seen[o.rel] = true
			if t.needs(o) {
				needed = true
			} else {
				t.unchanged++
			}
		}
		t.mu.Unlock()
	}
	if !needed {
		return nil
	}
	ph := phaseOf(f.Path)
	if ph == phaseFirst {
		r.upload(f, rel, f.Identity)
		return nil
	}
	h, err := hold(f, r.ro.Compact)
	if err != nil {
		r.addErr(err)
		return err
	}
	r.held[ph] = append(r.held[ph], h)
	return nil
}

// Keep tells the run that path must hold the bytes tagged etag, without the
// bytes: it reports true, and the file counts as Put, when every target
// is known to hold them (and their precompressed forms) with the headers
// this run would give them. On false the caller must Put the file. The
// Cache-Control a kept object was uploaded with must be one the file can
// have: the run's, or an archive document's own, which its bytes decide.
func (r *Run) Keep(path, etag string) bool {
	rel, err := relPath(path)
	if err != nil {
		return false
	}
	probe := &snapshot.File{Path: path, ETag: etag}
	for _, t := range r.ts {
		t.mu.Lock()
		ok := true
		for _, o := range r.objects(probe, rel, t) {
			e, known := t.p.known[o.rel]
			if !known || e.tag != o.tag || (e.cc != t.p.o.CacheControl && !(layout.IsArchive(path) && e.cc == layout.ArchiveCacheControl)) {
				ok = false
				break
			}
		}
		t.mu.Unlock()
		if !ok {
			return false
		}
	}
	for _, t := range r.ts {
		t.mu.Lock()
		for _, o := range r.objects(probe, rel, t) {
			if !t.seen[o.rel] {
				t.seen[o.rel] = true
				t.unchanged++
			}
		}
		t.mu.Unlock()
	}
	return true
}

// upload queues the uploads f needs on every target, reading its bytes
// with read (and compressing them for the precompressed forms) once for
// all.
func (r *Run) upload(f *snapshot.File, rel string, read func() ([]byte, error)) {
	var bodies map[string][]byte
	for _, t := range r.ts {
		t.mu.Lock()
		var todo []object
		for _, o := range r.objects(f, rel, t) {
			if t.needs(o) {
				todo = append(todo, o)
			}
		}
		t.mu.Unlock()
		if len(todo) == 0 {
			continue
		}
		if bodies == nil {
			var err error
			if bodies, err = readBodies(read, rel, r.anyPrecompress()); err != nil {
				if errors.Is(err, snapshot.ErrStale) {
					r.mu.Lock()
					r.stale++
					r.failed = true
					r.mu.Unlock()
					return
				}
				r.addErr(err)
				return
			}
		}
		for _, o := range todo {
			o.body = bodies[o.rel]
			if !t.markBusy(r) {
				return
			}
			r.inWork.Add(1)
			select {
			case r.jobs <- job{t: t, o: o}:
			case <-r.ctx.Done():
				r.inWork.Done()
				return
			}
		}
	}
}

func (r *Run) anyPrecompress() bool {
	return slices.ContainsFunc(r.ts, func(t *targetRun) bool { return t.p.o.Precompress })
}

// readBodies reads a file's identity bytes and, with pre, makes its
// precompressed forms, by key.
func readBodies(read func() ([]byte, error), rel string, pre bool) (map[string][]byte, error) {
	id, err := read()
	if err != nil {
		return nil, err
	}
	m := map[string][]byte{rel: id}
	if pre {
		m[rel+snapshot.SuffixGzip] = snapshot.Compress(id)
		m[rel+snapshot.SuffixBrotli] = snapshot.CompressBrotli(id)
	}
	return m, nil
}

// markBusy records in the manifest, before the first change a run makes to
// the bucket, that a run is changing it: if the run is cut short, the next
// one reconciles with a LIST instead of trusting entries that may be old.
// It reports false when the record cannot be saved (the run then changes
// nothing: the state could no longer tell what the bucket holds).
func (t *targetRun) markBusy(r *Run) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.p.manifest
	if t.busy || m == nil {
		return true
	}
	m.Record(runKey, runBusy, source.Stamp{})
	t.p.clean = false
	if err := m.Flush(); err != nil {
		r.addErr(fmt.Errorf("%s: recording the publish in the state: %w", t.p.o.Target, err))
		return false
	}
	t.busy = true
	return true
}

func (r *Run) worker() {
	for j := range r.jobs {
		if r.ctx.Err() == nil {
			r.put(j.t, j.o)
		}
		r.inWork.Done()
	}
}

// put uploads one object, unless a LIST showed the bucket holds the same
// bytes already.
func (r *Run) put(t *targetRun, o object) {
	sum := md5.Sum(o.body)
	md5hex := hex.EncodeToString(sum[:])
	size := int64(len(o.body))
	t.mu.Lock()
	e, ok := t.p.known[o.rel]
	t.mu.Unlock()
	if ok && e.tag == "" && e.md5 == md5hex && e.size == size {
		t.note(o.rel, entry{tag: o.tag, md5: md5hex, size: size, cc: o.cc}, false)
		t.mu.Lock()
		t.unchanged++
		t.mu.Unlock()
		return
	}
	p := t.p
	info, err := p.cl.PutObject(r.ctx, p.o.Target.Bucket, p.o.Target.key(o.rel), bytes.NewReader(o.body), size, minio.PutObjectOptions{
		ContentType: o.ctype, CacheControl: o.cc, ContentEncoding: o.enc,
		SendContentMd5: true, DisableMultipart: true, // one request: the key holds the old bytes or the new, and its ETag is their MD5
	})
	if err != nil {
		// The upload may or may not have happened: the entry is
		// forgotten, so that the next run uploads it again.
		t.note(o.rel, entry{}, false)
		r.addErr(storeError(p.o.Target, "uploading "+o.rel, err))
		return
	}
	if tag := strings.Trim(info.ETag, `"`); tag != "" {
		md5hex = tag // a store that encrypts reports another ETag; a LIST will show that one
	}
	t.note(o.rel, entry{tag: o.tag, md5: md5hex, size: size, cc: o.cc}, true)
}

// note records what the bucket holds at rel after a request (an entry
// without tag forgets it) and, with changed, counts the upload.
func (t *targetRun) note(rel string, e entry, changed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.tag == "" {
		delete(t.p.known, rel)
	} else {
		t.p.known[rel] = e
	}
	if m := t.p.manifest; m != nil {
		if e.tag == "" {
			m.Record(rel, "", source.Stamp{})
		} else {
			m.Record(rel, e.record(), source.Stamp{Size: e.size})
		}
	}
	if changed {
		t.uploaded++
		t.changed = append(t.changed, "/"+rel)
	}
}

// addErr records a failed file or request. A fatal one (refused
// credentials, no bucket) stops the run: every other request would fail
// the same way.
func (r *Run) addErr(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	if r.fatal != nil {
		return
	}
	var fe fatalError
	if errors.As(err, &fe) {
		r.fatal = fe.error
		r.cancel()
		return
	}
	r.nerrs++
	if len(r.errs) < maxErrors {
		r.errs = append(r.errs, err)
	}
}

// err is what went wrong in the run so far, or nil.
func (r *Run) err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fatal != nil {
		return r.fatal
	}
	errs := slices.Clone(r.errs)
	if r.nerrs > len(r.errs) {
		errs = append(errs, fmt.Errorf("and %d more errors", r.nerrs-len(r.errs)))
	}
	if r.stale > 0 {
		errs = append(errs, fmt.Errorf("%d file(s) changed while being published: %w", r.stale, snapshot.ErrStale))
	}
	if len(errs) == 0 && r.failed {
		errs = append(errs, errors.New("publishing failed"))
	}
	return errors.Join(errs...)
}

func (r *Run) hasFailed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}
