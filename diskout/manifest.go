package diskout

import (
	"io/fs"
	"os"
	"path/filepath"

	"feedgen/source"
)

// Manifest remembers between runs what a Writer left in its directory:
// for each path, the ETag of the bytes and the stamp of the file. A later
// run trusts a file whose stamp still matches without reading it back, as
// make and rsync trust times and sizes; anybody touching the file changes
// its stamp. The state directory keeps it (index.Outputs).
type Manifest interface {
	// Lookup returns the ETag and stamp recorded for the slash path.
	Lookup(path string) (etag string, st source.Stamp, ok bool)
	// Record notes what path holds now; etag "" notes that it holds
	// nothing of ours.
	Record(path, etag string, st source.Stamp)
	// Flush saves what was recorded.
	Flush() error
}

// SetManifest makes the Writer keep its knowledge of the directory in m.
func (w *Writer) SetManifest(m Manifest) {
	w.mu.Lock()
	w.manifest = m
	w.mu.Unlock()
}

// trusted reports whether the file at rel, whose information is fi, holds
// the bytes tagged etag according to the manifest.
func (w *Writer) trusted(rel string, fi fs.FileInfo, etag string) bool {
	if w.manifest == nil || fi == nil || !fi.Mode().IsRegular() {
		return false
	}
	tag, st, ok := w.manifest.Lookup(rel)
	return ok && tag == etag && st == source.StampOf(fi)
}

// note records in the manifest what rel holds after a write or a check.
func (w *Writer) note(root *os.Root, rel, etag string) {
	if w.manifest == nil {
		return
	}
	if fi, err := root.Lstat(filepath.FromSlash(rel)); err == nil && fi.Mode().IsRegular() {
		w.manifest.Record(rel, etag, source.StampOf(fi))
		return
	}
	w.forget(rel)
}

// forget records in the manifest that rel holds nothing of ours.
func (w *Writer) forget(rel string) {
	if w.manifest != nil {
		w.manifest.Record(rel, "", source.Stamp{})
	}
}
