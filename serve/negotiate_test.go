package serve

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

// TestNegotiate proves Accept-Encoding negotiation: q-values, Brotli over
// gzip on a tie, "*", refusals with q=0 and identity;q=0.
func TestNegotiate(t *testing.T) {
	t.Parallel()
	const I, G, B, N = codingIdentity, codingGzip, codingBr, codingNone
	tests := []struct {
		values []string
		want   coding // with both compressed forms
		gzOnly coding // with a gzip form only
		none   coding // with no compressed form
	}{
		{nil, I, I, I},
		{[]string{""}, I, I, I},
		{[]string{"gzip"}, G, G, I},
		{[]string{"GZIP"}, G, G, I},
		{[]string{"x-gzip"}, G, G, I},
		{[]string{"br"}, B, I, I},
		{[]string{"BR"}, B, I, I},
		{[]string{"gzip, deflate, br"}, B, G, I},
		{[]string{"gzip, deflate, br, zstd"}, B, G, I},
		{[]string{"br;q=0.5, gzip"}, G, G, I},
		{[]string{"br, gzip;q=0.5"}, B, G, I},
		{[]string{"br;q=0, gzip"}, G, G, I},
		{[]string{"gzip;q=0"}, I, I, I},
		{[]string{"gzip; q=0.000"}, I, I, I},
		{[]string{"gzip;Q=0"}, I, I, I},
		{[]string{"gzip;q=0.001"}, G, G, I},
		{[]string{"gzip;q=1.000"}, G, G, I},
		{[]string{"gzip;q=1.5"}, I, I, I}, // malformed q: element ignored
		{[]string{"gzip;q=abc"}, I, I, I},
		{[]string{"gzip;q="}, I, I, I},
		{[]string{"*"}, B, G, I},
		{[]string{"*;q=0"}, N, N, N},
		{[]string{"*;q=0, gzip"}, G, G, N},
		{[]string{"*;q=0, identity"}, I, I, I},
		{[]string{"gzip;q=0, *"}, B, I, I},
		{[]string{"deflate"}, I, I, I},
		{[]string{"identity"}, I, I, I},
		{[]string{"identity;q=0"}, N, N, N},
		{[]string{"identity;q=0, gzip"}, G, G, N},
		{[]string{"identity;q=0, br;q=0.2, gzip;q=0.1"}, B, G, N},
		{[]string{"identity, gzip;q=0.5"}, I, I, I},
		{[]string{"identity;q=0.4, gzip;q=0.5"}, G, G, I},
		{[]string{"gzipped"}, I, I, I},
		{[]string{"deflate", "gzip"}, G, G, I},
		{[]string{"gzip", "gzip;q=0"}, I, I, I}, // the refusal wins
		{[]string{" , ;, gzip ; q = 0.8 ,"}, G, G, I},
		{[]string{"br;q=0.8", "gzip;q=0.8"}, B, G, I}, // tie: Brotli
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.values, "|"), func(t *testing.T) {
			if got := negotiate(tt.values, true, true); got != tt.want {
				t.Errorf("both forms: %v, want %v", got, tt.want)
			}
			if got := negotiate(tt.values, true, false); got != tt.gzOnly {
				t.Errorf("gzip only: %v, want %v", got, tt.gzOnly)
			}
			if got := negotiate(tt.values, false, false); got != tt.none {
				t.Errorf("no compressed form: %v, want %v", got, tt.none)
			}
		})
	}
}

// FuzzNegotiate checks that any Accept-Encoding gives a coding the file has
// and never one the client refused outright.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"", "gzip", "br;q=0.5, gzip", "*;q=0", "identity;q=0, gzip;q=0", "gzip;q=1.5", " , ;q=, br"} {
		f.Add(s, true, true)
	}
	f.Fuzz(func(t *testing.T, ae string, hasGzip, hasBr bool) {
		c := negotiate([]string{ae}, hasGzip, hasBr)
		switch c {
		case codingGzip:
			if !hasGzip {
				t.Fatalf("%q: gzip chosen without a gzip form", ae)
			}
		case codingBr:
			if !hasBr {
				t.Fatalf("%q: br chosen without a Brotli form", ae)
			}
		case codingIdentity, codingNone:
		default:
			t.Fatalf("%q: coding %d", ae, c)
		}
		// A coding refused by its own name is never chosen.
		for _, el := range strings.Split(ae, ",") {
			name, params, _ := strings.Cut(el, ";")
			k, v, _ := strings.Cut(params, "=")
			if strings.TrimSpace(k) != "q" || parseQ(strings.Trim(v, " \t")) != 0 || strings.Contains(params, ";") {
				continue
			}
			switch strings.ToLower(strings.Trim(name, " \t")) {
			case "gzip", "x-gzip":
				if c == codingGzip {
					t.Fatalf("%q: gzip chosen although refused", ae)
				}
			case "br":
				if c == codingBr {
					t.Fatalf("%q: br chosen although refused", ae)
				}
			case "identity":
				if c == codingIdentity {
					t.Fatalf("%q: identity chosen although refused", ae)
				}
			}
		}
	})
}

// TestBrotliResponses proves the handler sends the precomputed Brotli form
// with its own strong ETag and Vary, that any coding's tag earns a 304, and
// that a client refusing every form gets 406.
func TestBrotliResponses(t *testing.T) {
	t.Parallel()
	h, s := newTestHandler(t)
	f := s.Get("/rss.xml")
	resp := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": "gzip, deflate, br"})
	b := body(t, resp)
	if resp.Header.Get("Content-Encoding") != "br" || resp.Header.Get("Etag") != f.BrETag || resp.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", resp.Header)
	}
	if !bytes.Equal(b, f.Br) || resp.Header.Get("Content-Length") != strconv.Itoa(len(f.Br)) {
		t.Fatal("body is not the precomputed Brotli form")
	}
	if plain, err := io.ReadAll(brotli.NewReader(bytes.NewReader(b))); err != nil || !bytes.Equal(plain, f.Body) {
		t.Fatalf("Brotli body does not decode to the file: %v", err)
	}
	for _, tag := range []string{f.ETag, f.GzipETag, f.BrETag} {
		if r := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": "br", "If-None-Match": tag}); r.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match %s: status %d, want 304", tag, r.StatusCode)
		}
	}
	if r := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": "br", "If-Match": f.BrETag}); r.StatusCode != http.StatusOK {
		t.Errorf("If-Match Brotli tag: status %d", r.StatusCode)
	}
	r := do(h, "GET", "/rss.xml", map[string]string{"Accept-Encoding": "identity;q=0, zstd"})
	if r.StatusCode != http.StatusNotAcceptable || r.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("identity refused, nothing else acceptable: status %d", r.StatusCode)
	}
	// The OPML file is too small to compress: identity;q=0 cannot be met.
	if r := do(h, "GET", "/feeds.opml", map[string]string{"Accept-Encoding": "identity;q=0, br"}); r.StatusCode != http.StatusNotAcceptable {
		t.Errorf("no compressed form, identity refused: status %d", r.StatusCode)
	}
}
