package diskout

import "feedgen/snapshot"

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
