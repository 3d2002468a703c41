package serve

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCheckPreconditions: the conditional header fields are evaluated in
// the order of RFC 9110 section 13.2.2, If-Match strongly and
// If-None-Match weakly, against every coding's tag, and a malformed list or
// date is read as that section says (the rest of a list ignored, an
// invalid date ignored).
func TestCheckPreconditions(t *testing.T) {
	t.Parallel()
	mod := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	lm := mod.Format(http.TimeFormat)
	before := mod.Add(-time.Hour).Format(http.TimeFormat)
	after := mod.Add(time.Hour).Format(http.TimeFormat)
	strong := &entry{etag: `"a"`, gzETag: `"a.gz"`, brETag: `"a.br"`, modTime: mod, lastMod: one(lm)}
	weakTag := &entry{etag: `W/"w"`, modTime: mod, lastMod: one(lm)}
	undated := &entry{etag: `"a"`}
	type H = map[string][]string
	tests := []struct {
		name string
		e    *entry
		hdr  H
		want precondition
	}{
		{"no conditions", strong, nil, proceed},

		// 1. If-Match: strong comparison, any coding's tag, "*".
		{"if-match current", strong, H{kIM: {`"a"`}}, proceed},
		{"if-match gzip tag", strong, H{kIM: {`"a.gz"`}}, proceed},
		{"if-match brotli tag", strong, H{kIM: {`"a.br"`}}, proceed},
		{"if-match list", strong, H{kIM: {`"x", "y" ,"a"`}}, proceed},
		{"if-match second field line", strong, H{kIM: {`"x"`, `"a"`}}, proceed},
		{"if-match star", strong, H{kIM: {"*"}}, proceed},
		{"if-match star in a list", strong, H{kIM: {`"x", *`}}, proceed},
		{"if-match other", strong, H{kIM: {`"x"`}}, failed},
		{"if-match weak is never strong", strong, H{kIM: {`W/"a"`}}, failed},
		{"if-match our weak tag is never strong", weakTag, H{kIM: {`W/"w"`}}, failed},
		{"if-match empty", strong, H{kIM: {""}}, failed},
		{"if-match unquoted", strong, H{kIM: {"a"}}, failed},
		{"if-match unterminated", strong, H{kIM: {`"a`}}, failed},
		{"if-match rest ignored after malformed", strong, H{kIM: {`"x", garbage, "a"`}}, failed},
		{"if-match no comma between tags", strong, H{kIM: {`"x" "a"`}}, failed},
		{"if-match space inside a tag", strong, H{kIM: {`"a b", "a"`}}, failed},

		// 2. If-Unmodified-Since, only without If-Match.
		{"ius later", strong, H{kIUS: {after}}, proceed},
		{"ius equal", strong, H{kIUS: {lm}}, proceed},
		{"ius earlier", strong, H{kIUS: {before}}, failed},
		{"ius invalid date ignored", strong, H{kIUS: {"yesterday"}}, proceed},
		{"ius without a modification time", undated, H{kIUS: {before}}, proceed},
		{"if-match wins over ius", strong, H{kIM: {`"a"`}, kIUS: {before}}, proceed},
		{"failed if-match, ius not asked", strong, H{kIM: {`"x"`}, kIUS: {after}}, failed},

		// 3. If-None-Match: weak comparison, any coding's tag, "*".
		{"inm current", strong, H{kINM: {`"a"`}}, notModified},
		{"inm weak", strong, H{kINM: {`W/"a"`}}, notModified},
		{"inm our weak tag", weakTag, H{kINM: {`"w"`}}, notModified},
		{"inm gzip tag", strong, H{kINM: {`"a.gz"`}}, notModified},
		{"inm brotli tag weak", strong, H{kINM: {`W/"a.br"`}}, notModified},
		{"inm star", strong, H{kINM: {"*"}}, notModified},
		{"inm list", strong, H{kINM: {`"x", W/"y", "a"`}}, notModified},
		{"inm empty elements", strong, H{kINM: {` ,, "a" ,`}}, notModified},
		{"inm second field line", strong, H{kINM: {`"x"`, `"a"`}}, notModified},
		{"inm other", strong, H{kINM: {`"x"`}}, proceed},
		{"inm unquoted", strong, H{kINM: {"a"}}, proceed},
		{"inm unterminated", strong, H{kINM: {`"a`}}, proceed},
		{"inm rest ignored after malformed", strong, H{kINM: {`"x", a, "a"`}}, proceed},
		{"inm star with garbage", strong, H{kINM: {"*x"}}, proceed},
		{"inm empty", strong, H{kINM: {""}}, proceed},
		{"inm lower-case w", strong, H{kINM: {`w/"a"`}}, proceed},

		// Order: 412 before 304; If-None-Match before If-Modified-Since.
		{"failed if-match before inm", strong, H{kIM: {`"x"`}, kINM: {`"a"`}}, failed},
		{"failed ius before inm", strong, H{kIUS: {before}, kINM: {`"a"`}}, failed},
		{"if-match and inm star", strong, H{kIM: {"*"}, kINM: {"*"}}, notModified},
		{"inm other wins over ims", strong, H{kINM: {`"x"`}, kIMS: {after}}, proceed},
		{"inm match wins over old ims", strong, H{kINM: {`"a"`}, kIMS: {before}}, notModified},
		{"inm malformed wins over ims", strong, H{kINM: {`garbage`}, kIMS: {after}}, proceed},

		// 4. If-Modified-Since, only without If-None-Match.
		{"ims equal", strong, H{kIMS: {lm}}, notModified},
		{"ims later", strong, H{kIMS: {after}}, notModified},
		{"ims earlier", strong, H{kIMS: {before}}, proceed},
		{"ims rfc850", strong, H{kIMS: {mod.Format(time.RFC850)}}, notModified},
		{"ims invalid date ignored", strong, H{kIMS: {"yesterday"}}, proceed},
		{"ims without a modification time", undated, H{kIMS: {after}}, proceed},

		// 5. If-Range only qualifies a Range, which is not supported.
		{"if-range ignored", strong, H{"If-Range": {`"x"`}, "Range": {"bytes=0-1"}}, proceed},
		{"if-range ignored with ims", strong, H{"If-Range": {`"x"`}, kIMS: {lm}}, notModified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkPreconditions(http.Header(tt.hdr), tt.e); got != tt.want {
				t.Errorf("%v: %v, want %v", tt.hdr, got, tt.want)
			}
		})
	}
}

func (p precondition) String() string {
	return [...]string{proceed: "proceed", notModified: "304", failed: "412"}[p]
}

// TestScanETag: the elements of entity-tag lists, and where a malformed
// one stops the reading.
func TestScanETag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in        string
		want      []string
		malformed bool
	}{
		{"", nil, false},
		{" \t, ,", nil, false},
		{"*", []string{"*"}, false},
		{` * , "a"`, []string{"*", `"a"`}, false},
		{`"a"`, []string{`"a"`}, false},
		{`W/"a"`, []string{`W/"a"`}, false},
		{`""`, []string{`""`}, false},
		{`W/""`, []string{`W/""`}, false},
		{`"a", W/"b",,"c" ,`, []string{`"a"`, `W/"b"`, `"c"`}, false},
		{"\"\x80\xff!#~\"", []string{"\"\x80\xff!#~\""}, false},
		{`"a`, nil, true},
		{`"`, nil, true},
		{`W/`, nil, true},
		{`W/a`, nil, true},
		{`w/"a"`, nil, true},
		{`a`, nil, true},
		{`"a" "b"`, nil, true},
		{`"a"b`, nil, true},
		{`"a", b, "c"`, []string{`"a"`}, true},
		{`"a b"`, nil, true},
		{"\"a\x7f\"", nil, true},
		{"\"a\x00\"", nil, true},
		{`*x`, nil, true},
		{`**`, nil, true},
		{`"a";q=1`, nil, true},
	}
	for _, tt := range tests {
		var got []string
		s, malformed := tt.in, false
		for {
			tag, rest, ok := scanETag(s)
			if !ok {
				malformed = strings.Trim(s, " \t,") != ""
				break
			}
			got = append(got, tag)
			s = rest
		}
		if !slices.Equal(got, tt.want) || malformed != tt.malformed {
			t.Errorf("%q: %q (malformed %v), want %q (malformed %v)", tt.in, got, malformed, tt.want, tt.malformed)
		}
	}
}

// wellFormed reports whether s is "*" or an entity tag (RFC 9110 section
// 8.8.3), byte by byte: regexp would read the obs-text bytes as UTF-8.
func wellFormed(s string) bool {
	if s == "*" {
		return true
	}
	s = strings.TrimPrefix(s, "W/")
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return false
	}
	for _, c := range []byte(s[1 : len(s)-1]) {
		if c < 0x21 || c == '"' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzScanETag: for any field value, scanETag only returns well-formed
// elements found at the start of what is left, always makes progress, and
// reads a list written back from what it read as that same list.
func FuzzScanETag(f *testing.F) {
	for _, s := range []string{"", "*", `"a"`, `W/"a", "b"`, ` ,"a" ,, W/"" ,`, `"a`, `"a" "b"`, `*x`, "\"\x80\"", `"x", garbage, "a"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var tags []string
		for s := in; ; {
			tag, rest, ok := scanETag(s)
			if !ok {
				if tag != "" || rest != "" {
					t.Fatalf("%q: not ok, yet %q, %q", s, tag, rest)
				}
				break
			}
			if !wellFormed(tag) {
				t.Fatalf("%q: element %q is not an entity tag or *", s, tag)
			}
			if !strings.HasPrefix(strings.TrimLeft(s, " \t,"), tag) {
				t.Fatalf("%q: element %q is not where the list starts", s, tag)
			}
			if !strings.HasSuffix(s, rest) || len(rest) >= len(s) || (rest != "" && rest[0] != ',') {
				t.Fatalf("%q: rest %q", s, rest)
			}
			tags = append(tags, tag)
			s = rest
		}
		var again []string
		for s := strings.Join(tags, ", "); ; {
			tag, rest, ok := scanETag(s)
			if !ok {
				if strings.Trim(s, " \t,") != "" {
					t.Fatalf("%q: list written back from %q does not read to its end", s, in)
				}
				break
			}
			again = append(again, tag)
			s = rest
		}
		if !slices.Equal(tags, again) {
			t.Fatalf("%q read %q; written back, %q", in, tags, again)
		}
	})
}
