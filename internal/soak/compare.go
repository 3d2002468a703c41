package soak

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadTree returns every regular file below dir keyed by slash path with a
// leading slash (the URL path, unescaped).
func ReadTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files["/"+filepath.ToSlash(rel)] = b
		return err
	})
	return files, err
}

// EscapePath percent-encodes each segment of a tree path, as the index
// page does.
func EscapePath(p string) string {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return "/" + strings.Join(segs, "/")
}

// CompareServed fetches every file of want from the daemon at base without
// gzip and reports each one whose bytes differ, and every feed the index
// page links to that want does not have. Nil means the daemon serves
// exactly want.
func CompareServed(client *http.Client, base string, want map[string][]byte) error {
	var errs []error
	paths := make([]string, 0, len(want))
	for p := range want {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		res, err := client.Get(base + EscapePath(p))
		if err != nil {
			errs = append(errs, fmt.Errorf("GET %s: %w", p, err))
			continue
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("GET %s: %w", p, err))
		case res.StatusCode != http.StatusOK:
			errs = append(errs, fmt.Errorf("GET %s: status %d", p, res.StatusCode))
		case res.Header.Get("Content-Encoding") != "":
			errs = append(errs, fmt.Errorf("GET %s: Content-Encoding %q without Accept-Encoding", p, res.Header.Get("Content-Encoding")))
		case !bytes.Equal(body, want[p]):
			errs = append(errs, fmt.Errorf("GET %s: served %d bytes differ from the built %d", p, len(body), len(want[p])))
		}
		if len(errs) >= 10 {
			errs = append(errs, errors.New("(more differences not listed)"))
			return errors.Join(errs...)
		}
	}
	linked, err := IndexPaths(client, base)
	if err != nil {
		errs = append(errs, err)
	}
	for _, p := range linked {
		u, err := url.PathUnescape(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("index link %s: %w", p, err))
			continue
		}
		if _, ok := want[u]; !ok {
			errs = append(errs, fmt.Errorf("index links %s, which the build did not write", u))
		}
	}
	return errors.Join(errs...)
}
