// Package sitetest holds what the tests of feedgen's packages (the
// generator, the formats) share about the site they build: its
// configuration, and how they find the archive block of a page and its
// links. Only tests import it; keeping one definition here means a test of
// the generator and a test of the pages look at the same thing.
package sitetest

import (
	"regexp"
	"strings"
	"testing"

	"feedgen/feedgen/config"
)

// Config is the tests' site configuration, normalised: the base URL
// https://feeds.example.com/ and the default limit, everything else as a
// bare configuration file leaves it.
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg := config.Config{BaseURL: "https://feeds.example.com/", Limit: config.DefaultLimit}
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// Hrefs lists the targets of the links in an HTML fragment, in order.
func Hrefs(s string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// ArchiveBlock cuts the archive block out of a page: from its paragraph to
// the end of its month list, "" when the page has none.
func ArchiveBlock(page string) string {
	i := strings.Index(page, `<p class="archive">`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</details>")
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}
