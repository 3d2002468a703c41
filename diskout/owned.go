package diskout

import (
	"strings"

	"feedgen/layout"
	"feedgen/snapshot"
)

// Names of the files the Writer considers its own when deciding what is
// stale, all from package layout: the feed files and the feed's page at the
// top and in each category and tag folder, the OPML list at the top, and the
// listing page of each of those folders (layout.Kind.ListPath). Anything
// else in the directory belongs to the user, and so do the images a build
// copies from the source (source.IsAssetPath): a name alone cannot tell
// them from the user's own.
var (
	ownedFeeds = withPrecompressed(append(feedFileNames(), layout.PageFile))
	ownedTop   = withPrecompressed(append(feedFileNames(), strings.TrimPrefix(layout.IndexPath, "/"), strings.TrimPrefix(layout.OPMLPath, "/")))
	ownedDirs  = []string{layout.KindCategory.Folder(), layout.KindTag.Folder()}
	// ownedList are the names of the listing page in each of ownedDirs.
	ownedList = withPrecompressed([]string{layout.PageFile})
	// ownedArchive are the names of an archive month's files.
	ownedArchive = func() map[string]bool {
		m := map[string]bool{}
		for _, n := range withPrecompressed(feedFileNames()) {
			m[n] = true
		}
		return m
	}()
)

// feedFileNames lists the file name of every feed format.
func feedFileNames() []string {
	names := make([]string, 0, len(layout.Formats))
	for _, f := range layout.Formats {
		names = append(names, f.FileName())
	}
	return names
}

// withPrecompressed adds to names the precompressed files that can stand
// beside each of them (build -precompress writes NAME.gz and NAME.br). They
// are ours too: a stale NAME.gz left behind after NAME changed or went, or
// after a build without -precompress, would make a static server send old
// bytes to every gzip client, so they are removed like NAME.
func withPrecompressed(names []string) []string {
	out := make([]string, 0, 3*len(names))
	for _, n := range names {
		out = append(out, n, n+snapshot.SuffixGzip, n+snapshot.SuffixBrotli)
	}
	return out
}
