package config

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultLimit is how many items a feed holds unless configured otherwise.
const DefaultLimit = 50

// DefaultMaxArticleSize bounds how much of one file is read. Real articles are
// a few tens of kilobytes; anything far larger is a mistake or an attack, and
// reading it whole would cost memory for every other article too.
const DefaultMaxArticleSize = 10 << 20

// Config is everything that shapes the output besides the articles. The same
// Config and the same directory always give the same bytes.
type Config struct {
	// BaseURL is the absolute URL the output tree is served under; every self
	// link and feed URL starts with it. It always ends with a slash.
	BaseURL string
	// Title, Description and Link describe the site as a whole (global feed).
	// Link is the site's home page; empty means: what the articles' navigation
	// line names, else BaseURL.
	Title       string
	Description string
	Link        string
	// Language is an RFC 5646 tag such as zh-CN, written into every feed.
	Language string
	// Location is the zone of dates written without an offset.
	Location *time.Location
	// Limit is the number of items per feed; 0 or less means no limit.
	Limit int
	// MaxArticleSize is the largest file read as an article, in bytes.
	MaxArticleSize int64
	// Categories holds per-category overrides, keyed by slug.
	Categories map[string]CategoryConfig
	// Hubs are the WebSub hubs every feed advertises (see hubs.go); none
	// leaves the output as it was without WebSub.
	Hubs []string
	// Archive publishes every feed's older items as RFC 5005 archive
	// documents (package feedgen/archive).
	Archive bool
}

// CategoryConfig overrides what the articles say about a category.
type CategoryConfig struct {
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	Link        string `yaml:"link"`
}

// fileConfig is the YAML form of a -config file.
type fileConfig struct {
	BaseURL     string                    `yaml:"base_url"`
	Title       string                    `yaml:"title"`
	Description string                    `yaml:"description"`
	Link        string                    `yaml:"link"`
	Language    string                    `yaml:"language"`
	TimeZone    string                    `yaml:"timezone"`
	Limit       *int                      `yaml:"limit"`
	Archive     *bool                     `yaml:"archive"`
	Categories  map[string]CategoryConfig `yaml:"categories"`
	Hubs        []string                  `yaml:"hubs"`
}

// LoadConfigFile reads a YAML configuration file into c, overriding the
// fields it sets. Unknown keys are an error so that a typo does not silently
// do nothing.
func LoadConfigFile(path string, c *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var fc fileConfig
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) { // EOF: an empty file is an empty configuration
		return configError(path, err)
	}
	// A key the file leaves out (or empty) keeps what c had.
	c.BaseURL = cmp.Or(fc.BaseURL, c.BaseURL)
	c.Title = cmp.Or(fc.Title, c.Title)
	c.Description = cmp.Or(fc.Description, c.Description)
	c.Link = cmp.Or(fc.Link, c.Link)
	c.Language = cmp.Or(fc.Language, c.Language)
	if fc.TimeZone != "" {
		loc, err := time.LoadLocation(fc.TimeZone)
		if err != nil {
			return fmt.Errorf("%s: timezone: %w", path, err)
		}
		c.Location = loc
	}
	if fc.Limit != nil {
		c.Limit = *fc.Limit
	}
	c.Hubs = append(c.Hubs, fc.Hubs...)
	if fc.Archive != nil {
		c.Archive = *fc.Archive
	}
	if len(fc.Categories) > 0 {
		if c.Categories == nil {
			c.Categories = map[string]CategoryConfig{}
		}
		maps.Copy(c.Categories, fc.Categories)
	}
	return nil
}

// CheckBaseURL says why s cannot be a base URL (nil if it can), in words
// the CLI puts after the flag or key that gave it.
func CheckBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("want an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return errors.New("must not have a query or fragment")
	}
	return nil
}

// Normalize validates c and fills in defaults. It returns an error naming the
// bad field.
func (c *Config) Normalize() error {
	if c.BaseURL == "" {
		return errors.New("base URL is empty")
	}
	if err := CheckBaseURL(c.BaseURL); err != nil {
		return fmt.Errorf("base URL %q: %w", c.BaseURL, err)
	}
	u, _ := url.Parse(c.BaseURL)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c.BaseURL = u.String()
	if c.Link != "" {
		l, err := url.Parse(c.Link)
		if err != nil || !l.IsAbs() {
			return fmt.Errorf("site link %q: want an absolute URL", c.Link)
		}
	}
	for slug, cc := range c.Categories {
		if cc.Link != "" {
			l, err := url.Parse(cc.Link)
			if err != nil || !l.IsAbs() {
				return fmt.Errorf("category %s: link %q: want an absolute URL", slug, cc.Link)
			}
		}
	}
	if err := normalizeHubs(c); err != nil {
		return err
	}
	if c.Title == "" {
		c.Title = u.Host
	}
	if c.Language == "" {
		c.Language = "zh-CN"
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.MaxArticleSize <= 0 {
		c.MaxArticleSize = DefaultMaxArticleSize
	}
	return nil
}

// The state (package index) keeps two fingerprints of the configuration.
// ScanFingerprint names what shapes a parsed header, which the scan records
// keep: the zone of dates written without one, the authority of minted tag:
// URIs (TagAuthority) and the largest article read. A state made under
// another one is rebuilt. RenderFingerprint names what shapes only
// rendered things (the items' fragments, what the feeds and archive
// documents showed): the base URL (self links, and the base of relative
// URLs in bodies, with the site link), the titles, descriptions and links
// of the site and its categories, the language, and with archives the
// limit. A state made under another one keeps its scan records and renders
// again. The limit is left out otherwise: it only chooses how many indexed
// items a feed shows. The default base of relative URLs is in the render
// part: it shapes the cleaned body, never a header.

// ScanFingerprint is the part of the configuration the scan records depend
// on (see above). It applies Normalize's defaults itself, so that a
// configuration gives the same one before and after Normalize.
func (c *Config) ScanFingerprint() string {
	loc := time.UTC.String()
	if c.Location != nil {
		loc = c.Location.String()
	}
	size := c.MaxArticleSize
	if size <= 0 {
		size = DefaultMaxArticleSize
	}
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %d\n", loc, c.TagAuthority(), size)
	return hex.EncodeToString(h.Sum(nil))
}

// RenderFingerprint is the part of the configuration only the rendered
// records depend on (see above).
func (c *Config) RenderFingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%q %q %q %q %q\n", c.BaseURL, c.Title, c.Description, c.Link, c.Language)
	if c.Archive {
		// The feeds' signatures do not say whether they link an archive,
		// and the archive documents kept in the state follow the limit.
		fmt.Fprintf(h, "archive %d\n", c.Limit)
	}
	slugs := make([]string, 0, len(c.Categories))
	for s := range c.Categories {
		slugs = append(slugs, s)
	}
	sort.Strings(slugs)
	for _, s := range slugs {
		cc := c.Categories[s]
		fmt.Fprintf(h, "%q %q %q %q\n", s, cc.Title, cc.Description, cc.Link)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// TagAuthority is the authority of the tag: URIs minted for articles
// without a link of their own: the base URL's host.
func (c *Config) TagAuthority() string {
	if u, err := url.Parse(c.BaseURL); err == nil {
		return u.Hostname()
	}
	return ""
}
