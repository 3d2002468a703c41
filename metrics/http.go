package metrics

import (
	"net/http"
	"sync"
)

// Wrap returns h counting every response it gives: requests by format and
// status class, 304s, and body bytes by content coding. On a nil Metrics
// it returns h itself.
//
// The recording writer comes from a pool and is returned after the
// response, so counting costs no allocation per request; the handler only
// ever sets headers, WriteHeader and Write, which is all it passes on.
func (m *Metrics) Wrap(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return &counting{m: m, next: h}
}

type counting struct {
	m    *Metrics
	next http.Handler
}

var recorders = sync.Pool{New: func() any { return new(recorder) }}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := recorders.Get().(*recorder)
	rec.ResponseWriter, rec.status, rec.bytes = w, 0, 0
	c.next.ServeHTTP(rec, r)
	status := rec.status
	if status == 0 {
		status = http.StatusOK // a handler that only wrote
	}
	c.m.count(r.URL.Path, status, w.Header()["Content-Encoding"], rec.bytes)
	rec.ResponseWriter = nil
	recorders.Put(rec)
}

// count records one response. ce is the Content-Encoding header's values.
func (m *Metrics) count(path string, status int, ce []string, bytes int64) {
	class := status/100 - 1
	if class < 0 || class >= len(classNames) {
		class = len(classNames) - 1 // nonsense status: count it as a server fault
	}
	m.requests[formatOf(path)][class].Inc()
	if status == http.StatusNotModified {
		m.notModified.Inc()
	}
	if bytes > 0 {
		enc := encIdentity
		if len(ce) > 0 {
			switch ce[0] {
			case "gzip":
				enc = encGzip
			case "br":
				enc = encBr
			}
		}
		m.bytesSent[enc].Add(float64(bytes))
	}
}

// recorder is an http.ResponseWriter that notes the status and counts the
// body bytes.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}
