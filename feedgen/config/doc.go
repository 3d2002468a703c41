// Package config is the site configuration: what shapes the output besides
// the articles (base URL, titles, language, zone, limit, hubs, archives,
// per-category overrides), read from the -config YAML file and flags, and
// checked and defaulted by Normalize. Its errors speak the file's words,
// never Go's. Fingerprint names what a state directory depends on.
package config
