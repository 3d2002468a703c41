package serve

import "strings"

// coding is a content coding the handler can send.
type coding uint8

const (
	codingIdentity coding = iota
	codingGzip
	codingBr
	// codingNone means no available coding is acceptable: the client
	// refused identity (identity;q=0 or *;q=0) and every form we hold.
	codingNone
)

// codingNames are the coding's names, for metrics and logs.
var codingNames = [...]string{codingIdentity: "identity", codingGzip: "gzip", codingBr: "br", codingNone: "none"}

func (c coding) String() string { return codingNames[c] }

// negotiate picks the content coding of a response from the
// Accept-Encoding field values (RFC 9110 section 12.5.3), given which
// compressed forms the file has.
//
//   - No Accept-Encoding field: identity, as nginx does (RFC 9110 allows any
//     coding, but a client that says nothing may not decode one).
//   - A coding's weight is its own q when listed, else that of "*" when
//     listed, else 0. Unlisted identity is acceptable, below any listed
//     coding, unless "*;q=0" refuses it.
//     Listed twice, the lowest q counts: a refusal is the safer reading.
//   - The highest weight wins; on a tie Brotli beats gzip beats identity
//     (smaller bytes on the wire for the same preference).
//   - An element with a malformed q is ignored.
//
// It allocates nothing: it runs on every request.
func negotiate(values []string, hasGzip, hasBr bool) coding {
	if values == nil {
		return codingIdentity
	}
	brQ, gzQ, idQ, starQ := -1, -1, -1, -1
	low := func(cur, q int) int {
		if cur < 0 || q < cur {
			return q
		}
		return cur
	}
	for _, v := range values {
		for v != "" {
			var elem string
			elem, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(elem, ";")
			name = trimOWS(name)
			if name == "" {
				continue
			}
			q := 1000
			for params != "" {
				var p string
				p, params, _ = strings.Cut(params, ";")
				k, val, ok := strings.Cut(p, "=")
				if ok && strings.EqualFold(trimOWS(k), "q") {
					q = parseQ(trimOWS(val))
				}
			}
			if q < 0 {
				continue // malformed q: ignore the element
			}
			switch {
			case strings.EqualFold(name, "br"):
				brQ = low(brQ, q)
			case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
				gzQ = low(gzQ, q)
			case strings.EqualFold(name, "identity"):
				idQ = low(idQ, q)
			case name == "*":
				starQ = low(starQ, q)
			}
		}
	}
	weight := func(q int) int {
		switch {
		case q >= 0:
			return q
		case starQ >= 0:
			return starQ
		}
		return 0
	}
	best, bestQ := codingNone, 0
	if hasBr {
		if q := weight(brQ); q > bestQ {
			best, bestQ = codingBr, q
		}
	}
	if hasGzip {
		if q := weight(gzQ); q > bestQ {
			best, bestQ = codingGzip, q
		}
	}
	id := idQ
	if id < 0 {
		// Unlisted, identity is acceptable unless "*;q=0" refuses it (RFC
		// 9110 12.5.3), but least preferred: a client that lists only
		// "gzip;q=0.5" still wants gzip.
		id = 1
		if starQ == 0 {
			id = 0
		}
	}
	if id > bestQ {
		best = codingIdentity
	}
	return best
}

// parseQ parses an RFC 9110 qvalue into thousandths, or returns -1.
func parseQ(s string) int {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return -1
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q
	}
	if s[1] != '.' {
		return -1
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		q += int(c-'0') * scale
		scale /= 10
	}
	if q > 1000 {
		return -1
	}
	return q
}

func trimOWS(s string) string { return strings.Trim(s, " \t") }
