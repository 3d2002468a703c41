package render

import "strings"

// htmlText escapes plain text for a field that readers take as HTML. The RSS
// item description is such a field (RSS 2.0: "entity-encoded HTML is
// allowed"), so a summary's "R&D" or "<2%" must reach the reader as "&amp;"
// and "&lt;" once the XML escaping is undone; else the W3C feed validator
// warns "Invalid HTML", and a "<" before a letter would open an element.
var htmlText = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
