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
//   - archiver (archive.go, archive_render.go, archive_lazy.go) decides which
//     months of each feed's archive change, renders their documents and,
//     for a daemon, makes them lazy files;
//   - output (output.go, pages.go) renders the changed feeds from their
//     items' fragments (frags.go), their pages, the site index, the listing
//     pages of categories and tags (sitefiles.go) and the OPML list, and
//     records in the state what each feed shows;
//   - assets (sitefiles.go) reads the images of the source that the scanner
//     meets and publishes them as they are, at their own path.
//
// So a change flows files → scanner → index → planner (← itemRenderer,
// archiver) → output and archiver → snapshot (publish.go). Build calls Scan
// and Emit, which hands each file to the disk writer as it is rendered; the
// daemon calls Update with each batch of changed paths, then Snapshot.
// Parsing lives in feedgen/article, the site configuration in
// feedgen/config, and the formats in feedgen/render, pure functions from
// items to bytes.
package feedgen
