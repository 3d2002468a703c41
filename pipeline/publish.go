package pipeline

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"feedgen/bucket"
	"feedgen/feedgen"
	"feedgen/snapshot"
)

// PublishOptions configure the mirroring of the output to object storage
// (package bucket): build -publish and serve -publish.
type PublishOptions struct {
	// Targets are the buckets to keep equal to what -out would hold;
	// none turns publishing off.
	Targets []bucket.Target
	// Config says how to reach the store (bucket.ConfigFromEnv).
	Config bucket.Config
	// MaxDeletes bounds the objects one publish may delete (negative: no
	// bound).
	MaxDeletes int
	// Verify reconciles each bucket with one LIST on the first publish.
	Verify bool
	// Hook is a shell command run after each publish that changed
	// something, with the changed public URLs on its standard input;
	// HookOutput gets its output (nil discards it).
	Hook       string
	HookOutput io.Writer
}

func (o PublishOptions) on() bool { return len(o.Targets) > 0 }

// openPublishers makes one bucket.Publisher per target, each keeping its
// manifest in the generator's state. cacheControl is the Cache-Control of
// the files that name none.
func openPublishers(o PublishOptions, g *feedgen.Generator, cacheControl string, precompress bool, log *slog.Logger) ([]*bucket.Publisher, error) {
	var pubs []*bucket.Publisher
	for _, t := range o.Targets {
		p, err := bucket.New(bucket.Options{Target: t, Config: o.Config, CacheControl: cacheControl,
			Precompress: precompress, MaxDeletes: o.MaxDeletes, Verify: o.Verify, Logger: log})
		if err != nil {
			return nil, err
		}
		p.SetManifest(g.Outputs(p.ID()))
		pubs = append(pubs, p)
	}
	return pubs, nil
}

// buildPublish is a build's publish run, or nil without targets; its
// methods do nothing on nil.
type buildPublish struct {
	run  *bucket.Run
	opts PublishOptions
	log  *slog.Logger
}

// startPublish opens the targets and begins the build's run (which may
// LIST a target whose state is missing or was cut short).
func startPublish(opts BuildOptions, g *feedgen.Generator, cacheControl string) (*buildPublish, error) {
	if !opts.Publish.on() {
		return nil, nil
	}
	pubs, err := openPublishers(opts.Publish, g, cacheControl, opts.Precompress, opts.Logger)
	if err != nil {
		return nil, err
	}
	run, err := bucket.Begin(context.Background(), pubs, bucket.RunOptions{Compact: true})
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &buildPublish{run: run, opts: opts.Publish, log: log}, nil
}

func (b *buildPublish) put(f *snapshot.File) {
	if b != nil {
		_ = b.run.Put(f) // Finish reports it
	}
}

// keep combines the disk writer's keep (nil without -out) with the run's:
// a file is rendered unless every destination holds it.
func (b *buildPublish) keep(disk func(path, etag string) bool) func(path, etag string) bool {
	switch {
	case b == nil:
		return disk
	case disk == nil:
		return b.run.Keep
	}
	return func(path, etag string) bool { return disk(path, etag) && b.run.Keep(path, etag) }
}

// abort ends the run without deleting anything.
func (b *buildPublish) abort() {
	if b != nil {
		b.run.Abort()
	}
}

// finish uploads what waited, deletes what went away and runs the hook.
func (b *buildPublish) finish(base string) (bucket.Result, error) {
	if b == nil {
		return bucket.Result{}, nil
	}
	start := time.Now()
	res, err := b.run.Finish()
	if len(res.Changed) > 0 {
		// The archive documents were uploaded while the build rendered;
		// the duration is the rest: pages, feeds, index, deletions.
		b.log.Info("published", "uploaded", res.Uploaded, "deleted", res.Deleted, "unchanged", res.Unchanged,
			"finish", time.Since(start).Round(time.Millisecond).String())
		if b.opts.Hook != "" {
			err = errors.Join(err, bucket.RunHook(context.Background(), b.opts.Hook, bucket.HookURLs(base, res.Changed), hookOutput(b.opts.HookOutput)))
		}
	}
	return res, err
}

func hookOutput(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
