package serve

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

// state is a snapshot plus the header values precomputed for it. It is
// built completely before being published and never modified afterwards.
type state struct {
	snap    *snapshot.Snapshot
	entries map[string]*entry
	// folders maps the path of a folder with a page, without its trailing
	// slash ("/category/c"), to the Location of its slash form, escaped
	// ("/category/c/"): such a request is redirected (ServeHTTP).
	folders map[string][]string
	health  []byte
	hlen    []string
}

// entry is one file with its two possible representations.
type entry struct {
	ctype   []string
	csp     []string  // the pages' Content-Security-Policy; nil for other files
	lastMod []string  // nil when the file has no ModTime
	modTime time.Time // zero when unknown
	plain   rep       // body nil when the file is compact
	gz      rep       // body nil when there is no gzip form
	br      rep       // body nil when there is no Brotli form
	// compact is the file when it holds its identity bytes only as gzip:
	// an identity response then gets them from the Handler's cache.
	compact *snapshot.File
	// lazy is the file when it renders its bytes on demand (lazy.go).
	lazy *snapshot.File
	link []string // Link header values (WebSub), nil for none
	// etags are the opaque tags that count as "current" for If-Match and
	// If-None-Match: a cache may hold any coding, and all are still valid
	// (checkPreconditions).
	etag, gzETag, brETag string
	cc                   []string // the file's own Cache-Control, else nil
}

// rep is one representation: the bytes and their precomputed headers.
type rep struct {
	body []byte
	etag []string // nil when the file has no validator
	clen []string
}

// newState precomputes everything the responses from s need.
func newState(s *snapshot.Snapshot, links func(*snapshot.File) []string) *state {
	st := &state{snap: s, entries: make(map[string]*entry, s.Len()), folders: map[string][]string{}}
	for _, p := range s.Paths() {
		f := s.Get(p)
		if f == nil {
			continue
		}
		e := &entry{
			ctype:  one(f.ContentType),
			etag:   f.ETag,
			gzETag: f.GzipETag,
			brETag: f.BrETag,
			plain:  rep{body: f.Body, etag: optional(f.ETag), clen: one(strconv.Itoa(f.Size()))},
		}
		if f.IsCompact() {
			e.compact = f
		}
		if f.IsLazy() {
			lazyEntry(e, f)
		}
		if strings.HasPrefix(f.ContentType, "text/html") {
			e.csp = hdrCSP
		}
		if f.CacheControl != "" {
			e.cc = one(f.CacheControl)
		}
		if f.ContentType == "" {
			// Never let the client sniff: an unknown type is bytes.
			e.ctype = one("application/octet-stream")
		}
		if f.Gzip != nil {
			e.gz = rep{body: f.Gzip, etag: optional(f.GzipETag), clen: one(strconv.Itoa(len(f.Gzip)))}
		}
		if f.Br != nil {
			e.br = rep{body: f.Br, etag: optional(f.BrETag), clen: one(strconv.Itoa(len(f.Br)))}
		}
		if !f.ModTime.IsZero() {
			e.modTime = f.ModTime.UTC().Truncate(time.Second)
			e.lastMod = one(e.modTime.Format(http.TimeFormat))
		}
		if links != nil {
			e.link = links(f)
		}
		st.entries[p] = e
		if dir, ok := strings.CutSuffix(p, layout.PageFile); ok && strings.HasSuffix(dir, "/") {
			// A folder is its page, as on a static host: registered here
			// so that a request for "/" costs a lookup, not a string.
			st.entries[dir] = e
			if dir != "/" {
				st.folders[dir[:len(dir)-1]] = one((&url.URL{Path: dir}).EscapedPath())
			}
		}
	}
	st.health = healthBody(s, nil)
	st.hlen = one(strconv.Itoa(len(st.health)))
	return st
}

func optional(s string) []string {
	if s == "" {
		return nil
	}
	return one(s)
}
