package feedgen

import (
	"errors"
	"slices"
	"time"

	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Lazy archive documents (Options.LazyArchives). A daemon publishes every
// archive document but holds none of their bytes: each is a lazy file
// (snapshot.NewLazyFile) that knows its validators, length and
// Last-Modified, and renders its bytes from the item fragments the state
// keeps when a request needs them (the server keeps a bounded cache of what
// it produced). The validators are those computed when the document was
// last rendered, recorded in the state (index.ArchiveDoc), so a daemon
// started on a warm state renders no archive document at all: only the
// months that change are rendered (to learn their new tags), and then
// dropped. Memory and start-up follow the feeds, not the archive.
//
// A producer reads the state, which a regeneration updates before it
// publishes the new files; the lazy file checks every rendering against its
// ETag, so a request in between is told the file is stale (the server waits
// for the new snapshot) and never gets bytes that do not match the tag.

// lazyArchiveFile is the lazy file of one archive document in format f:
// info as the document was rendered (Archive set), paths its items.
func (g *Generator) lazyArchiveFile(path string, f Format, etag string, size int, modTime time.Time, cc string, info FeedInfo, paths []string) *snapshot.File {
	ix, cfg, log := g.ix, &g.cfg, g.log
	produce := func() ([]byte, error) {
		var body []byte
		err := ix.View(func(t *index.Tx) error {
			parts := make([][]byte, len(paths))
			for i, p := range paths {
				fr, ok, err := t.Frag(p)
				if err != nil {
					return err
				}
				if !ok {
					// Dropped since: the document is being replaced.
					return errors.Join(snapshot.ErrStale, errors.New("no rendered item for "+p))
				}
				parts[i] = fr.Parts[f]
			}
			body = renderFeed(cfg, f, info, parts) // copies the parts out of the index
			return nil
		})
		if err == nil {
			// The month's fragments are scattered over the mapped index,
			// and the kernel reads ahead around each: left mapped, one busy
			// month at 100 000 articles counted 700 MB of this process's
			// memory. Not after a failure: the index may be closed.
			if err := ix.DropPages(); err != nil {
				log.Warn("state: cannot reopen", "err", err)
			}
		}
		return body, err
	}
	return snapshot.NewLazyFile(path, f.ContentType(), etag, size, modTime, cc, produce)
}

// lazyKnown makes lazy files of an archive document known from the state
// (unchanged since it was rendered, by a build or an earlier daemon), so
// that it is published without being rendered; it reports whether it did.
// info is the feed's subscription document, whose fields the archive
// documents share.
func (g *Generator) lazyKnown(k FeedKey, o *archOut, info FeedInfo) bool {
	if !g.lazy || g.keep != nil || o.etags[0] == "" || o.updated.IsZero() {
		return false
	}
	fi := info
	fi.Hubs = nil
	fi.Updated = o.updated
	fi.Archive = o.links
	cc := layout.ArchiveCacheControl
	if o.links.Next.IsZero() {
		cc = ""
	}
	lm := o.updated.UTC().Truncate(time.Second)
	for _, f := range Formats {
		o.files[f] = g.lazyArchiveFile(k.ArchivePath(o.links.Doc, f), f, o.etags[f], o.sizes[f], lm, cc, fi, o.items)
	}
	return true
}

// renamedItems brings the item paths of an archive document whose bytes
// did not change (aj has old's signature) up to date: the signature is of
// the items' contents, so an article that moved to another file keeps the
// document's bytes but not its path, and a lazy file must read the
// fragment under the new one. The state records the new paths.
func (g *Generator) renamedItems(k FeedKey, m layout.Month, old *archOut, aj *archJob) {
	paths := aj.paths
	if slices.Equal(paths, old.items) {
		return
	}
	old.items = paths
	for f, file := range old.files {
		if file != nil && file.IsLazy() {
			old.files[f] = g.lazyArchiveFile(file.Path, Format(f), file.ETag, file.Size(), file.ModTime, file.CacheControl, aj.info, paths)
		}
	}
	g.archDone = append(g.archDone, archRef{k, m})
}
