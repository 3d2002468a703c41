package feedcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// jsonFeedVersion is the only version feedgen is meant to produce.
const jsonFeedVersion = "https://jsonfeed.org/version/1.1"

// jsonTopKeys and jsonItemKeys are the members JSON Feed 1.1 defines. Any
// other member must start with "_" (an extension).
var (
	jsonTopKeys = map[string]bool{
		"version": true, "title": true, "home_page_url": true, "feed_url": true,
		"description": true, "user_comment": true, "next_url": true, "icon": true,
		"favicon": true, "author": true, "authors": true, "language": true,
		"expired": true, "hubs": true, "items": true,
	}
	jsonItemKeys = map[string]bool{
		"id": true, "url": true, "external_url": true, "title": true,
		"content_html": true, "content_text": true, "summary": true, "image": true,
		"banner_image": true, "date_published": true, "date_modified": true,
		"author": true, "authors": true, "tags": true, "language": true,
		"attachments": true,
	}
)

func checkJSON(body []byte, fileName string) error {
	r := newReport("json")
	if !utf8.Valid(body) {
		r.add("", "not valid UTF-8")
		return r.err()
	}
	if !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		r.add("", "not valid JSON: %v", err)
		return r.err()
	}
	gofeedCheck(r, body, "json")
	checkDuplicateKeys(r, body)

	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		r.add("", "the document is not a JSON object")
		return r.err()
	}
	for k := range top {
		if !jsonTopKeys[k] && !strings.HasPrefix(k, "_") {
			r.add("", "unknown member %q (extensions must start with _)", k)
		}
	}
	o := jsonObj{r: r, m: top}
	if v, ok := o.str("", "version"); !ok {
		r.add("", "version is missing")
	} else if v != jsonFeedVersion {
		r.add("", "version %q, want %q", v, jsonFeedVersion)
	}
	if v, ok := o.str("", "title"); !ok || strings.TrimSpace(v) == "" {
		r.add("", "title is missing or empty")
	}
	for _, k := range []string{"home_page_url", "next_url", "icon", "favicon"} {
		o.url("", k)
	}
	if !o.url("", "feed_url") {
		r.add("", "feed_url is missing")
	} else if fileName != "" {
		if v, _ := o.str("", "feed_url"); v != "" {
			checkSelfName(r, "feed_url", v, fileName)
		}
	}
	o.str("", "description")
	o.str("", "user_comment")
	if v, ok := o.str("", "language"); ok && !plausibleLangTag(v) {
		r.add("", "language %q is not a valid RFC 5646 language tag", v)
	}
	if raw, ok := top["expired"]; ok {
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			r.add("", "expired must be a boolean")
		}
	}
	o.author("")
	o.authors("")
	if raw, ok := top["hubs"]; ok {
		var hubs []map[string]json.RawMessage
		if json.Unmarshal(raw, &hubs) != nil {
			r.add("", "hubs must be an array of objects")
		}
		for i, h := range hubs {
			ho := jsonObj{r: r, m: h}
			scope := fmt.Sprintf("hubs[%d]", i)
			if v, ok := ho.str(scope, "type"); !ok || v == "" {
				r.add(scope, "type is missing")
			}
			if !ho.url(scope, "url") {
				r.add(scope, "url is missing")
			}
		}
	}

	raw, ok := top["items"]
	if !ok {
		r.add("", "items is missing (it is required, even if empty)")
		return r.err()
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil || items == nil {
		r.add("", "items must be an array")
		return r.err()
	}
	ids := map[string]int{}
	for i, rawItem := range items {
		scope := fmt.Sprintf("item %d", i+1)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rawItem, &m); err != nil || m == nil {
			r.add(scope, "is not an object")
			continue
		}
		checkJSONItem(r, scope, m, ids, i+1)
	}
	return r.err()
}

// checkJSONItem checks one item object.
func checkJSONItem(r *report, scope string, m map[string]json.RawMessage, ids map[string]int, idx int) {
	for k := range m {
		if !jsonItemKeys[k] && !strings.HasPrefix(k, "_") {
			r.add(scope, "unknown member %q (extensions must start with _)", k)
		}
	}
	o := jsonObj{r: r, m: m}
	if _, present := m["id"]; !present {
		r.add(scope, "id is missing")
	} else if id, ok := o.str(scope, "id"); ok {
		switch {
		case strings.TrimSpace(id) == "":
			r.add(scope, "id is empty")
		case ids[id] != 0:
			r.add(scope, "id %q duplicates item %d's", id, ids[id])
		default:
			ids[id] = idx
		}
	}
	for _, k := range []string{"url", "external_url", "image", "banner_image"} {
		o.url(scope, k)
	}
	html, hasHTML := o.str(scope, "content_html")
	text, hasText := o.str(scope, "content_text")
	if !hasHTML && !hasText {
		r.add(scope, "needs content_html or content_text")
	} else if strings.TrimSpace(html) == "" && strings.TrimSpace(text) == "" {
		r.add(scope, "content_html/content_text is empty")
	}
	if hasHTML {
		checkHTML(r, join(scope, "content_html"), html)
	}
	for _, k := range []string{"title", "summary"} {
		if s, ok := o.str(scope, k); ok {
			if err := plainText(s); err != nil {
				r.add(scope, "%s %v", k, err)
			}
		}
	}
	pub := o.date(scope, "date_published")
	mod := o.date(scope, "date_modified")
	if !pub.IsZero() && !mod.IsZero() && mod.Before(pub) {
		r.add(scope, "date_modified is before date_published")
	}
	o.author(scope)
	o.authors(scope)
	if raw, ok := m["tags"]; ok {
		var tags []string
		if json.Unmarshal(raw, &tags) != nil {
			r.add(scope, "tags must be an array of strings")
		}
		for _, t := range tags {
			if strings.TrimSpace(t) == "" {
				r.add(scope, "tags contains an empty tag")
			}
		}
	}
	if v, ok := o.str(scope, "language"); ok && !plausibleLangTag(v) {
		r.add(scope, "language %q is not a valid RFC 5646 language tag", v)
	}
	if raw, ok := m["attachments"]; ok {
		var atts []map[string]json.RawMessage
		if json.Unmarshal(raw, &atts) != nil {
			r.add(scope, "attachments must be an array of objects")
		}
		for i, a := range atts {
			as := join(scope, fmt.Sprintf("attachments[%d]", i))
			ao := jsonObj{r: r, m: a}
			if !ao.url(as, "url") {
				r.add(as, "url is missing")
			}
			if v, ok := ao.str(as, "mime_type"); !ok || !isMIMEType(v) {
				r.add(as, "mime_type %q is missing or not a MIME type", v)
			}
			ao.str(as, "title")
			for _, k := range []string{"size_in_bytes", "duration_in_seconds"} {
				if raw, ok := a[k]; ok {
					var n float64
					if json.Unmarshal(raw, &n) != nil || n < 0 {
						r.add(as, "%s must be a non-negative number", k)
					}
				}
			}
		}
	}
}

// jsonObj wraps a decoded object with typed accessors that report type
// errors, because encoding/json and gofeed would silently coerce or drop
// them.
type jsonObj struct {
	r *report
	m map[string]json.RawMessage
}

// str returns member k as a string. ok is false if it is absent or not a
// string (the latter is reported).
func (o jsonObj) str(scope, k string) (string, bool) {
	raw, present := o.m[k]
	if !present {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		o.r.add(scope, "%s must be a string, got %s", k, truncate(string(raw)))
		return "", false
	}
	return s, true
}

// url checks member k as an absolute http(s) URL and reports whether it is
// present.
func (o jsonObj) url(scope, k string) bool {
	_, present := o.m[k]
	if s, ok := o.str(scope, k); ok {
		if err := httpURL(s); err != nil {
			o.r.add(scope, "%s: %v", k, err)
		}
	}
	return present
}

// date checks member k as an RFC 3339 date and returns it (zero if absent
// or invalid).
func (o jsonObj) date(scope, k string) time.Time {
	s, ok := o.str(scope, k)
	if !ok {
		return time.Time{}
	}
	t, err := parseRFC3339(s)
	if err != nil {
		o.r.add(scope, "%s: %v", k, err)
		return time.Time{}
	}
	return t
}

// author checks the deprecated single author object.
func (o jsonObj) author(scope string) {
	raw, ok := o.m["author"]
	if !ok {
		return
	}
	var a map[string]json.RawMessage
	if err := json.Unmarshal(raw, &a); err != nil || a == nil {
		o.r.add(scope, "author must be an object")
		return
	}
	checkJSONAuthor(o.r, join(scope, "author"), a)
}

// authors checks the JSON Feed 1.1 authors array.
func (o jsonObj) authors(scope string) {
	raw, ok := o.m["authors"]
	if !ok {
		return
	}
	var as []json.RawMessage
	if err := json.Unmarshal(raw, &as); err != nil || as == nil {
		o.r.add(scope, "authors must be an array of objects")
		return
	}
	for i, rawA := range as {
		var a map[string]json.RawMessage
		s := join(scope, fmt.Sprintf("authors[%d]", i))
		if err := json.Unmarshal(rawA, &a); err != nil || a == nil {
			o.r.add(s, "must be an object")
			continue
		}
		checkJSONAuthor(o.r, s, a)
	}
}

func checkJSONAuthor(r *report, scope string, a map[string]json.RawMessage) {
	o := jsonObj{r: r, m: a}
	name, _ := o.str(scope, "name")
	url, _ := o.str(scope, "url")
	if strings.TrimSpace(name) == "" && url == "" {
		r.add(scope, "needs a non-empty name or url")
	}
	o.url(scope, "url")
	o.url(scope, "avatar")
}

// checkDuplicateKeys walks the token stream and reports objects with the
// same member twice: encoding/json silently keeps the last one, readers
// differ.
func checkDuplicateKeys(r *report, body []byte) {
	d := json.NewDecoder(bytes.NewReader(body))
	var walk func(depth int) bool
	walk = func(depth int) bool {
		if depth > maxDepth {
			r.add("", "JSON nested more than %d deep", maxDepth)
			return false
		}
		tok, err := d.Token()
		if err != nil {
			return err == io.EOF
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return false
				}
				key, _ := k.(string)
				if seen[key] {
					r.add("", "member %q appears twice in one object", key)
				}
				seen[key] = true
				if !walk(depth + 1) {
					return false
				}
			}
			_, err = d.Token()
			return err == nil
		case json.Delim('['):
			for d.More() {
				if !walk(depth + 1) {
					return false
				}
			}
			_, err = d.Token()
			return err == nil
		}
		return true
	}
	walk(0)
}
