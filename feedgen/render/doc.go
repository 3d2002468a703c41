// Package render turns items into bytes: RSS 2.0 (rss.go), Atom 1.0
// (atom.go), JSON Feed 1.1 (jsonfeed.go), the HTML pages (page.go,
// indexpage.go with the listing pages, archivepage.go; their interface text
// in the site's language, messages.go), the OPML list (opml.go), RFC 5005 archive
// links (archive_render.go) and WebSub discovery links (hubs.go).
//
// Everything here is a pure function of the configuration and the items:
// no clock, no file system, no state. An article's item is rendered once
// per format (ItemFragments) at the indentation it has in a whole document,
// and a feed is its header with those fragments spliced in (Feed), so an
// item is shared by every feed that shows it; TestFragmentsEqualWholeDocument
// holds the splice to encoding the whole document at once.
package render
