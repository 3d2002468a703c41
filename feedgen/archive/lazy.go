package archive

import (
	"errors"
	"time"

	"feedgen/feedgen/doc"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// Lazy archive documents (NewDocs with lazy). A daemon publishes every
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

// lazyFile is the lazy file of one archive document in format f:
// info as the document was rendered (Archive set), paths its items.
func (d *Docs) lazyFile(path string, f layout.Format, etag string, size int, modTime time.Time, cc string, info render.FeedInfo, paths []string) *snapshot.File {
	ix, cfg := d.env.Index, d.env.Config
	produce := func() ([]byte, error) {
		var body []byte
		err := ix.View(func(t *index.Tx) error {
			items, err := doc.Read(t, paths)
			if errors.Is(err, index.ErrNoItem) {
				// Dropped since: the document is being replaced.
				return errors.Join(snapshot.ErrStale, err)
			}
			if err != nil {
				return err
			}
			body = items.Render(cfg, f, info) // copies the parts out of the index
			return nil
		})
		return body, err
	}
	return snapshot.NewLazyFile(path, f.ContentType(), etag, size, modTime, cc, produce)
}

// lazyKnown makes lazy files of an archive document known from the state
// (unchanged since it was rendered, by a build or an earlier daemon), so
// that it is published without being rendered; it reports whether it did.
// info is the feed's subscription document, whose fields the archive
// documents share.
func (d *Docs) lazyKnown(k layout.FeedKey, o *document, info render.FeedInfo) bool {
	if !d.lazy || o.etags[0] == "" || o.updated.IsZero() {
		return false
	}
	fi := info
	fi.Hubs = nil
	fi.Updated = o.updated
	fi.Archive = o.links
	cc := cacheControl(o.links)
	lm := o.updated.UTC().Truncate(time.Second)
	for _, f := range layout.Formats {
		o.files[f] = d.lazyFile(k.ArchivePath(o.links.Doc, f), f, o.etags[f], o.sizes[f], lm, cc, fi, o.items)
	}
	return true
}
