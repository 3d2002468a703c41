package feedgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/diskout"
	"feedgen/feedgen/article"
	"feedgen/internal/sitetest"
	"feedgen/layout"
	"feedgen/serve"
)

// TestPathSafetyNames proves which category and tag names the parser
// refuses, and that every name it accepts (including ones that look like
// encoded traversals, such as a literal "%2e%2e") maps to one directory
// inside the output tree, a URL that percent-encodes it and decodes back to
// it, and a file the server returns.
func TestPathSafetyNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string // "" means accepted
	}{
		{"..", "not allowed"},
		{".", "not allowed"},
		{"../x", "path separator"},
		{"../../etc/passwd", "path separator"},
		{"a/b", "path separator"},
		{"/etc", "path separator"},
		{`a\b`, "path separator"},
		{`..\..\x`, "path separator"},
		{`C:\Windows`, "path separator"},
		{"a\x00b", "control character"},
		{"\x00", "control character"},
		{"a\nb", "control character"},
		{"...", "starts with a dot"},
		{".hidden", "starts with a dot"},
		{"%2e%2e", ""},
		{"%2E%2E", ""},
		{"%2F", ""},
		{"..%2f..%2fetc", "starts with a dot"},
		{"x..%2f..%2fetc", ""},
		{"%00", ""},
		{"a..b", ""},
		{"with space", ""},
		{"河北日报新闻", ""},
		{"?x=1#y", ""},
	}
	src := t.TempDir()
	var accepted []string
	for i, tt := range tests {
		data := fmt.Sprintf("---\ntitle: name %d\ndate: 2023-01-01\ncategories: [%s]\ntags: [%s]\n---\n<p>x</p>\n", i, yamlString(tt.name), yamlString(tt.name))
		_, err := article.Parse("a.txt", []byte(data), testOpts)
		switch {
		case tt.reason == "" && err != nil:
			t.Errorf("%q refused: %v", tt.name, err)
		case tt.reason != "" && (err == nil || !strings.Contains(err.Error(), tt.reason)):
			t.Errorf("%q: err = %v, want %q", tt.name, err, tt.reason)
		}
		if tt.reason == "" {
			accepted = append(accepted, tt.name)
			if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("a%02d.txt", i)), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	cfg := sitetest.Config(t)
	g, s := generate(t, src, cfg)
	if ps := g.Problems(); len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	checkAll(t, s)

	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	w, err := diskout.New(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(s); err != nil {
		t.Fatalf("disk write: %v", err)
	}
	h := serve.NewHandler(serve.Options{})
	h.Swap(s)

	for _, name := range accepted {
		for _, kind := range []layout.Kind{layout.KindCategory, layout.KindTag} {
			k := layout.FeedKey{Kind: kind, Name: name}
			f := s.Get(k.Path(layout.RSS))
			if f == nil {
				t.Errorf("%q: no %s", name, k.Path(layout.RSS))
				continue
			}
			// The URL percent-encodes the name and decodes back to it.
			u := k.URL(cfg.BaseURL, layout.RSS)
			if !bytes.Contains(f.Body, []byte(`href="`+u+`"`)) {
				t.Errorf("%q: self link %s not in the feed", name, u)
			}
			pu, err := url.Parse(u)
			if err != nil || pu.Path != "/"+strings.TrimPrefix(k.Path(layout.RSS), "/") || pu.RawQuery != "" || pu.Fragment != "" {
				t.Errorf("%q: URL %s decodes to path %q query %q fragment %q", name, u, pu.Path, pu.RawQuery, pu.Fragment)
			}
			if strings.Contains(name, "%") && !strings.Contains(u, strings.ReplaceAll(name, "%", "%25")) {
				t.Errorf("%q: URL %s does not escape the percent sign", name, u)
			}
			// The file lands exactly where the path says, inside out.
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(k.Path(layout.RSS))))
			if err != nil || !bytes.Equal(b, f.Body) {
				t.Errorf("%q: file on disk: %v", name, err)
			}
			// The server finds it under its URL.
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", pu.RequestURI(), nil))
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), f.Body) {
				t.Errorf("%q: GET %s = %d", name, pu.RequestURI(), rec.Code)
			}
		}
	}
	// Nothing was written outside out.
	err = filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if rel, _ := filepath.Rel(out, p); p != parent && !filepath.IsLocal(rel) && rel != "." {
			t.Errorf("written outside the output directory: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPathSafetyRequests sends traversal attempts to the server, both
// through the handler and as raw request lines over TCP (so that no client
// cleans the path first), with a real snapshot that has a tag named
// "%2e%2e" and a secret file next to the source directory. Each is a 404;
// none returns anything but a snapshot file.
func TestPathSafetyRequests(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	src := filepath.Join(parent, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "passwd"), []byte("SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte("---\ntitle: a\ndate: 2023-01-01\ntags: [\"%2e%2e\", etc]\n---\n<p>x</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, s := generate(t, src, sitetest.Config(t))
	h := serve.NewHandler(serve.Options{})
	h.Swap(s)
	srv := httptest.NewServer(h)
	defer srv.Close()

	targets := []string{
		"/../passwd",
		"/%2e%2e/passwd",
		"/%2E%2E/%2e%2e/etc/passwd",
		"/tag/../rss.xml",
		"/tag/%2e%2e/rss.xml", // decodes to /tag/../rss.xml, not to the tag named %2e%2e
		"/tag/..%2f..%2fetc/passwd",
		"/tag/..%2frss.xml",
		"/tag/%2e%2e%2frss.xml",
		"/tag/etc/..%2f..%2frss.xml",
		"//etc/passwd",
		"//rss.xml",
		"/tag/etc//rss.xml",
		`/tag\etc\rss.xml`,
		"/tag%5cetc%5crss.xml",
		"/rss.xml%00",
		"/tag/etc/rss.xml%00.html",
		"/%00/../rss.xml",
		"/./rss.xml",
		"/tag/./etc/rss.xml",
		"/tag/etc/rss.xml/",
		"/tag/%252e%252e/../../rss.xml",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			code, body := rawGET(t, srv.Listener.Addr().String(), target)
			if code == 400 {
				return // refused by net/http before the handler: also safe
			}
			if code != 404 {
				t.Errorf("raw GET %s = %d, want 404", target, code)
			}
			if bytes.Contains(body, []byte("SECRET")) {
				t.Errorf("raw GET %s served a file outside the snapshot", target)
			}
			r := httptest.NewRequest("GET", "/", nil)
			if u, err := url.ParseRequestURI(target); err == nil {
				r.URL = u
			} else {
				r.URL = &url.URL{Path: target}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != 404 {
				t.Errorf("handler GET %s = %d, want 404", target, rec.Code)
			}
		})
	}
	// The tag named %2e%2e is reachable under its own, doubly encoded URL.
	if code, body := rawGET(t, srv.Listener.Addr().String(), "/tag/%252e%252e/rss.xml"); code != 200 || !bytes.Equal(body, s.Get("/tag/%2e%2e/rss.xml").Body) {
		t.Errorf("GET /tag/%%252e%%252e/rss.xml = %d", code)
	}
}

// rawGET sends one GET with target written verbatim in the request line.
func rawGET(t *testing.T, addr, target string) (int, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
