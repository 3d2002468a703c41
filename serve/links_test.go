package serve

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"feedgen/snapshot"
)

// TestLinks: the Link values Options.Links gives a file are sent with its
// 200, 304 and HEAD responses, and nothing for files it gives none;
// without Links no response has the header.
func TestLinks(t *testing.T) {
	t.Parallel()
	links := func(f *snapshot.File) []string {
		if !strings.HasSuffix(f.Path, ".xml") {
			return nil
		}
		return []string{`<https://hub.example/>; rel="hub"`, "<https://f.example" + f.Path + `>; rel="self"`}
	}
	h := NewHandler(Options{Links: links})
	h.Swap(testSnapshot("a"))
	want := []string{`<https://hub.example/>; rel="hub"`, `<https://f.example/rss.xml>; rel="self"`}
	resp := do(h, http.MethodGet, "/rss.xml", nil)
	if got := resp.Header.Values("Link"); !slices.Equal(got, want) {
		t.Fatalf("GET: Link %q, want %q", got, want)
	}
	etag := resp.Header.Get("Etag")
	resp = do(h, http.MethodGet, "/rss.xml", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != http.StatusNotModified || !slices.Equal(resp.Header.Values("Link"), want) {
		t.Fatalf("304: %d, Link %q", resp.StatusCode, resp.Header.Values("Link"))
	}
	if got := do(h, http.MethodHead, "/rss.xml", nil).Header.Values("Link"); !slices.Equal(got, want) {
		t.Fatalf("HEAD: Link %q", got)
	}
	for _, p := range []string{"/", "/feeds.opml", "/tag/%E6%B2%B3%E5%8C%97%E6%97%A5%E6%8A%A5%E6%96%B0%E9%97%BB/feed.json", "/nope"} {
		if got := do(h, http.MethodGet, p, nil).Header.Values("Link"); got != nil {
			t.Errorf("%s: Link %q, want none", p, got)
		}
	}
	plain, _ := newTestHandler(t)
	if got := do(plain, http.MethodGet, "/rss.xml", nil).Header.Values("Link"); got != nil {
		t.Errorf("without Links: Link %q", got)
	}
}
