package article

import (
	"bytes"
	"regexp"
	"time"
)

// zoneOffset ends a written time that names its zone: "Z", "+08:00",
// "+0800" or "-05" after the clock (a date alone names none).
var zoneOffset = regexp.MustCompile(`(?i)\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(z|[+-]\d{2}(:?\d{2})?)$`)

// zoneless puts a YAML or TOML timestamp written without a zone into loc.
//
// YAML reads "2024-05-08" and "2024-05-08 09:30:00" as UTC timestamps, and
// old TOML decoders do the same with local dates, so the decoded value no
// longer says that its author gave no zone; docs/feeds.md promises that such a
// date is in the configured timezone, as a Jekyll site would read it. The
// front matter text (data) still says it: when the key's written value has
// no zone, the decoded wall clock is taken in loc. Any other value is
// returned as it is.
func zoneless(data []byte, key string, v any, loc *time.Location) any {
	t, ok := v.(time.Time)
	if !ok || loc == nil || loc == time.UTC {
		return v
	}
	if _, off := t.Zone(); off != 0 {
		return v // the decoder found a zone in the text
	}
	raw, ok := rawValue(data, key)
	if !ok || zoneOffset.Match(raw) {
		return v
	}
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
}

// rawValue is the text of key's value in the front matter at the start of
// data ("key: value" in YAML, "key = value" in TOML), without quotes and
// trailing comment; ok is false when the key is not written on a line of
// its own at the top level.
func rawValue(data []byte, key string) (raw []byte, ok bool) {
	_, rest, _ := bytes.Cut(data, []byte("\n")) // the opening delimiter
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if t := bytes.TrimSpace(line); string(t) == "---" || string(t) == "+++" {
			return nil, false // the end of the front matter: the body is not read
		}
		v, found := bytes.CutPrefix(line, []byte(key))
		if !found {
			continue
		}
		v = bytes.TrimLeft(v, " \t")
		if len(v) == 0 || (v[0] != ':' && v[0] != '=') {
			continue
		}
		v = v[1:]
		if j := bytes.Index(v, []byte(" #")); j >= 0 {
			v = v[:j]
		}
		return bytes.Trim(v, " \t\"'"), true
	}
	return nil, false
}
