// Package serve is the HTTP front of the feed daemon: it answers requests
// from the current in-memory snapshot and nothing else.
//
// Everything a response needs (bodies, gzip and Brotli bodies, validators, header
// values) is computed once when a snapshot is published, so a request costs
// a map lookup, a few header assignments and one Write. The handler never
// touches the file system, never compresses per request and logs nothing per
// request, because it is meant to compete with a static nginx.
//
// Two exceptions, each with a small bounded cache so that a client polling
// the same file pays once: a compact file (only its compressed forms in
// memory) asked for by a client that accepts neither gets its identity
// bytes decompressed; and a lazy file (an archive document, whose bytes are
// not held at all: serve/lazy.go) is rendered from the state, and
// compressed in the coding asked for, when a request needs its bytes.
package serve

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
)

// DefaultCacheControl is used when Options.CacheControl is empty. Five
// minutes keeps readers' polling cheap while a rebuild still shows up soon.
const DefaultCacheControl = "public, max-age=300"

// Options configures a Handler. The zero value is usable.
type Options struct {
	// CacheControl is sent with every file response (200 and 304).
	// Empty means DefaultCacheControl.
	CacheControl string
	// Logger receives publication events only, never per-request lines,
	// so that logging cannot become the bottleneck. Nil discards.
	Logger *slog.Logger
	// IdentityCacheBytes bounds the total size of the decompressed identity
	// bodies of compact files kept for clients that do not accept gzip.
	// 0 means DefaultIdentityCacheBytes; negative disables the cache (every
	// such request decompresses).
	IdentityCacheBytes int64
	// Links, when set, gives the values of the Link header of the file at
	// a path (nil: none): WebSub's rel="hub" and rel="self". It is called
	// once per file when a snapshot is published, never per request.
	Links func(f *snapshot.File) []string
	// Degraded, when set, names what is wrong with the daemon although it
	// serves (see healthReport); /healthz asks it at each request.
	Degraded func() []string
	// LazyCacheBytes bounds the bodies kept of lazy files (archive
	// documents rendered on demand, lazy.go). 0 means
	// DefaultLazyCacheBytes; negative keeps none.
	LazyCacheBytes int64
}

// Handler serves the current snapshot. Safe for concurrent use: requests
// read one immutable published state through an atomic pointer, so a
// response is always built from a single snapshot even while Swap runs.
type Handler struct {
	state        atomic.Pointer[state]
	cacheControl []string
	log          *slog.Logger
	identity     *identityCache
	links        func(*snapshot.File) []string
	degraded     func() []string
	lazy         *lazyCache
	// swapped is closed by the next Swap (a request for a lazy file that
	// a regeneration is replacing waits for it; lazy.go).
	swapped     atomic.Pointer[chan struct{}]
	lazyFailing atomic.Bool // a lazy file failed; logged once (lazy.go)
}

// state is a snapshot plus the header values precomputed for it. It is
// built completely before being published and never modified afterwards.
type state struct {
	snap    *snapshot.Snapshot
	entries map[string]*entry
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
	// etags are the opaque tags that count as "current" for
	// If-None-Match: a cache may hold any coding, and all are still
	// valid, so any one earns a 304.
	etag, gzETag, brETag string
	cc                   []string // the file's own Cache-Control, else nil
}

// rep is one representation: the bytes and their precomputed headers.
type rep struct {
	body []byte
	etag []string // nil when the file has no validator
	clen []string
}

// Header values shared by all responses. The slices have len == cap so an
// append by a wrapping middleware copies instead of writing into them;
// handlers further out must not assign into their elements.
var (
	hdrVary      = one("Accept-Encoding")
	hdrNosniff   = one("nosniff")
	hdrCSP       = one(layout.PageCSPHeader)
	hdrGzip      = one("gzip")
	hdrBr        = one("br")
	hdrNoStore   = one("no-store")
	hdrPlain     = one(layout.TypePlain)
	hdrJSON      = one("application/json")
	hdrAllow     = one("GET, HEAD")
	hdrRetry     = one("1")
	body404      = []byte("404 page not found\n")
	body412      = []byte("412 precondition failed\n")
	hdrLen412    = one(strconv.Itoa(len(body412)))
	body405      = []byte("405 method not allowed\n")
	body406      = []byte("406 not acceptable: no content coding that Accept-Encoding allows\n")
	hdrLen406    = one(strconv.Itoa(len(body406)))
	body500      = []byte("500 internal server error\n")
	hdrLen500    = one(strconv.Itoa(len(body500)))
	body503      = []byte("503 no snapshot yet\n")
	health503    = []byte(`{"status":"starting"}` + "\n")
	hdrLen404    = one(strconv.Itoa(len(body404)))
	hdrLen405    = one(strconv.Itoa(len(body405)))
	hdrLen503    = one(strconv.Itoa(len(body503)))
	hdrLenHealth = one(strconv.Itoa(len(health503)))
)

func one(s string) []string { return []string{s}[:1:1] }

// Canonical header keys, assigned directly into the header map: the map
// write skips CanonicalHeaderKey, and these spellings are what net/http and
// Header.Get use ("Etag", not "ETag").
const (
	kCT      = "Content-Type"
	kCL      = "Content-Length"
	kCE      = "Content-Encoding"
	kETag    = "Etag"
	kLM      = "Last-Modified"
	kCC      = "Cache-Control"
	kVary    = "Vary"
	kNosniff = "X-Content-Type-Options"
	kCSP     = "Content-Security-Policy"
	kAllow   = "Allow"
	kRetry   = "Retry-After"
	kAE      = "Accept-Encoding"
	kINM     = "If-None-Match"
	kIMS     = "If-Modified-Since"
	kIM      = "If-Match"
	kIUS     = "If-Unmodified-Since"
	kLink    = "Link"
)

// NewHandler returns a Handler with no snapshot; it answers 503 until the
// first Swap.
func NewHandler(opts Options) *Handler {
	cc := opts.CacheControl
	if cc == "" {
		cc = DefaultCacheControl
	}
	lg := opts.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	idMax := opts.IdentityCacheBytes
	if idMax == 0 {
		idMax = DefaultIdentityCacheBytes
	}
	lzMax := opts.LazyCacheBytes
	if lzMax == 0 {
		lzMax = DefaultLazyCacheBytes
	}
	h := &Handler{cacheControl: one(cc), log: lg, identity: newIdentityCache(idMax), links: opts.Links, degraded: opts.Degraded, lazy: newLazyCache(lzMax)}
	ch := make(chan struct{})
	h.swapped.Store(&ch)
	return h
}

// Swap publishes s for all following requests. Requests already running
// finish with the snapshot they started with. A nil s is ignored: once the
// daemon has something to serve it must never fall back to 503.
func (h *Handler) Swap(s *snapshot.Snapshot) {
	if s == nil {
		h.log.Warn("serve: ignoring nil snapshot")
		return
	}
	h.state.Store(newState(s, h.links))
	ch := make(chan struct{})
	close(*h.swapped.Swap(&ch))
	st := s.Stats()
	h.log.Debug("serve: snapshot published", "files", s.Len(), "feeds", st.Feeds, "articles", st.Articles)
}

// Snapshot returns the snapshot being served, or nil before the first Swap.
func (h *Handler) Snapshot() *snapshot.Snapshot {
	if st := h.state.Load(); st != nil {
		return st.snap
	}
	return nil
}

func newState(s *snapshot.Snapshot, links func(*snapshot.File) []string) *state {
	st := &state{snap: s, entries: make(map[string]*entry, s.Len())}
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

// ServeHTTP answers GET and HEAD from the current snapshot.
//
// Range requests are deliberately not supported: the Range header is
// ignored and the full body is sent with 200, which RFC 9110 section 14.2
// permits. Feeds are small and change as a whole, so partial transfers buy
// nothing, and not parsing Range means no malformed Range can ever produce
// a 416 or an error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr[kAllow] = hdrAllow
		writeStatic(w, r, http.StatusMethodNotAllowed, body405, hdrLen405)
		return
	}
	st := h.state.Load()
	p := r.URL.Path
	if p == layout.HealthPath {
		h.serveHealth(w, r, st)
		return
	}
	if st == nil {
		hdr[kRetry] = hdrRetry
		writeStatic(w, r, http.StatusServiceUnavailable, body503, hdrLen503)
		return
	}
	var e *entry
	if validPath(p) {
		e = st.entries[p]
	}
	if e == nil {
		writeStatic(w, r, http.StatusNotFound, body404, hdrLen404)
		return
	}

	cd := negotiate(r.Header[kAE], e.gz.body != nil || e.lazy != nil, e.br.body != nil || e.lazy != nil)
	rp := &e.plain
	switch cd {
	case codingGzip:
		rp = &e.gz
	case codingBr:
		rp = &e.br
	case codingNone:
		hdr[kVary] = hdrVary
		writeStatic(w, r, http.StatusNotAcceptable, body406, hdrLen406)
		return
	}
	hdr[kVary] = hdrVary
	hdr[kCC] = h.cacheControl
	if e.cc != nil {
		hdr[kCC] = e.cc
	}
	if rp.etag != nil {
		hdr[kETag] = rp.etag
	}
	if e.lastMod != nil {
		hdr[kLM] = e.lastMod
	}
	if e.link != nil {
		hdr[kLink] = e.link
	}
	if preconditionFailed(r, e) {
		writeStatic(w, r, http.StatusPreconditionFailed, body412, hdrLen412)
		return
	}
	if notModified(r, e) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := rp.body
	if e.compact != nil && cd == codingIdentity && r.Method != http.MethodHead {
		// HEAD needs only the length, which the file knows.
		var err error
		if body, err = h.identity.get(e.compact); err != nil {
			// Only a damaged gzip form gets here; never send bytes that
			// do not match the validators already set.
			h.log.Error("serve: cannot decompress identity body", "path", p, "err", err)
			delete(hdr, kETag)
			delete(hdr, kLM)
			writeStatic(w, r, http.StatusInternalServerError, body500, hdrLen500)
			return
		}
	}
	if e.lazy != nil && (cd != codingIdentity || r.Method != http.MethodHead) {
		// A HEAD in identity needs only the length, which the file knows.
		var ok bool
		if body, ok = h.lazyBody(w, r, st, e, cd); !ok {
			return
		}
	}
	hdr[kCT] = e.ctype
	hdr[kNosniff] = hdrNosniff
	if e.csp != nil {
		hdr[kCSP] = e.csp
	}
	hdr[kCL] = rp.clen
	if e.lazy != nil && cd != codingIdentity {
		hdr[kCL] = one(strconv.Itoa(len(body)))
	}
	switch cd {
	case codingGzip:
		hdr[kCE] = hdrGzip
	case codingBr:
		hdr[kCE] = hdrBr
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body) // a failed write means the client left
	}
}

func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request, st *state) {
	hdr := w.Header()
	hdr[kCT] = hdrJSON
	hdr[kCC] = hdrNoStore
	hdr[kNosniff] = hdrNosniff
	body, clen, code := health503, hdrLenHealth, http.StatusServiceUnavailable
	if st != nil {
		body, clen = h.currentHealth(st)
		code = http.StatusOK
	} else {
		hdr[kRetry] = hdrRetry
	}
	hdr[kCL] = clen
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// writeStatic sends one of the fixed error bodies. Errors are not
// cacheable: a 404 for a tag may become a feed on the next rebuild.
func writeStatic(w http.ResponseWriter, r *http.Request, code int, body []byte, clen []string) {
	hdr := w.Header()
	hdr[kCT] = hdrPlain
	hdr[kNosniff] = hdrNosniff
	hdr[kCC] = hdrNoStore
	hdr[kCL] = clen
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// validPath rejects paths that could only be traversal attempts. The lookup
// is a map, so they could never reach a file anyway; rejecting them
// explicitly keeps that true even if a snapshot ever held such a key.
func validPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if strings.IndexByte(p, '\\') >= 0 || strings.IndexByte(p, 0) >= 0 {
		return false
	}
	for rest := p[1:]; ; {
		seg, tail, more := strings.Cut(rest, "/")
		if seg == "." || seg == ".." {
			return false
		}
		if !more {
			return true
		}
		rest = tail
	}
}

// preconditionFailed evaluates If-Match, or If-Unmodified-Since when there
// is no If-Match (RFC 9110 section 13.2.2, steps 1 and 2). Feeds are only
// read, but a client that makes its GET conditional on a version must not
// get another one silently. If-Match compares strongly: a weak tag never
// matches.
func preconditionFailed(r *http.Request, e *entry) bool {
	if im, ok := r.Header[kIM]; ok {
		for _, v := range im {
			for _, tag := range strings.Split(v, ",") {
				tag = strings.TrimSpace(tag)
				if tag == "*" || (tag != "" && (tag == e.etag || tag == e.gzETag || tag == e.brETag)) {
					return false
				}
			}
		}
		return true
	}
	ius := r.Header[kIUS]
	if len(ius) == 0 {
		return false
	}
	t, err := http.ParseTime(ius[0])
	if err != nil {
		return false // an invalid date is ignored (RFC 9110 13.1.4)
	}
	return e.modTime.After(t)
}

// notModified evaluates If-None-Match, or If-Modified-Since when there is
// no If-None-Match, in the order RFC 9110 section 13.2.2 prescribes.
func notModified(r *http.Request, e *entry) bool {
	if inm, ok := r.Header[kINM]; ok {
		return etagListMatch(inm, e.etag, e.gzETag, e.brETag)
	}
	ims := r.Header[kIMS]
	if len(ims) == 0 || e.lastMod == nil {
		return false
	}
	v := ims[0]
	if v == e.lastMod[0] {
		// Clients echo our Last-Modified verbatim; skip the date parse.
		return true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return false // unparseable dates are ignored (RFC 9110 13.1.3)
	}
	return !e.modTime.After(t)
}

// etagListMatch reports whether any entity tag in the If-None-Match field
// values matches a, b or c by weak comparison (W/ prefixes ignored), or the
// list is "*". Parsing stops at the first malformed element of a value.
func etagListMatch(values []string, a, b, c string) bool {
	for _, v := range values {
		for {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] == '*' {
				return true
			}
			if strings.HasPrefix(v, "W/") {
				v = v[2:]
			}
			if v == "" || v[0] != '"' {
				break
			}
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				break
			}
			tag := v[:end+2]
			if (a != "" && tag == weak(a)) || (b != "" && tag == weak(b)) || (c != "" && tag == weak(c)) {
				return true
			}
			v = v[end+2:]
		}
	}
	return false
}

// weak strips a W/ prefix so that comparison is weak on both sides.
func weak(tag string) string {
	return strings.TrimPrefix(tag, "W/")
}

// NewServer returns an http.Server for h with timeouts that bound how long
// a slow or idle client can hold a connection; http.Server has none by
// default, which lets a handful of slow clients exhaust file descriptors.
func NewServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
}
