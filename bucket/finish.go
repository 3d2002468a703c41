package bucket

import (
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/minio/minio-go/v7"

	"feedgen/snapshot"
	"feedgen/source"
)

var errEnded = errors.New("bucket: run already finished")

// Finish completes the run. It waits for the uploads under way; then,
// unless something failed, it checks the bound on deletions, uploads the
// held files phase by phase (pages, feeds, the site index and the OPML
// list), each phase only once the one before is in the bucket, and last
// deletes the objects no Put or Keep named. A failure stops it before the
// next phase: what is in the bucket then links only to what is there, and
// the next run resumes (it uploads what differs). It returns what the run
// did and its errors (a TooManyDeletesError when the bound refused it).
func (r *Run) Finish() (Result, error) {
	if r.ended {
		return Result{}, errEnded
	}
	defer r.end()
	r.inWork.Wait()
	if !r.hasFailed() {
		if err := r.checkDeletes(); err != nil {
			r.flush()
			return r.result(), err
		}
	}
	for ph := phasePages; ph < nPhases && !r.hasFailed(); ph++ {
		for _, h := range r.held[ph] {
			if r.ctx.Err() != nil {
				break
			}
			rel, _ := relPath(h.f.Path) // Put checked it
			r.upload(h.f, rel, h.identity)
		}
		r.held[ph] = nil
		r.inWork.Wait()
	}
	if !r.hasFailed() {
		for _, t := range r.ts {
			r.deleteGone(t)
		}
	}
	r.flush()
	return r.result(), r.err()
}

// Abort ends the run without uploading what waits for Finish and without
// deleting anything: for a producer that failed before it could Put every
// file, whose missing files must not be taken for deleted ones. Uploads
// already queued finish. Abort after Finish does nothing, so it can be
// deferred.
func (r *Run) Abort() {
	if r.ended {
		return
	}
	r.inWork.Wait()
	r.mu.Lock()
	r.failed = true // the saved run record stays what it was
	r.mu.Unlock()
	r.flush()
	r.end()
}

func (r *Run) end() {
	r.ended = true
	close(r.jobs)
	r.pool.Wait()
	r.cancel()
	for _, t := range r.ts {
		t.p.mu.Unlock()
	}
}

// gone lists the keys of t's bucket that the run did not publish and that
// are feedgen's to delete, sorted.
func (t *targetRun) gone() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for rel, e := range t.p.known {
		if !t.seen[rel] && ours(rel, e) {
			out = append(out, rel)
		}
	}
	sort.Strings(out)
	return out
}

// checkDeletes refuses the run when a target would lose more objects than
// its bound allows.
func (r *Run) checkDeletes() error {
	var errs []error
	for _, t := range r.ts {
		if limit := t.p.o.MaxDeletes; limit >= 0 {
			if n := len(t.gone()); n > limit {
				errs = append(errs, &TooManyDeletesError{Target: t.p.o.Target, Deletes: n, Max: limit})
			}
		}
	}
	if len(errs) > 0 {
		r.mu.Lock()
		r.failed = true
		r.mu.Unlock()
	}
	return errors.Join(errs...)
}

// deleteGone deletes t's objects that the run did not publish, in batches
// of one request per thousand keys.
func (r *Run) deleteGone(t *targetRun) {
	gone := t.gone()
	if len(gone) == 0 || !t.markBusy(r) {
		return
	}
	p := t.p
	ch := make(chan minio.ObjectInfo)
	go func() {
		defer close(ch)
		for _, rel := range gone {
			select {
			case ch <- minio.ObjectInfo{Key: p.o.Target.key(rel)}:
			case <-r.ctx.Done():
				return
			}
		}
	}()
	failed := map[string]bool{}
	for e := range p.cl.RemoveObjects(r.ctx, p.o.Target.Bucket, ch, minio.RemoveObjectsOptions{}) {
		failed[e.ObjectName] = true
		r.addErr(storeError(p.o.Target, "deleting "+e.ObjectName, e.Err))
	}
	if r.ctx.Err() != nil {
		return // what was not sent is not known to be gone
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, rel := range gone {
		if failed[p.o.Target.key(rel)] {
			continue
		}
		delete(p.known, rel)
		if p.manifest != nil {
			p.manifest.Record(rel, "", source.Stamp{})
		}
		t.deleted++
		t.changed = append(t.changed, "/"+rel)
	}
}

// flush saves each target's manifest, and records that the run finished
// when it did.
func (r *Run) flush() {
	ok := !r.hasFailed()
	for _, t := range r.ts {
		p := t.p
		if p.manifest == nil {
			continue
		}
		done := ok && (t.busy || !p.clean)
		if done {
			p.manifest.Record(runKey, runDone, source.Stamp{})
		}
		if err := p.manifest.Flush(); err != nil {
			// Only a later run's cost depends on it: without the
			// record it LISTs.
			p.log.Warn("bucket: cannot record the publish in the state", "target", p.o.Target.String(), "err", err)
			continue
		}
		if done {
			p.clean = true
		}
	}
}

// result adds up what the targets did.
func (r *Run) result() Result {
	var res Result
	seen := map[string]bool{}
	for _, t := range r.ts {
		t.mu.Lock()
		res.Uploaded += t.uploaded
		res.Deleted += t.deleted
		res.Unchanged += t.unchanged
		for _, p := range t.changed {
			if !seen[p] {
				seen[p] = true
				res.Changed = append(res.Changed, p)
			}
		}
		t.mu.Unlock()
	}
	slices.Sort(res.Changed)
	return res
}

// Sync makes every target hold the snapshot s: a run over its files that
// checks the bound on deletions before it uploads anything (the daemon's
// publish, whose whole set of files is known at once).
func Sync(r *Run, s *snapshot.Snapshot) (Result, error) {
	if err := r.expect(s.Paths()); err != nil {
		r.Abort()
		return Result{}, err
	}
	for _, p := range s.Paths() {
		_ = r.Put(s.Get(p)) // Finish reports it
	}
	return r.Finish()
}

// expect checks the bound on deletions for a run that will publish exactly
// paths, before anything is uploaded.
func (r *Run) expect(paths []string) error {
	var errs []error
	for _, t := range r.ts {
		limit := t.p.o.MaxDeletes
		if limit < 0 {
			continue
		}
		will := map[string]bool{}
		for _, p := range paths {
			rel, err := relPath(p)
			if err != nil {
				continue
			}
			for _, o := range r.objects(&snapshot.File{Path: p}, rel, t) {
				will[o.rel] = true
			}
		}
		t.mu.Lock()
		n := 0
		for rel, e := range t.p.known {
			if !will[rel] && ours(rel, e) {
				n++
			}
		}
		t.mu.Unlock()
		if n > limit {
			errs = append(errs, &TooManyDeletesError{Target: t.p.o.Target, Deletes: n, Max: limit})
		}
	}
	return errors.Join(errs...)
}

// String says what a run did, for logs.
func (res Result) String() string {
	return fmt.Sprintf("%d uploaded, %d deleted, %d unchanged", res.Uploaded, res.Deleted, res.Unchanged)
}
