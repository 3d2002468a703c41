package pipeline

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestHTTPBrotli proves that the daemon serves every file's Brotli form to
// a client that prefers it, with its own ETag, and that it decodes to the
// identity bytes (which are what build writes).
func TestHTTPBrotli(t *testing.T) {
	parallel(t)
	td := httpDaemon(t)
	paths := []string{"/rss.xml", "/atom.xml", "/feed.json", "/index.html", "/tag/农业新闻/rss.xml"}
	td.waitGzip(t, paths...) // Brotli forms are computed with the gzip ones
	for _, p := range paths {
		plain := td.do(t, http.MethodGet, p, nil)
		br := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip, deflate, br"})
		if br.code != http.StatusOK || br.hdr.Get("Content-Encoding") != "br" {
			t.Fatalf("%s: status %d, Content-Encoding %q, want br", p, br.code, br.hdr.Get("Content-Encoding"))
		}
		got, err := io.ReadAll(brotli.NewReader(bytes.NewReader(br.body)))
		if err != nil || !bytes.Equal(got, plain.body) {
			t.Fatalf("%s: Brotli body does not decode to the identity body (%v)", p, err)
		}
		if len(br.body) >= len(plain.body) {
			t.Errorf("%s: Brotli body (%d bytes) not smaller than the identity body", p, len(br.body))
		}
		tag := br.hdr.Get("Etag")
		if tag == "" || tag == plain.hdr.Get("Etag") {
			t.Errorf("%s: Brotli ETag %q must exist and differ from the identity one", p, tag)
		}
		if r := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "br", "If-None-Match": tag}); r.code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match with the Brotli tag: %d, want 304", p, r.code)
		}
	}
}
