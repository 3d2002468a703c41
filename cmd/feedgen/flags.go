package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"feedgen/feedgen"
	"feedgen/feedgen/config"
	"feedgen/source"
)

// newFlagSet returns an empty flag set for a command, named as the user
// types it; cli.Command.Parse handles its errors and -h.
func newFlagSet(name string) *flag.FlagSet {
	return flag.NewFlagSet(name, flag.ContinueOnError)
}

// common are the flags both commands share.
type common struct {
	src, baseURL, config, logFormat, state string
	limit                                  int
	maxSize                                int64
	hubs                                   hubList // -hub, repeatable (websub.go)
	archive                                bool
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.src, "src", "seeds", "source `directory` of articles")
	fs.StringVar(&c.baseURL, "base-url", "", "absolute `URL` the feeds are served under (build: default http://localhost:8080/; serve: derived from -addr)")
	fs.StringVar(&c.config, "config", "", "YAML `file` of site settings: base_url, title, description, link, language, timezone, limit, hubs, archive, categories (unknown keys are an error). "+
		"Default: "+source.ConfigName+" in the -src directory when there is one, so that build and serve of one directory agree; -config \"\" reads none")
	fs.IntVar(&c.limit, "limit", config.DefaultLimit, "items per feed (0: no limit)")
	fs.BoolVar(&c.archive, "archive", false, "also publish every feed's older items as RFC 5005 archive documents, by month")
	fs.Int64Var(&c.maxSize, "max-article-size", config.DefaultMaxArticleSize, "largest article file read, in `bytes`")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.Var(&c.hubs, "hub", "WebSub hub `URL` every feed advertises and, after a change, is told of it (repeatable; also hubs: in -config)")
	fs.StringVar(&c.state, "state", "", "state `directory`: what was learned about each article, so that a restart or rebuild reads only what changed (default: a folder under the user cache directory named after -src and the settings that change how articles are read; -state \"\" keeps none)")
}

// given reports whether the flag name was on the command line, even with
// its default value or empty.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// configFile is the configuration file to read, or "" for none: -config
// when given (-config "" asks for none), else the source directory's own
// feedgen.yaml when it exists. Without that default, "feedgen serve" on a
// directory and a build of it without -config gave sites with different
// titles.
func (c *common) configFile(fs *flag.FlagSet) string {
	if given(fs, "config") {
		return c.config
	}
	if checkSrc(c.src) != nil {
		return "" // no source directory, no file in it: reported as -src's mistake
	}
	p := filepath.Join(c.src, source.ConfigName)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return ""
	}
	return p // a file there that cannot be read is reported by the load
}

// stateDir is the state directory to use: -state when given (even empty,
// which keeps no state), else the default for the source directory and the
// site configuration cfg. A machine without a cache directory (a service
// with no home) runs without state rather than not at all.
func (c *common) stateDir(fs *flag.FlagSet, log *slog.Logger, cfg *config.Config) string {
	if given(fs, "state") {
		return c.state
	}
	dir, err := feedgen.DefaultStateDir(c.src, cfg)
	if err != nil {
		log.Warn("running without a state directory: " + err.Error())
		return ""
	}
	return dir
}

// site is the site configuration: the configuration file (configFile),
// with the flags on top. A flag left at its default does not override the
// file. defaulted reports that neither a flag nor the file gave the base
// URL, so that it is defaultBase.
func (c *common) site(fs *flag.FlagSet, defaultBase string) (cfg config.Config, defaulted bool, err error) {
	cfg = config.Config{Limit: config.DefaultLimit, MaxArticleSize: c.maxSize}
	file := c.configFile(fs)
	if file != "" {
		if err := config.LoadConfigFile(file, &cfg); err != nil {
			return cfg, false, err
		}
	}
	if c.baseURL != "" {
		cfg.BaseURL = c.baseURL
	}
	if defaulted = cfg.BaseURL == ""; defaulted {
		cfg.BaseURL = defaultBase
	}
	if given(fs, "limit") {
		cfg.Limit = c.limit
	}
	cfg.Hubs = append(cfg.Hubs, c.hubs...)
	if given(fs, "archive") {
		cfg.Archive = c.archive
	}
	limitFrom := "-limit"
	if !given(fs, "limit") {
		limitFrom = file + ": limit"
	}
	if err := checkLimit(limitFrom, cfg.Limit); err != nil {
		return cfg, defaulted, err
	}
	if c.maxSize <= 0 {
		return cfg, defaulted, fmt.Errorf("-max-article-size %d: want a positive number of bytes", c.maxSize)
	}
	if err := checkURLFlags(c); err != nil {
		return cfg, defaulted, err
	}
	if err := cfg.Normalize(); err != nil {
		if file != "" {
			err = fmt.Errorf("%s: %w", file, err) // the flags passed: the file gave it
		}
		return cfg, defaulted, err
	}
	return cfg, defaulted, nil
}

func (c *common) logger(stderr io.Writer) (*slog.Logger, error) {
	switch c.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(stderr, nil)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", c.logFormat)
}
