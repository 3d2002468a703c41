package diskout

import (
	"fmt"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// localPath validates a snapshot path and returns it relative to the
// output directory, in slash form. It is deliberately stricter than the
// file system: anything that is not a plain sequence of names is refused.
func (w *Writer) localPath(p string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%q: unsafe path: %s", p, why)
	}
	if !strings.HasPrefix(p, "/") {
		return bad("does not start with /")
	}
	if !utf8.ValidString(p) {
		return bad("not valid UTF-8")
	}
	for _, r := range p {
		if r == '\\' {
			return bad("contains a backslash")
		}
		if unicode.IsControl(r) {
			return bad("contains a control character")
		}
	}
	rel := p[1:]
	for _, seg := range strings.Split(rel, "/") {
		switch seg {
		case "":
			return bad("empty segment")
		case ".", "..":
			return bad("dot segment")
		}
	}
	native := filepath.FromSlash(rel)
	if !filepath.IsLocal(native) {
		return bad("not local")
	}
	joined := filepath.Join(w.dir, native)
	if filepath.IsAbs(native) {
		return bad("absolute")
	}
	r, err := filepath.Rel(w.dir, joined)
	if err != nil || !filepath.IsLocal(r) {
		return bad("escapes the output directory")
	}
	return rel, nil
}
