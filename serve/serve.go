// Package serve is the HTTP front of the feed daemon: it answers requests
// from the current in-memory snapshot and nothing else.
//
// Everything a response needs (bodies, gzip and Brotli bodies, validators, header
// values) is computed once when a snapshot is published, so a request costs
// a map lookup, a few header assignments and one Write. The handler never
// touches the file system, never compresses per request and logs nothing per
// request, because it is meant to compete with a static nginx.
//
// Two exceptions, each with a small bounded cache (one type for both,
// byteCache in cache.go) so that a client polling the same file pays once:
// a compact file (only its compressed forms in memory) asked for by a
// client that accepts neither gets its identity bytes decompressed
// (identity.go); and a lazy file (an archive document, whose bytes are not
// held at all: lazy.go) is rendered from the state, and compressed in the
// coding asked for, when a request needs its bytes.
//
// A folder is its page, as on a static host ("/category/c/" answers with
// "/category/c/index.html"), and the folder asked for without its slash
// is redirected to it (308). Conditional requests are evaluated in one
// place, precondition.go.
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
	// CacheControl is sent with every file response (200 and 304) that
	// the file does not set its own for, and with the redirects of
	// folders. Empty means DefaultCacheControl.
	CacheControl string
	// Logger receives publication events only, never per-request lines,
	// so that logging cannot become the bottleneck. Nil discards.
	Logger *slog.Logger
	// IdentityCacheBytes bounds the total size of the decompressed identity
	// bodies of compact files kept for clients that do not accept gzip.
	// 0 means DefaultIdentityCacheBytes; negative keeps none (every such
	// request decompresses; requests at the same time, once).
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
	identity     *byteCache // compact files' identity bodies (identity.go)
	links        func(*snapshot.File) []string
	degraded     func() []string
	lazy         *byteCache // lazy files' bodies (lazy.go)
	// swapped is closed by the next Swap (a request for a lazy file that
	// a regeneration is replacing waits for it; lazy.go).
	swapped     atomic.Pointer[chan struct{}]
	lazyFailing atomic.Bool // a lazy file failed; logged once (lazy.go)
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
	body308      = []byte("308 permanent redirect to the folder (with a trailing slash)\n")
	hdrLen308    = one(strconv.Itoa(len(body308)))
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
	kCT       = "Content-Type"
	kCL       = "Content-Length"
	kCE       = "Content-Encoding"
	kETag     = "Etag"
	kLM       = "Last-Modified"
	kCC       = "Cache-Control"
	kVary     = "Vary"
	kNosniff  = "X-Content-Type-Options"
	kCSP      = "Content-Security-Policy"
	kAllow    = "Allow"
	kRetry    = "Retry-After"
	kAE       = "Accept-Encoding"
	kINM      = "If-None-Match"
	kIMS      = "If-Modified-Since"
	kIM       = "If-Match"
	kIUS      = "If-Unmodified-Since"
	kLink     = "Link"
	kLocation = "Location"
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
	h := &Handler{cacheControl: one(cc), log: lg, identity: newByteCache(idMax), links: opts.Links, degraded: opts.Degraded, lazy: newByteCache(lzMax)}
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

// ServeHTTP answers GET and HEAD from the current snapshot: it finds the
// file (lookup), picks its coding (representation), sets the validators,
// evaluates the conditional header fields (checkPreconditions) and sends
// the body.
//
// Range requests are deliberately not supported: the Range header is
// ignored and the full body is sent with 200, which RFC 9110 section 14.2
// permits. Feeds are small and change as a whole, so partial transfers buy
// nothing, and not parsing Range means no malformed Range can ever produce
// a 416 or an error.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st, e := h.lookup(w, r)
	if e == nil {
		return
	}
	cd, rp := representation(w, r, e)
	if rp == nil {
		return
	}
	h.setValidators(w.Header(), e, rp)
	switch checkPreconditions(r.Header, e) {
	case failed:
		writeStatic(w, r, http.StatusPreconditionFailed, body412, hdrLen412)
		return
	case notModified:
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body, ok := h.body(w, r, st, e, cd, rp)
	if !ok {
		return
	}
	writeBody(w, r, e, cd, rp, body)
}

// lookup returns the current state and the entry a request names, or
// answers the request itself (405, /healthz, 503, 308, 404) and returns a
// nil entry.
func (h *Handler) lookup(w http.ResponseWriter, r *http.Request) (*state, *entry) {
	hdr := w.Header()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr[kAllow] = hdrAllow
		writeStatic(w, r, http.StatusMethodNotAllowed, body405, hdrLen405)
		return nil, nil
	}
	st := h.state.Load()
	p := r.URL.Path
	if p == layout.HealthPath {
		h.serveHealth(w, r, st)
		return nil, nil
	}
	if st == nil {
		hdr[kRetry] = hdrRetry
		writeStatic(w, r, http.StatusServiceUnavailable, body503, hdrLen503)
		return nil, nil
	}
	if !validPath(p) {
		writeStatic(w, r, http.StatusNotFound, body404, hdrLen404)
		return nil, nil
	}
	if e := st.entries[p]; e != nil {
		return st, e
	}
	if loc := st.folders[p]; loc != nil {
		h.redirect(w, r, loc)
		return nil, nil
	}
	writeStatic(w, r, http.StatusNotFound, body404, hdrLen404)
	return nil, nil
}

// redirect answers a folder asked for without its trailing slash with
// 308 Permanent Redirect to the slash form at loc, keeping the query: a
// relative link in the page resolves against the folder only with the
// slash, and the method and query are what the client sent. The redirect
// is as fresh as the snapshot, so it carries the files' Cache-Control
// (a browser would otherwise keep a permanent redirect for good).
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, loc []string) {
	if q := r.URL.RawQuery; q != "" {
		loc = one(loc[0] + "?" + q)
	}
	hdr := w.Header()
	hdr[kLocation] = loc
	hdr[kCT] = hdrPlain
	hdr[kNosniff] = hdrNosniff
	hdr[kCC] = h.cacheControl
	hdr[kCL] = hdrLen308
	w.WriteHeader(http.StatusPermanentRedirect)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body308)
	}
}

// representation picks the content coding of the response to a request
// for e and the representation that goes with it, or answers 406 and
// returns nil. Every answer varies with Accept-Encoding.
func representation(w http.ResponseWriter, r *http.Request, e *entry) (coding, *rep) {
	w.Header()[kVary] = hdrVary
	cd := negotiate(r.Header[kAE], e.gz.body != nil || e.lazy != nil, e.br.body != nil || e.lazy != nil)
	switch cd {
	case codingGzip:
		return cd, &e.gz
	case codingBr:
		return cd, &e.br
	case codingNone:
		writeStatic(w, r, http.StatusNotAcceptable, body406, hdrLen406)
		return cd, nil
	}
	return cd, &e.plain
}

// setValidators sets the header fields a 200, a 304 and a 412 for e share:
// caching, validators and links.
func (h *Handler) setValidators(hdr http.Header, e *entry, rp *rep) {
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
}

// body returns the bytes of a 200 for e in coding cd: the precomputed ones,
// or those of the identity cache (a compact file) or the lazy cache (a lazy
// file). A HEAD in identity needs only the length, which the file knows,
// so it produces nothing. On a failure it answers the request itself and
// returns false.
func (h *Handler) body(w http.ResponseWriter, r *http.Request, st *state, e *entry, cd coding, rp *rep) ([]byte, bool) {
	switch {
	case e.compact != nil && cd == codingIdentity && r.Method != http.MethodHead:
		b, err := identityBody(h.identity, e.compact)
		if err != nil {
			// Only a damaged gzip form gets here; never send bytes that
			// do not match the validators already set.
			h.log.Error("serve: cannot decompress identity body", "path", r.URL.Path, "err", err)
			hdr := w.Header()
			delete(hdr, kETag)
			delete(hdr, kLM)
			writeStatic(w, r, http.StatusInternalServerError, body500, hdrLen500)
			return nil, false
		}
		return b, true
	case e.lazy != nil && (cd != codingIdentity || r.Method != http.MethodHead):
		return h.lazyBody(w, r, st, e, cd)
	}
	return rp.body, true
}

// writeBody sends a 200 for e: the header fields of its representation and,
// unless the request is a HEAD, body.
func writeBody(w http.ResponseWriter, r *http.Request, e *entry, cd coding, rp *rep, body []byte) {
	hdr := w.Header()
	hdr[kCT] = e.ctype
	hdr[kNosniff] = hdrNosniff
	if e.csp != nil {
		hdr[kCSP] = e.csp
	}
	hdr[kCL] = rp.clen
	if e.lazy != nil && cd != codingIdentity {
		// Compressed on demand: the length is known only now.
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
