// Package websub is feedgen's side of W3C WebSub (2018): the publisher that
// tells hubs which feeds changed, the HTTP Link headers that advertise the
// hubs, and a small hub of its own (subscription, verification of intent,
// leases, signed distribution) for the feeds of one feedgen.
//
// Everything here talks to other machines, so every outbound request is
// bounded in time, size and number, and a hub or callback that is slow,
// down or hostile costs only its own deliveries.
package websub

import (
	"net/url"
	"strings"
)

// Path is where the built-in hub answers, below the base URL.
const Path = "/websub"

// LinkHeader returns the values of the HTTP Link header that goes with a
// feed (WebSub section 4): one rel="hub" per hub, then rel="self" naming
// the feed's own URL, the topic a subscriber must use.
func LinkHeader(hubs []string, self string) []string {
	out := make([]string, 0, len(hubs)+1)
	for _, h := range hubs {
		out = append(out, "<"+h+`>; rel="hub"`)
	}
	return append(out, "<"+self+`>; rel="self"`)
}

// TopicURL is the absolute URL of the published file at path (a slash path
// with a leading slash, UTF-8 as on disk) below base (ending with a slash):
// each segment percent-encoded, as the feeds' own self links are.
func TopicURL(base, path string) string {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return base + strings.Join(segs, "/")
}

// TopicPath is the inverse of TopicURL: the file path of topic below base,
// or false when topic is not below base or is not a clean URL.
func TopicPath(base, topic string) (string, bool) {
	rest, ok := strings.CutPrefix(topic, base)
	if !ok || rest == "" || strings.ContainsAny(rest, "?#") {
		return "", false
	}
	p, err := url.PathUnescape(rest)
	if err != nil {
		return "", false
	}
	return "/" + p, true
}
