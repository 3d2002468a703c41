// Package doc is what the jobs of package feedgen that make documents share:
// the planner, which decides them, and the output and the archive, which
// render them. A document is a feed's subscription document or one month
// of its archive (package archive). Package doc holds the items a document
// shows (Item), the signature of everything its bytes depend on
// (Signature), its rendered items read from the state (Read), and the rules
// for the file it becomes: its bytes kept when unchanged (Reuse), a
// Last-Modified that never goes backwards (NotBefore), and the files a
// build finds already in place (Kept).
package doc

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/source"
)

// Item is one item a document shows.
type Item struct {
	Path   string
	Header *index.Header
	Stamp  source.Stamp // of the file, as indexed
	Sum    uint64       // of the whole file the item was rendered from
}

// Paths lists the paths of items.
func Paths(items []Item) []string {
	paths := make([]string, len(items))
	for i, it := range items {
		paths[i] = it.Path
	}
	return paths
}

// FillSums sets each item's sum from the state without reading its parts:
// the signature needs only the sums.
func FillSums(t *index.Tx, items []Item) error {
	for i := range items {
		f, ok, err := t.FragSum(items[i].Path)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w for %s", index.ErrNoItem, items[i].Path)
		}
		items[i].Sum = f.Sum
	}
	return nil
}

// Signature hashes everything a document's bytes depend on: its own fields
// and the exact bytes of each item's file (their sums, filled). The
// configuration is fixed for a generator's life.
func Signature(fi render.FeedInfo, items []Item) [32]byte {
	h := sha256.New()
	fmt.Fprintf(h, "%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00", fi.Key.Kind, fi.Key.Name, fi.Title, fi.Description, fi.Link, fi.Updated.Format(time.RFC3339Nano))
	// Hubs are added only when there are some, so that a state made before
	// WebSub stays valid.
	for _, u := range fi.Hubs {
		fmt.Fprintf(h, "hub\x00%s\x00", u)
	}
	if fi.Archive != (render.ArchiveInfo{}) {
		fmt.Fprintf(h, "archive %v\x00", fi.Archive)
	}
	if len(fi.ArchiveMonths) > 0 { // the page shows them
		fmt.Fprintf(h, "months %v\x00", fi.ArchiveMonths)
	}
	for _, it := range items {
		h.Write([]byte(it.Path))
		h.Write(binary.LittleEndian.AppendUint64(nil, it.Sum))
	}
	var s [32]byte
	h.Sum(s[:0])
	return s
}
