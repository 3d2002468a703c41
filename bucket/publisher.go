package bucket

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// DefaultMaxDeletes is the default bound on the objects one publish may
// delete: a source directory that is briefly empty (an unmounted disk)
// must not empty the bucket.
const DefaultMaxDeletes = 256

// DefaultConcurrency is how many requests a run keeps in flight: enough to
// hide a store's latency, few enough not to be throttled.
const DefaultConcurrency = 8

// Options configure a Publisher.
type Options struct {
	Target Target
	Config Config
	// CacheControl is the Cache-Control of every object whose file names
	// none: what the daemon sends (serve's -cache-control). Archive
	// documents carry their own (layout.ArchiveCacheControl).
	CacheControl string
	// Precompress also uploads NAME.gz and NAME.br beside every file, as
	// build -precompress writes them, with Content-Encoding set.
	Precompress bool
	// MaxDeletes bounds the objects one run may delete; a run that would
	// delete more refuses (TooManyDeletesError). Negative: no bound.
	MaxDeletes int
	// Verify makes the first run reconcile with one full LIST even when
	// the manifest is trusted: for a bucket changed by another hand.
	Verify bool
	// Concurrency is how many requests a run keeps in flight (default
	// DefaultConcurrency).
	Concurrency int
	Logger      *slog.Logger
}

// Publisher keeps one target equal to the files it is given, run after
// run. It remembers what the bucket holds (in memory, and in the manifest
// when it has one), so that only the first run of a process without a
// trusted manifest LISTs. One run at a time: Begin waits for the previous
// run to end.
type Publisher struct {
	o   Options
	cl  *minio.Client
	log *slog.Logger
	id  string

	// mu is held by a run from Begin to its end.
	mu       sync.Mutex
	manifest Manifest
	// known is what the bucket holds by key below the prefix (nil until
	// the first run has loaded it); trusted says it can be acted on
	// without a LIST.
	known   map[string]entry
	trusted bool
	// clean says the manifest's saved run record is runDone.
	clean bool
	// verify: the next run reconciles with a LIST (Options.Verify).
	verify bool
}

// New returns a Publisher for o.Target. It checks that credentials are
// configured but sends no request: a run finds out whether the store
// accepts them.
func New(o Options) (*Publisher, error) {
	if o.Target.Bucket == "" {
		return nil, errors.New("bucket: no target")
	}
	cl, err := o.Config.client()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", o.Target, err)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{o: o, cl: cl, log: log, verify: o.Verify,
		id: o.Target.String() + " at " + o.Config.endpointName()}, nil
}

// ID names the target and its store: what the state keeps its manifest
// under (feedgen.Generator.Outputs).
func (p *Publisher) ID() string { return p.id }

// Target is where the Publisher publishes.
func (p *Publisher) Target() Target { return p.o.Target }

// SetManifest makes the Publisher keep its knowledge of the bucket in m
// across runs. Call it before the first run.
func (p *Publisher) SetManifest(m Manifest) {
	p.mu.Lock()
	p.manifest = m
	p.mu.Unlock()
}

// prepare loads what the Publisher knows of the bucket before a run: from
// memory after a run of this process, else from the manifest, and with one
// LIST when neither can be trusted (or Verify asks for it). Called with
// p.mu held.
func (p *Publisher) prepare(ctx context.Context) error {
	if p.known == nil {
		p.known = map[string]entry{}
		if p.manifest != nil {
			known, trusted, err := load(p.manifest)
			if err != nil {
				p.log.Warn("bucket: "+err.Error()+"; listing the bucket instead", "target", p.o.Target.String())
			} else {
				p.known, p.trusted, p.clean = known, trusted, trusted
			}
		}
	}
	if p.trusted && !p.verify {
		return nil
	}
	if err := p.reconcile(ctx); err != nil {
		return err
	}
	p.trusted, p.verify = true, false
	return nil
}

// reconcile LISTs the target once and keeps of what it knew only the
// entries the listing confirms (same MD5 and size). Objects the listing
// shows and the Publisher did not know are kept by MD5 and size alone:
// a run compares its files' bytes with them, and deletes them when they
// are feedgen's (owned) and no longer published.
func (p *Publisher) reconcile(ctx context.Context) error {
	old := p.known
	now := make(map[string]entry, len(old))
	for o := range p.cl.ListObjects(ctx, p.o.Target.Bucket, minio.ListObjectsOptions{Prefix: p.o.Target.Prefix, Recursive: true}) {
		if o.Err != nil {
			return storeError(p.o.Target, "listing the bucket", o.Err)
		}
		rel, ok := strings.CutPrefix(o.Key, p.o.Target.Prefix)
		if !ok || checkRel(rel) != nil {
			continue
		}
		md5 := strings.Trim(o.ETag, `"`)
		e, had := old[rel]
		switch {
		case had && e.md5 == md5 && e.size == o.Size:
			now[rel] = e
		case had || owned(rel):
			now[rel] = entry{md5: md5, size: o.Size}
		}
	}
	p.known = now
	return nil
}

// ours reports whether the object at rel, not published any more, is to be
// deleted: one this Publisher uploaded, or one named like feedgen's files.
func ours(rel string, e entry) bool { return e.tag != "" || owned(rel) }
