package article

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/adrg/frontmatter"
	"gopkg.in/yaml.v3"
)

// splitFrontMatter checks the front matter block itself, because
// adrg/frontmatter reports a missing or unclosed block as "no front matter"
// without an error, and then decodes it.
func splitFrontMatter(data []byte) (map[string]any, []byte, error) {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	delim := string(bytes.TrimRight(first, " \t"))
	if delim != "---" && delim != "+++" {
		return nil, nil, errors.New("no front matter: the first line must be --- (YAML) or +++ (TOML)")
	}
	closed := false
	var block, after []byte
	for rest := data[len(first):]; len(rest) > 0; {
		rest = rest[1:] // the newline
		line, _, _ := bytes.Cut(rest, []byte("\n"))
		if string(bytes.TrimRight(line, " \t")) == delim {
			closed = true
			block = data[len(first)+1 : len(data)-len(rest)]
			after = rest[len(line):]
			break
		}
		rest = rest[len(line):]
	}
	if !closed {
		return nil, nil, fmt.Errorf("%w: no %s line after the first", errNotClosed, delim)
	}
	if delim == "---" {
		if fm, ok := simpleYAML(block); ok {
			return fm, bytes.TrimPrefix(after, []byte("\n")), nil
		}
	}
	fm := map[string]any{}
	formats := []*frontmatter.Format{
		frontmatter.NewFormat("---", "---", yaml.Unmarshal),
		frontmatter.NewFormat("+++", "+++", toml.Unmarshal),
	}
	body, err := frontmatter.MustParse(bytes.NewReader(data), &fm, formats...)
	if err != nil {
		return nil, nil, fmt.Errorf("front matter: %s", oneLine(err.Error()))
	}
	if fm == nil {
		fm = map[string]any{}
	}
	return fm, body, nil
}

// errNotClosed is the error of a front matter block without its closing line.
var errNotClosed = errors.New("front matter is not closed")

// oneLine folds a multi-line library error into one line, so that every
// problem is reported as a single "path: reason" line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// str returns a scalar front matter value as a string; lists and maps give "".
func str(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool, int, int64, uint64, float64:
		return fmt.Sprint(v)
	case time.Time:
		return v.Format(time.RFC3339)
	}
	return ""
}
