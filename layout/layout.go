// Package layout is the one definition of what feedgen publishes where: the
// feed formats with their file names and media types, the folder of each
// feed, and the paths of the index page and the OPML list. The generator
// names its files with it, the HTTP handler maps URLs with it and the disk
// writer lays out the output directory with it; URL paths and file paths
// are the same.
package layout

import (
	"net/url"
	"path"
	"strings"
)

// Format is one of the three formats every feed is published in.
type Format int

// The formats, in the order their files are listed.
const (
	RSS Format = iota
	Atom
	JSON
)

// Formats lists every format.
var Formats = []Format{RSS, Atom, JSON}

// FileName is the name of the format's file inside a feed's folder.
func (f Format) FileName() string {
	return [...]string{"rss.xml", "atom.xml", "feed.json"}[f]
}

// MediaType is the IANA media type of the format, without parameters.
func (f Format) MediaType() string {
	return [...]string{"application/rss+xml", "application/atom+xml", "application/feed+json"}[f]
}

// ContentType is the Content-Type header value of the format's files.
func (f Format) ContentType() string {
	return [...]string{TypeRSS, TypeAtom, TypeJSON}[f]
}

// Label names the format for people, in the index page.
func (f Format) Label() string {
	return [...]string{"RSS", "Atom", "JSON Feed"}[f]
}

// Content types of the files feedgen produces. Go's MIME table maps .xml to
// text/xml and knows no feed types, so they are set explicitly.
const (
	TypeRSS   = "application/rss+xml; charset=utf-8"
	TypeAtom  = "application/atom+xml; charset=utf-8"
	TypeJSON  = "application/feed+json; charset=utf-8"
	TypeHTML  = "text/html; charset=utf-8"
	TypeOPML  = "text/x-opml; charset=utf-8"
	TypePlain = "text/plain; charset=utf-8"
)

// Paths of the site-wide files, with a leading slash like every published
// path. IndexPath is what "/" serves: the page of the global feed, which is
// also the site's index.
const (
	IndexPath = "/" + PageFile
	OPMLPath  = "/feeds.opml"
	// HealthPath is the daemon's health report (serve only; nothing on
	// disk): a feed, category or tag can never be named so.
	HealthPath = "/healthz"
)

// PageFile is the name of the HTML page in each feed's folder: the page
// that shows a person what the feed holds and how to subscribe. A request
// for a folder ("/category/SLUG/") is answered with it, as a static host
// answers a folder with its index.html.
const PageFile = "index.html"

// ListPath is the slash path of the page that lists every feed of kind k
// ("/category/index.html", "/tag/index.html"), so that the folder that
// holds those feeds answers too; the global feed's is IndexPath.
func (k Kind) ListPath() string {
	if d := k.Folder(); d != "" {
		return "/" + d + "/" + PageFile
	}
	return IndexPath
}

// assetTypes maps the file name extensions of the images a source
// directory may hold beside its articles, published as they are (see
// source.IsAssetPath), to their media types. No extension here is one of a
// file feedgen generates, so an asset never takes a generated file's path.
// SVG is left out: it can carry script, and is served from the site's own
// origin.
var assetTypes = map[string]string{
	".png":  "image/png",
	".jpg":  "image/jpeg",
	".jpeg": "image/jpeg",
	".gif":  "image/gif",
	".webp": "image/webp",
}

// AssetType is the Content-Type of the asset at slash path p, or "" when
// p's extension (of any case) is not an asset's.
func AssetType(p string) string {
	return assetTypes[strings.ToLower(path.Ext(p))]
}

// PageCSP is the Content-Security-Policy of every HTML page, written into
// the page (so a static host enforces it too) and sent as a header by
// serve. Pages load nothing of their own but the inline style sheet,
// allowed by its hash (a test in package feedgen keeps the hash equal to
// the embedded sheet). Images may come from any http(s) host: a page's
// thumbnails are the articles' own images, on hosts only the articles
// name; with no script allowed at all, an image request cannot carry
// anything out of the page.
const PageCSP = "default-src 'none'; style-src 'sha256-Haeci5tb3WtvbZ6UnNjLB2mZOBiY5R7T+JublRvJPR8='; img-src https: http:; base-uri 'none'; form-action 'none'"

// PageCSPHeader is PageCSP as an HTTP header adds it: frame-ancestors,
// which a <meta> policy may not carry, keeps the pages out of other sites'
// frames.
const PageCSPHeader = PageCSP + "; frame-ancestors 'none'"

// Kind says which articles a feed holds.
type Kind int

// The kinds of feed.
const (
	KindAll Kind = iota
	KindCategory
	KindTag
)

// Folder is the name of the top-level folder that holds one folder per feed
// of this kind ("category", "tag"), or "" for the global feed, whose files
// sit at the root.
func (k Kind) Folder() string {
	switch k {
	case KindCategory:
		return "category"
	case KindTag:
		return "tag"
	}
	return ""
}

// FeedKey names a feed: the global one, or a category or tag by name.
type FeedKey struct {
	Kind Kind
	Name string
}

// Dir is the feed's folder as a slash path below the site root, with a
// leading slash and no trailing slash ("" for the global feed). The name is
// kept as UTF-8: it is a file path, not a URL.
func (k FeedKey) Dir() string {
	if d := k.Kind.Folder(); d != "" {
		return "/" + d + "/" + k.Name
	}
	return ""
}

// PagePath is the slash path of the feed's HTML page.
func (k FeedKey) PagePath() string { return k.Dir() + "/" + PageFile }

// PageURL is the URL of the folder whose page shows the feed, below base
// (which ends with a slash), with a trailing slash; the name is
// percent-encoded. With base "" it is relative to the site root ("" for
// the global feed, whose page is the root).
func (k FeedKey) PageURL(base string) string {
	if d := k.Kind.Folder(); d != "" {
		return base + d + "/" + url.PathEscape(k.Name) + "/"
	}
	return base
}

// Path is the slash path of the feed's file in format f.
func (k FeedKey) Path(f Format) string { return k.Dir() + "/" + f.FileName() }

// URL is the absolute URL of the feed's file in format f below base (which
// ends with a slash); the name is percent-encoded. With base "" it is the
// URL relative to the site root.
func (k FeedKey) URL(base string, f Format) string {
	if d := k.Kind.Folder(); d != "" {
		return base + d + "/" + url.PathEscape(k.Name) + "/" + f.FileName()
	}
	return base + f.FileName()
}

// Less orders feeds: global first, then categories, then tags, each by name.
func (k FeedKey) Less(o FeedKey) bool {
	if k.Kind != o.Kind {
		return k.Kind < o.Kind
	}
	return k.Name < o.Name
}
