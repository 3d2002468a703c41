package bucket

import (
	"path"
	"strings"

	"feedgen/layout"
	"feedgen/snapshot"
)

// phase is when a file is uploaded in a run: nothing published may link to
// an object that is not there yet, so what is linked to goes first.
type phase int

const (
	// phaseFirst: archive documents (linked from the feeds and from each
	// other), and any other file pages may point at. They go as soon as
	// they are rendered.
	phaseFirst phase = iota
	// phasePages: each feed's HTML page, which links its feed files.
	phasePages
	// phaseFeeds: the feeds, which link their archive and page.
	phaseFeeds
	// phaseTop: the site index and the OPML list, which link every feed.
	phaseTop
	nPhases
)

// phaseOf is the phase of the published path p.
func phaseOf(p string) phase {
	switch {
	case p == layout.IndexPath || p == layout.OPMLPath:
		return phaseTop
	case layout.IsFeed(p):
		return phaseFeeds
	case path.Base(p) == layout.PageFile:
		return phasePages
	}
	return phaseFirst
}

// owned reports whether the key rel (below the prefix) is one feedgen
// publishes, by its name: a feed file, a feed's page, a listing page, an
// archive document, the OPML list, or a precompressed form of one. Without
// a record in the state a run deletes only such keys: the rest of the
// bucket is the user's, as the rest of an output directory is (diskout);
// so are the images copied from the source, which a name cannot tell from
// the user's own.
func owned(rel string) bool {
	p := "/" + rel
	for _, s := range []string{snapshot.SuffixGzip, snapshot.SuffixBrotli} {
		if q, ok := strings.CutSuffix(p, s); ok {
			p = q
			break
		}
	}
	switch {
	case p == layout.IndexPath || p == layout.OPMLPath, layout.IsFeed(p), layout.IsArchive(p),
		p == layout.KindCategory.ListPath() || p == layout.KindTag.ListPath():
		return true
	case path.Base(p) != layout.PageFile:
		return false
	}
	// A page: the global one is the index; the others sit in a category's
	// or tag's folder.
	seg := strings.Split(p, "/") // "", folder, name, index.html
	return len(seg) == 4 && seg[2] != "" && (seg[1] == layout.KindCategory.Folder() || seg[1] == layout.KindTag.Folder())
}
