package serve

import (
	"net/http"
	"strings"
)

// precondition is what the conditional header fields of a GET or HEAD make
// of it.
type precondition uint8

const (
	proceed     precondition = iota // answer as if there were none: 200
	notModified                     // 304 Not Modified
	failed                          // 412 Precondition Failed
)

// checkPreconditions evaluates the conditional header fields of a GET or
// HEAD for entry e in the order of RFC 9110 section 13.2.2:
//
//  1. If-Match, when present: false is 412. Strong comparison (a weak tag
//     never matches); "*" matches, since e exists.
//  2. Otherwise If-Unmodified-Since, when present and a valid date: e
//     modified since is 412. Feeds are only read, but a client that makes
//     its GET conditional on a version must not get another one silently.
//  3. If-None-Match, when present: a match is 304 (for GET and HEAD, the
//     only methods served). Weak comparison (W/ ignored on both sides);
//     "*" matches.
//  4. Otherwise If-Modified-Since, when present and a valid date: e not
//     modified since is 304.
//  5. If-Range is never evaluated: it only qualifies a Range, and Range is
//     not supported (the full body is always sent, see ServeHTTP), so RFC
//     9110 section 13.1.5 has it ignored.
//
// Every tag of e counts as current (identity, gzip and Brotli): a cache
// may hold any coding, all are still valid, so any one passes If-Match and
// earns a 304. An invalid date is ignored (sections 13.1.3 and 13.1.4), as
// is the rest of a tag list from its first malformed element (scanETag).
// Only the headers are read; well-formed fields cost no allocation.
func checkPreconditions(hdr http.Header, e *entry) precondition {
	if im, ok := hdr[kIM]; ok {
		if !e.tagMatch(im, true) {
			return failed
		}
	} else if ius := hdr[kIUS]; len(ius) > 0 {
		if t, err := http.ParseTime(ius[0]); err == nil && e.modTime.After(t) {
			return failed
		}
	}
	if inm, ok := hdr[kINM]; ok {
		if e.tagMatch(inm, false) {
			return notModified
		}
		return proceed
	}
	if ims := hdr[kIMS]; len(ims) > 0 && e.lastMod != nil && !e.modifiedSince(ims[0]) {
		return notModified
	}
	return proceed
}

// modifiedSince reports whether e (which has a Last-Modified) changed after
// the If-Modified-Since date v; an unparseable date counts as modified, so
// the field is ignored.
func (e *entry) modifiedSince(v string) bool {
	if v == e.lastMod[0] {
		// Clients echo our Last-Modified verbatim; skip the date parse.
		return false
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return true
	}
	return e.modTime.After(t)
}

// tagMatch reports whether any element of the entity-tag list field values
// is "*" or one of e's tags, by strong comparison (both tags strong and
// equal) or weak comparison (W/ ignored on both sides).
func (e *entry) tagMatch(values []string, strong bool) bool {
	for _, v := range values {
		for {
			tag, rest, ok := scanETag(v)
			if !ok {
				break
			}
			if tag == "*" || tagEqual(tag, e.etag, strong) || tagEqual(tag, e.gzETag, strong) || tagEqual(tag, e.brETag, strong) {
				return true
			}
			v = rest
		}
	}
	return false
}

// tagEqual compares the entity tags a (from a request) and b (ours, ""
// for none) as RFC 9110 section 8.8.3.2 defines.
func tagEqual(a, b string, strong bool) bool {
	if b == "" {
		return false
	}
	aw, bw := strings.HasPrefix(a, "W/"), strings.HasPrefix(b, "W/")
	if strong && (aw || bw) {
		return false
	}
	if aw {
		a = a[2:]
	}
	if bw {
		b = b[2:]
	}
	return a == b
}

// scanETag reads the first element of s, an entity-tag list as If-Match
// and If-None-Match carry (RFC 9110 sections 8.8.3 and 13.1.1):
//
//	list       = *( "," OWS ) element *( OWS "," [ OWS element ] )
//	element    = "*" / entity-tag
//	entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
//	etagc      = %x21 / %x23-7E / %x80-FF
//
// Empty elements and the whitespace around elements are skipped. It
// returns the element ("*", or the tag with its W/ and quotes) and the
// rest of the list after it. ok is false at the end of the list and at a
// malformed element (an unquoted tag, a missing closing quote, a character
// no tag may hold, anything but a comma after a tag): the rest of the
// field is then ignored, the reading net/http's fs.go makes too. For
// If-Match that fails the request (no tag matched), for If-None-Match it
// serves the full body: neither ever sends a version the client did not
// ask for.
func scanETag(s string) (tag, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t,")
	if s == "" {
		return "", "", false
	}
	end := 0
	switch {
	case s[0] == '*':
		end = 1
	default:
		start := 0
		if strings.HasPrefix(s, "W/") {
			start = 2
		}
		if len(s) < start+2 || s[start] != '"' {
			return "", "", false
		}
		for i := start + 1; end == 0; i++ {
			if i == len(s) {
				return "", "", false // no closing quote
			}
			switch c := s[i]; {
			case c == '"':
				end = i + 1
			case c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80:
			default:
				return "", "", false
			}
		}
	}
	rest = strings.TrimLeft(s[end:], " \t")
	if rest != "" && rest[0] != ',' {
		return "", "", false
	}
	return s[:end], rest, true
}
