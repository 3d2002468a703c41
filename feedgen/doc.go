// Package feedgen turns a directory of Jekyll-style articles into feeds:
// one of everything, one per category and one per tag, each as RSS 2.0,
// Atom 1.0 and JSON Feed 1.1, with their HTML pages, the OPML list and, when
// asked, RFC 5005 archive documents. A Generator scans the source into the
// index (the state, a cache), plans which feeds changed and renders only
// those; build writes its files to disk and serve publishes them as a
// snapshot. The same directory and configuration always give the same bytes.
package feedgen
