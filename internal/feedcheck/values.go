package feedcheck

import (
	"errors"
	"fmt"
	"html"
	"mime"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// parseURL parses s as a URL reference, rejecting what url.Parse lets
// through but validators do not: surrounding or embedded white space and
// control characters.
func parseURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("empty URL")
	}
	if strings.TrimSpace(s) != s {
		return nil, fmt.Errorf("URL %q has surrounding white space", s)
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return nil, fmt.Errorf("URL %q contains white space", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %v", s, errors.Unwrap(err))
	}
	return u, nil
}

// httpURL reports why s is not an absolute http or https URL with a host, or
// nil. Feed readers fetch links outside of any base context, so relative and
// scheme-relative URLs are broken for them.
func httpURL(s string) error {
	u, err := parseURL(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		if u.Scheme == "" {
			return fmt.Errorf("%q is not an absolute URL", s)
		}
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

// absIRI reports why s is not an absolute IRI (any scheme, as Atom ids may
// be tag: or urn: URIs), or nil.
func absIRI(s string) error {
	u, err := parseURL(s)
	if err != nil {
		return err
	}
	if u.Scheme == "" {
		return fmt.Errorf("%q is not an absolute IRI (no scheme)", s)
	}
	if (u.Scheme == "http" || u.Scheme == "https") && (u.Host == "" || u.Opaque != "") {
		return fmt.Errorf("%q has no host", s)
	}
	return nil
}

// rfc822Zones are the named time zones RFC 822 allows; validators reject
// others such as "UTC" or "CEST".
var rfc822Zones = map[string]string{
	"UT": "+0000", "GMT": "+0000",
	"EST": "-0500", "EDT": "-0400",
	"CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600",
	"PST": "-0800", "PDT": "-0700",
}

// parseRFC822 parses an RSS date. It accepts the time.RFC1123Z form and the
// time.RFC1123 form with an RFC 822 zone name, requires a 4-digit year (RSS
// best practice) and checks the day of the week, which time.Parse ignores
// but validators do not.
func parseRFC822(s string) (time.Time, error) {
	const example = "e.g. Mon, 02 Jan 2006 15:04:05 -0700"
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	t, err := time.Parse(time.RFC1123Z, s)
	if err != nil {
		i := strings.LastIndexByte(s, ' ')
		if i < 0 {
			return time.Time{}, fmt.Errorf("%q is not an RFC 822 date with a 4-digit year (%s)", s, example)
		}
		off, ok := rfc822Zones[s[i+1:]]
		if !ok {
			if _, err2 := time.Parse(time.RFC1123, s); err2 == nil {
				return time.Time{}, fmt.Errorf("%q: time zone %q is not allowed by RFC 822 (use GMT or a numeric offset)", s, s[i+1:])
			}
			return time.Time{}, fmt.Errorf("%q is not an RFC 822 date with a 4-digit year (%s)", s, example)
		}
		t, err = time.Parse(time.RFC1123Z, s[:i+1]+off)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 822 date with a 4-digit year (%s)", s, example)
		}
	}
	if day := t.Weekday().String()[:3]; s[:3] != day {
		return time.Time{}, fmt.Errorf("%q: day of week %s does not match the date (a %s)", s, s[:3], day)
	}
	if err := plausibleTime(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// plausibleTime reports why t is implausible as a publication date, or nil.
// The W3C validator warns about dates before 1970 (ImplausibleDate): they
// are almost always generator bugs (zero times, unit errors). Its other
// half, dates in the future, is not checked: a feed may carry a scheduled
// article, and a check that reads the clock would make results depend on
// when the tests run.
func plausibleTime(t time.Time) error {
	if t.Year() < 1970 {
		return fmt.Errorf("implausible date %s (before 1970)", t.Format(time.RFC3339))
	}
	return nil
}

// parseRFC3339 parses an Atom or JSON Feed date. White space is not allowed
// around the value: RFC 4287 date constructs contain only the date-time.
func parseRFC3339(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("empty date")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 date-time (e.g. 2006-01-02T15:04:05Z)", s)
	}
	if err := plausibleTime(t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// emailRE finds an e-mail address anywhere in a string.
var emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// hasEmail reports whether s contains an e-mail address, as RSS author,
// managingEditor and webMaster must.
func hasEmail(s string) bool { return emailRE.MatchString(s) }

// isEmail reports whether s is exactly one e-mail address.
func isEmail(s string) bool {
	loc := emailRE.FindStringIndex(s)
	return loc != nil && loc[0] == 0 && loc[1] == len(s)
}

// plausibleLangTag reports whether s is a syntactically plausible RFC 5646
// language tag: a 2- or 3-letter primary language, then optional extlang,
// script, region, variant, extension and private-use subtags in that order.
// It does not consult the IANA registry; it catches "english", "en_US" and
// empty or malformed tags, which is what validators complain about.
func plausibleLangTag(s string) bool {
	if s == "" {
		return false
	}
	parts := strings.Split(s, "-")
	for _, p := range parts {
		if p == "" || len(p) > 8 || !isAlnum(p) {
			return false
		}
	}
	if strings.EqualFold(parts[0], "x") { // private use only
		return len(parts) > 1
	}
	if !isAlpha(parts[0]) || len(parts[0]) < 2 || len(parts[0]) > 3 {
		return false
	}
	i := 1
	// extlang: up to three 3-letter subtags
	for n := 0; n < 3 && i < len(parts) && len(parts[i]) == 3 && isAlpha(parts[i]); n++ {
		i++
	}
	if i < len(parts) && len(parts[i]) == 4 && isAlpha(parts[i]) { // script
		i++
	}
	if i < len(parts) && ((len(parts[i]) == 2 && isAlpha(parts[i])) || (len(parts[i]) == 3 && isDigit(parts[i]))) { // region
		i++
	}
	for i < len(parts) && (len(parts[i]) >= 5 || (len(parts[i]) == 4 && parts[i][0] >= '0' && parts[i][0] <= '9')) { // variants
		i++
	}
	for i < len(parts) { // extensions ("u-co-phonebk") and private use ("x-foo")
		if len(parts[i]) != 1 {
			return false
		}
		if strings.EqualFold(parts[i], "x") {
			return i+1 < len(parts) // everything after x- is private
		}
		i++
		n := 0
		for ; i < len(parts) && len(parts[i]) >= 2; i++ {
			n++
		}
		if n == 0 {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i] | 0x20
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func isDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9') && !((c|0x20) >= 'a' && (c|0x20) <= 'z') {
			return false
		}
	}
	return true
}

// isMIMEType reports whether s is a media type ("type/subtype", optionally
// with parameters).
func isMIMEType(s string) bool {
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		return false
	}
	slash := strings.IndexByte(mt, '/')
	return slash > 0 && slash < len(mt)-1 && s == strings.TrimSpace(s)
}

// isNonNegInt reports whether s is a decimal integer >= 0 without sign or
// white space, as RSS enclosure length and ttl must be.
func isNonNegInt(s string) bool { return s != "" && len(s) <= 19 && isDigit(s) }

// uriChars are the characters RFC 2396 allows in a URI; the W3C validator
// rejects RSS URLs with anything else (spaces, raw non-ASCII, "[", "|"…),
// which must be percent-encoded.
const uriChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789;/?:@&=+$.-_!~*'()%,#"

// rssURL is httpURL plus the RSS requirement that the URL be plain ASCII
// URI characters (RSS has URLs, not IRIs).
func rssURL(s string) error {
	if err := httpURL(s); err != nil {
		return err
	}
	for _, c := range s {
		if !strings.ContainsRune(uriChars, c) {
			return fmt.Errorf("%q contains %q, which must be percent-encoded in an RSS URL", s, c)
		}
	}
	return nil
}

// canonicalURI reports why an http(s) URI used as an Atom id is not in the
// canonical form the W3C validator expects (NonCanonicalURI): lower-case
// scheme and host, no default port, a non-empty path, upper-case
// percent-escapes and no escaped unreserved characters. Readers compare ids
// as strings, so a non-canonical id risks duplicates.
func canonicalURI(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https" && !strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		return nil
	}
	scheme, rest, _ := strings.Cut(s, "://")
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	switch {
	case scheme != strings.ToLower(scheme):
		return fmt.Errorf("%q is not canonical: scheme must be lower case", s)
	case authority != strings.ToLower(authority):
		return fmt.Errorf("%q is not canonical: host must be lower case", s)
	case (scheme == "http" && strings.HasSuffix(authority, ":80")) || (scheme == "https" && strings.HasSuffix(authority, ":443")):
		return fmt.Errorf("%q is not canonical: remove the default port", s)
	case path == "" || path[0] != '/':
		return fmt.Errorf("%q is not canonical: the path must not be empty (add /)", s)
	}
	for i := 0; i+2 < len(path); i++ {
		if path[i] != '%' {
			continue
		}
		hex := path[i+1 : i+3]
		if hex != strings.ToUpper(hex) {
			return fmt.Errorf("%q is not canonical: percent-escapes must be upper case (%%%s)", s, strings.ToUpper(hex))
		}
		var b byte
		if _, err := fmt.Sscanf(hex, "%02X", &b); err == nil && b < 0x80 && strings.IndexByte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~", b) >= 0 {
			return fmt.Errorf("%q is not canonical: %%%s is an unreserved character and must not be escaped", s, hex)
		}
	}
	return nil
}

// markupRE finds something that looks like an HTML tag or character
// reference in text that a format defines as plain text.
var markupRE = regexp.MustCompile(`</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);`)

// plainText reports the markup found in s, which should be plain text; the
// W3C validator warns (ContainsHTML) because readers will show the tags or
// the double-escaped entities literally.
func plainText(s string) error {
	for _, m := range markupRE.FindAllString(s, -1) {
		// "&A;" is not a character reference any reader knows: it is text.
		if m[0] == '&' && html.UnescapeString(m) == m {
			continue
		}
		return fmt.Errorf("contains markup %q; it must be plain text", truncate(m))
	}
	return nil
}
