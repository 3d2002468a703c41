// Package bucket mirrors what feedgen publishes into an S3-compatible
// object store (AWS S3, R2, B2, GCS interoperability, SeaweedFS, Garage):
// the keys are the paths an output directory would hold, and each object
// carries the headers the daemon would send for it, so that a CDN in front
// of the bucket serves exactly what the daemon serves.
//
// A publish is incremental and ordered. It uploads only the objects whose
// bytes (or headers) changed and deletes only the ones that went away; it
// knows what the bucket holds from the state directory (a Manifest), or
// else from one LIST. Archive documents (and files pages point at) go
// first, then pages, then the feeds, then the site index and the OPML list,
// deletions last, so that nothing published links to what is not there
// yet. A publish that would delete more than a bound refuses.
package bucket

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scheme starts every target: s3://BUCKET[/PREFIX].
const Scheme = "s3://"

// Target is one place a site is mirrored to: a bucket and a key prefix.
type Target struct {
	Bucket string
	// Prefix is put before every key: "" or a slash path without a
	// leading slash, ending with one ("site/").
	Prefix string
}

// ParseTarget reads s3://BUCKET[/PREFIX]. The bucket name follows S3's
// rules (3 to 63 lower-case letters, digits, dots and hyphens); the prefix
// is a plain slash path.
func ParseTarget(s string) (Target, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Target{}, fmt.Errorf("%q: want s3://BUCKET or s3://BUCKET/PREFIX", s)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if err := checkBucket(bucket); err != nil {
		return Target{}, fmt.Errorf("%q: %w", s, err)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		if err := checkRel(prefix); err != nil {
			return Target{}, fmt.Errorf("%q: prefix: %w", s, err)
		}
		prefix += "/"
	}
	return Target{Bucket: bucket, Prefix: prefix}, nil
}

// String is the target as ParseTarget reads it.
func (t Target) String() string {
	return Scheme + t.Bucket + "/" + strings.TrimSuffix(t.Prefix, "/")
}

// key is the object key of rel, a published path without its leading
// slash ("tag/x/rss.xml").
func (t Target) key(rel string) string { return t.Prefix + rel }

func checkBucket(b string) error {
	if len(b) < 3 || len(b) > 63 {
		return errors.New("a bucket name has 3 to 63 characters")
	}
	for i, r := range b {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		case (r == '-' || r == '.') && i > 0 && i < len(b)-1:
		default:
			return fmt.Errorf("bucket name %q: only lower-case letters, digits, and inner dots and hyphens", b)
		}
	}
	return nil
}

// relPath checks a published path ("/tag/x/rss.xml") and returns it
// without its leading slash: the key below the prefix, and the path the
// manifest records (as diskout records a file below its directory).
func relPath(p string) (string, error) {
	rel, ok := strings.CutPrefix(p, "/")
	if !ok {
		return "", fmt.Errorf("%q: unsafe path: does not start with /", p)
	}
	if err := checkRel(rel); err != nil {
		return "", fmt.Errorf("%q: unsafe path: %w", p, err)
	}
	return rel, nil
}

// checkRel refuses what is not a plain sequence of names: an object store
// would take "a/../b" or "a//b" literally, and a CDN or a copy made with
// another tool would not.
func checkRel(rel string) error {
	if !utf8.ValidString(rel) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range rel {
		if r == '\\' || unicode.IsControl(r) {
			return errors.New("contains a backslash or a control character")
		}
	}
	for _, seg := range strings.Split(rel, "/") {
		switch seg {
		case "":
			return errors.New("empty segment")
		case ".", "..":
			return errors.New("dot segment")
		}
	}
	return nil
}
