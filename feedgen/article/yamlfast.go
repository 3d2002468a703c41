package article

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// simpleYAML decodes the flat "key: value" front matter that nearly every
// article has, giving exactly what yaml.v3 gives for it, at a fraction of
// the cost: a build indexes tens of thousands of front matters and yaml.v3
// dominated its profile. Anything it is not sure of (lists, quoting with
// escapes, numbers, comments, anchors, multi-line values, duplicate keys)
// makes it say no, and the caller uses the full decoder. FuzzSimpleYAML
// checks the agreement.
func simpleYAML(block []byte) (map[string]any, bool) {
	if !plainText(block) {
		return nil, false
	}
	fm := make(map[string]any, 8)
	for len(block) > 0 {
		line, rest, _ := bytes.Cut(block, []byte("\n"))
		block = rest
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		key, val, ok := cutKey(string(line))
		if !ok {
			return nil, false
		}
		if _, dup := fm[key]; dup {
			return nil, false
		}
		v, ok := simpleScalar(val)
		if !ok {
			return nil, false
		}
		fm[key] = v
	}
	return fm, true
}

// plainText reports whether b is UTF-8 with no character that YAML treats
// specially or refuses (controls, byte order marks, Unicode line breaks).
func plainText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		switch {
		case r == '\n':
		case r < 0x20, r >= 0x7F && r <= 0x9F, r == 0xFEFF, r == 0x2028, r == 0x2029,
			r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return false
		}
	}
	return true
}

// cutKey splits "key: value" where key is a plain identifier at column 0.
func cutKey(line string) (key, val string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	key = line[:i]
	for j := 0; j < len(key); j++ {
		c := key[j]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || (j > 0 && (c >= '0' && c <= '9' || c == '-'))) {
			return "", "", false
		}
	}
	val = line[i+1:]
	if val != "" && val[0] != ' ' {
		return "", "", false // "key:value" is a plain string in YAML, not a pair
	}
	return key, strings.Trim(val, " "), true
}

// jekyllDate is the one plain value starting with a digit that is taken
// here: YAML reads it as a string, since it is no YAML timestamp.
var jekyllDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$`)

// simpleScalar decodes a value that is unambiguous in YAML.
func simpleScalar(v string) (any, bool) {
	if v == "" {
		return nil, true
	}
	if strings.ContainsAny(v, "\t\\") || strings.Contains(v, " #") || strings.Contains(v, ": ") || strings.HasSuffix(v, ":") {
		return nil, false
	}
	switch v[0] {
	case '"':
		if len(v) >= 2 && v[len(v)-1] == '"' && !strings.Contains(v[1:len(v)-1], `"`) {
			return v[1 : len(v)-1], true
		}
		return nil, false
	case '\'':
		if len(v) >= 2 && v[len(v)-1] == '\'' && !strings.Contains(v[1:len(v)-1], `'`) {
			return v[1 : len(v)-1], true
		}
		return nil, false
	case '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', '+', '.', '~', '=', '<':
		return nil, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		if jekyllDate.MatchString(v) {
			return v, true
		}
		return nil, false
	}
	switch v {
	case "true", "True", "TRUE":
		return true, true
	case "false", "False", "FALSE":
		return false, true
	case "null", "Null", "NULL":
		return nil, true
	}
	lower := strings.ToLower(v)
	if lower == "yes" || lower == "no" || lower == "on" || lower == "off" || lower == "y" || lower == "n" ||
		lower == ".inf" || lower == ".nan" {
		return nil, false // YAML 1.1 booleans and specials: let the decoder decide
	}
	return v, true
}
