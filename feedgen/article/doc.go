// Package article reads article files and parses them into Articles: the
// front matter (YAML or TOML, Jekyll's conventions), the HTML body, cleaned
// and sanitised with absolute URLs, and the trailing original-URL and
// navigation lines. It is the only place that knows the seed format.
//
// Indexing reads only a file's head and tail (Reader.ReadHeader), so that
// a build can index thousands of articles without reading their bodies;
// the whole file is read and cleaned (Parse) only for an article a feed
// shows. Errors say what is wrong without the path: the caller prefixes it.
package article
