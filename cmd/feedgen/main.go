// Command feedgen publishes a directory of Jekyll-style articles as RSS 2.0,
// Atom 1.0 and JSON Feed 1.1 feeds: once to disk (build), or as a daemon
// that follows the directory and serves the feeds over HTTP (serve).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // time zones in -config work on machines without a zoneinfo database

	"feedgen/feedgen"
	"feedgen/feedgen/config"
	"feedgen/metrics"
	"feedgen/pipeline"
	"feedgen/watch"
)

const usage = `feedgen publishes a directory of articles as RSS, Atom and JSON feeds.

Usage:
  feedgen build [flags]   write every feed under -out once (for CI)
  feedgen serve [flags]   serve the feeds over HTTP and follow the directory
  feedgen version         print the version, commit and build time

Run "feedgen build -h" or "feedgen serve -h" for the flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is main without the exit, so that tests can call it. It returns the
// process exit status: 0 success, 1 failure (or invalid articles), 2 usage.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "build":
		return runBuild(args[1:], stdout, stderr)
	case "serve":
		return runServe(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprint(stdout, versionText())
		return 0
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "feedgen: unknown command %q\n\n%s", args[0], usage)
	return 2
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
	fs.StringVar(&c.config, "config", "", "optional YAML `file` of site settings: base_url, title, description, link, language, timezone, limit, hubs, archive, categories (unknown keys are an error)")
	fs.IntVar(&c.limit, "limit", config.DefaultLimit, "items per feed (0: no limit)")
	fs.BoolVar(&c.archive, "archive", false, "also publish every feed's older items as RFC 5005 archive documents, by month")
	fs.Int64Var(&c.maxSize, "max-article-size", config.DefaultMaxArticleSize, "largest article file read, in `bytes`")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.Var(&c.hubs, "hub", "WebSub hub `URL` every feed advertises and, after a change, is told of it (repeatable; also hubs: in -config)")
	fs.StringVar(&c.state, "state", "", "state `directory`: what was learned about each article, so that a restart or rebuild reads only what changed (default: a folder under the user cache directory named after -src; -state \"\" keeps none)")
}

// stateDir is the state directory to use: -state when given (even empty,
// which keeps no state), else the default for the source directory. A
// machine without a cache directory (a service with no home) runs without
// state rather than not at all.
func (c *common) stateDir(fs *flag.FlagSet, log *slog.Logger) string {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "state" })
	if given {
		return c.state
	}
	dir, err := feedgen.DefaultStateDir(c.src)
	if err != nil {
		log.Warn("running without a state directory: " + err.Error())
		return ""
	}
	return dir
}

// site builds the site configuration: flags override the config file. A
// flag left at its default does not override the file.
func (c *common) site(fs *flag.FlagSet, defaultBase string) (config.Config, error) {
	cfg := config.Config{BaseURL: defaultBase, Limit: config.DefaultLimit, MaxArticleSize: c.maxSize}
	if c.config != "" {
		if err := config.LoadConfigFile(c.config, &cfg); err != nil {
			return cfg, err
		}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.baseURL != "" {
		cfg.BaseURL = c.baseURL
	}
	if set["limit"] {
		cfg.Limit = c.limit
	}
	cfg.Hubs = append(cfg.Hubs, c.hubs...)
	if set["archive"] {
		cfg.Archive = c.archive
	}
	limitFrom := "-limit"
	if !set["limit"] {
		limitFrom = c.config + ": limit"
	}
	if err := checkLimit(limitFrom, cfg.Limit); err != nil {
		return cfg, err
	}
	if c.maxSize <= 0 {
		return cfg, fmt.Errorf("-max-article-size %d: want a positive number of bytes", c.maxSize)
	}
	if err := checkURLFlags(c); err != nil {
		return cfg, err
	}
	if err := cfg.Normalize(); err != nil {
		if c.config != "" {
			err = fmt.Errorf("%s: %w", c.config, err) // the flags passed: the file gave it
		}
		return cfg, err
	}
	return cfg, nil
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

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("feedgen build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	out := fs.String("out", "public", "output `directory` (with -publish, none unless given)")
	allowInvalid := fs.Bool("allow-invalid", false, "exit 0 even when some articles are invalid (they are still reported)")
	strict := fs.Bool("strict", false, "read and check the body of every article, not only of those a feed shows (reads every byte)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file` (for performance work)")
	ping := fs.Bool("ping", false, "after writing, tell every -hub which feeds were written or removed (WebSub publish)")
	precompress := fs.Bool("precompress", false, "also write NAME.gz and NAME.br beside every file, for static servers that send them as they are (nginx gzip_static, brotli_static)")
	var pf publishFlags // -publish (publish.go)
	pf.register(fs)
	if code, stop := parse(fs, args, stdout); stop {
		return code
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "feedgen build:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "feedgen build:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "feedgen build: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	log, err := c.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return 2
	}
	cfg, err := c.site(fs, "http://localhost:8080/")
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return 2
	}
	popts, err := pf.options(fs, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return 2
	}
	if len(popts.Targets) > 0 && !isSet(fs, "out") {
		*out = "" // the buckets alone
	}
	if *ping && len(cfg.Hubs) == 0 {
		fmt.Fprintln(stderr, "feedgen build: -ping needs at least one -hub (or hubs: in -config)")
		return 2
	}
	if err := checkSrc(c.src); err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return 1
	}
	if c.baseURL == "" && c.config == "" {
		log.Warn("no -base-url given: feed URLs point to " + cfg.BaseURL + "; set -base-url to where the tree will be served")
	}
	start := time.Now()
	r, err := pipeline.Build(pipeline.BuildOptions{Src: c.src, Out: *out, Site: cfg, Logger: log, Strict: *strict, State: c.stateDir(fs, log), Ping: *ping, Precompress: *precompress, Publish: popts})
	for _, p := range r.Problems {
		fmt.Fprintln(stderr, p.String())
	}
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", publishError(err))
		return 1
	}
	log.Info("built", "src", c.src, "out", *out, "articles", r.Articles, "invalid", len(r.Problems),
		"feeds", r.Feeds, "written", r.Written, "removed", r.Removed, "duration", time.Since(start).Round(time.Millisecond).String())
	if len(r.Problems) > 0 && !*allowInvalid {
		fmt.Fprintf(stderr, "feedgen build: %d invalid article file(s); the others were published (use -allow-invalid to exit 0)\n", len(r.Problems))
		return 1
	}
	return 0
}

func runServe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("feedgen serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	out := fs.String("out", "", "also keep this `directory` equal to what is served")
	poll := fs.Duration("poll", 0, "poll the directory at this interval instead of using inotify (for NFS, SMB, container mounts)")
	quiet := fs.Duration("debounce", watch.DefaultQuiet, "regenerate once the directory has been quiet this long")
	maxDelay := fs.Duration("max-delay", watch.DefaultMaxDelay, "regenerate at the latest this long after a change, even while changes go on")
	cacheControl := fs.String("cache-control", "public, max-age=300", "Cache-Control header of feed responses")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics (Prometheus) on this `address` instead of on -addr, e.g. to keep it private")
	var ws websubFlags
	ws.register(fs)
	var pf publishFlags
	pf.register(fs)
	if code, stop := parse(fs, args, stdout); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "feedgen serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := checkServeFlags(*addr, *metricsAddr, map[string]time.Duration{"-poll": *poll, "-debounce": *quiet, "-max-delay": *maxDelay}); err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 2
	}
	log, err := c.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 2
	}
	cfg, err := c.site(fs, baseFromAddr(*addr))
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 2
	}
	popts, err := pf.options(fs, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 2
	}
	if err := checkSrc(c.src); err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 1
	}
	if cfg.BaseURL == baseFromAddr(*addr) {
		warnWildcard(log, *addr, cfg.BaseURL)
	}
	ws.warnBase(log, cfg.BaseURL, cfg.BaseURL == baseFromAddr(*addr))
	wopts, err := ws.options(&cfg)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 2
	}
	m := metrics.New()
	d, err := pipeline.NewDaemon(pipeline.ServeOptions{WebSub: wopts, Publish: popts,
		Metrics: m, MetricsAddr: *metricsAddr,
		Src: c.src, Site: cfg, Addr: *addr, Out: *out, CacheControl: *cacheControl, Logger: log, State: c.stateDir(fs, log),
		Watch: watch.Options{Quiet: *quiet, MaxDelay: *maxDelay, Poll: *poll},
	})
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Info("SIGHUP: full rescan")
			m.Rescan()
			d.Rescan()
		}
	}()
	if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return 1
	}
	return 0
}

// parse parses the flags. Asked for help (-h), it prints the usage to
// stdout and says to exit 0: help is not an error. A bad flag has already
// been named on stderr by the flag package: exit 2.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (code int, stop bool) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(stdout)
			fmt.Fprintf(stdout, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
			return 0, true
		}
	}
	if err := fs.Parse(args); err != nil {
		return 2, true
	}
	return 0, false
}

// baseFromAddr is the base URL a daemon listening on addr is reached at,
// when no -base-url is given: a wildcard host becomes localhost.
func baseFromAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/"
}
