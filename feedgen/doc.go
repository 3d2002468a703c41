// Package feedgen turns a directory of Jekyll-style articles into feeds:
// one of everything, one per category and one per tag, each as RSS 2.0,
// Atom 1.0 and JSON Feed 1.1, with their HTML pages, the OPML list and, when
// asked, RFC 5005 archive documents. The same directory and configuration
// always give the same bytes.
//
// A Generator is the orchestrator. It runs a few jobs in order and recovers
// when the state is damaged; each job is a small type with its own state,
// over the dependencies they share (shared.go: the configuration, the
// source and its reader, the index, the logger, the dirty feeds):
//
//   - scanner (scan.go, scan_file.go) walks the source, reads the headers of
//     the files whose stamp changed and files them in the index (the state,
//     a cache), which marks the feeds they touch dirty;
//   - planner (plan.go) decides, for each dirty feed, the newest items it
//     shows, its own fields and signature, and whether its bytes change;
//   - itemRenderer (items.go) reads whole, cleans and renders the items the
//     planner needs whose fragments the index does not keep yet;
//   - the archive (package feedgen/archive, handed the configuration, the
//     index and the logger): its Planner decides, as the planner goes over
//     the feeds, which months of each feed's archive change, and its Docs
//     render their documents, record them in the state and, for a daemon,
//     make them lazy files;
//   - output (output.go, pages.go, lastmod.go) renders the changed feeds
//     from their items' fragments, their pages, the site index, the listing
//     pages of categories and tags (sitefiles.go) and the OPML list, and
//     records in the state what each feed shows;
//   - assets (sitefiles.go) reads the images of the source that the scanner
//     meets and publishes them as they are, at their own path.
//
// So a change flows files → scanner → index → planner (← itemRenderer,
// archive Planner) → output and archive Docs → snapshot (publish.go). Build
// calls Scan and Emit, which hands each file to the disk writer as it is
// rendered; the daemon calls Update with each batch of changed paths, then
// Snapshot. Parsing lives in feedgen/article, the site configuration in
// feedgen/config, and the formats in feedgen/render, pure functions from
// items to bytes. What the planner, the output and the archive share about
// a document (its items, signature, rendered items and file) is
// feedgen/doc; feedgen/internal/parallel runs their jobs a few at a time.
package feedgen
