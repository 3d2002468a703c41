package article

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameList reads categories or tags: a space-separated string (as Jekyll
// does) or a list. Every name becomes a directory name on disk, so a name
// that could escape its folder is rejected.
func nameList(fm map[string]any, keys ...string) ([]string, error) {
	var raw []string
	for _, k := range keys {
		switch v := fm[k].(type) {
		case nil:
		case string:
			raw = append(raw, strings.Fields(v)...)
		case []any:
			for _, e := range v {
				s := strings.TrimSpace(str(e))
				if s == "" {
					if e != nil {
						return nil, fmt.Errorf("%s: %v is not a name", k, e)
					}
					continue
				}
				raw = append(raw, s)
			}
		case int, int64, float64, bool:
			raw = append(raw, str(v))
		default:
			return nil, fmt.Errorf("%s: want a string or a list of strings", k)
		}
	}
	seen := make(map[string]bool, len(raw))
	out := raw[:0]
	for _, n := range raw {
		if err := CheckName(n); err != nil {
			return nil, fmt.Errorf("%s: %w", keys[0], err)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// MaxNames is the most categories and tags one article may have together.
const MaxNames = 100

// maxNameBytes keeps a category or tag within a file-system name (255 bytes
// on most file systems) with room to spare.
const maxNameBytes = 200

// CheckName says why n cannot be a category or tag (nil if it can): each
// names a folder of the output, so it must be a single, visible directory
// name (no path separator, dot name or control character) and plain text.
func CheckName(n string) error {
	switch {
	case !utf8.ValidString(n):
		return fmt.Errorf("%q is not valid UTF-8", n)
	case n == "." || n == "..":
		return fmt.Errorf("%q is not allowed", n)
	case strings.ContainsAny(n, `/\`):
		return fmt.Errorf("%q contains a path separator", n)
	case strings.HasPrefix(n, "."):
		return fmt.Errorf("%q starts with a dot", n)
	case len(n) > maxNameBytes:
		return fmt.Errorf("%.20q… is longer than %d bytes", n, maxNameBytes)
	}
	for _, r := range n {
		if unicode.IsControl(r) || !xmlChar(r) || r == utf8.RuneError {
			return fmt.Errorf("%q contains a control character", n)
		}
	}
	// The name titles its feed ("#name") and is a category of every item:
	// plain text, so no markup or character reference.
	if plainString(n) != cleanText(n) {
		return fmt.Errorf("%q contains markup", n)
	}
	return nil
}
