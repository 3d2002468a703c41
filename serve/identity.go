package serve

import "feedgen/snapshot"

// DefaultIdentityCacheBytes is used when Options.IdentityCacheBytes is 0:
// room for the decompressed bodies of a few dozen typical feeds (≈ 350 KB
// each), which is what the few non-gzip clients (curl, old crawlers) poll.
const DefaultIdentityCacheBytes = 16 << 20

// identityBody returns the identity bytes of f, a compact file, from the
// handler's identity cache (a byteCache keyed by the identity ETag).
//
// Compact files keep only their gzip form, because almost every feed reader
// accepts gzip and holding both forms would double the memory of the daemon.
// A client that does not accept gzip then needs the bytes decompressed; the
// cache makes a client that polls the same feed pay that once, not per
// request, without bringing back the memory compaction saved. Keying by the
// tag rather than by *snapshot.File also keeps the cache from holding old
// snapshots' files alive.
func identityBody(c *byteCache, f *snapshot.File) ([]byte, error) {
	return c.get(f.ETag, f.Identity)
}
