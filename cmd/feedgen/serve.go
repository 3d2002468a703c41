package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"feedgen/internal/cli"
	"feedgen/metrics"
	"feedgen/pipeline"
	"feedgen/watch"
)

const serveAbout = `Serves the feeds of -src over HTTP on -addr and follows the directory,
regenerating what each change affects. The site settings come from -config,
else from feedgen.yaml in -src when there is one (read at start). The
addresses are bound before the directory is read: a port in use fails at
once. SIGINT and SIGTERM stop it gracefully; SIGHUP forces a full rescan.

Exit status: 0 after a graceful stop; 1 when it cannot start (no -src
directory, an address in use) or fails; 2 for a mistake on the command line.`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("feedgen serve")
	var c common
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	out := fs.String("out", "", "also keep this `directory` equal to what is served")
	poll := fs.Duration("poll", 0, "poll the directory at this interval instead of using inotify (for NFS, SMB, container mounts)")
	quiet := fs.Duration("debounce", watch.DefaultQuiet, "regenerate once the directory has been quiet this long")
	maxDelay := fs.Duration("max-delay", watch.DefaultMaxDelay, "regenerate at the latest this long after a change, even while changes go on")
	cacheControl := fs.String("cache-control", "public, max-age=300", "Cache-Control header of feed responses")
	holdLoss := fs.Duration("hold-loss", 10*time.Minute, "when the source loses most of its articles at once (a disk that did not mount), keep serving, writing and publishing the last good feeds until they stay gone this long (0: publish at once)")
	metricsAddr := fs.String("metrics-addr", "", "serve /metrics (Prometheus) on this `address` instead of on -addr, e.g. to keep it private")
	var ws websubFlags
	ws.register(fs)
	var pf publishFlags // -publish (publish.go)
	pf.register(fs)
	cmd := &cli.Command{Flags: fs, Synopsis: "feedgen serve [flags]", About: serveAbout}
	if status, ok := cmd.Parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, cmd.Usagef("unexpected argument %q", fs.Arg(0)))
		return cli.ExitUsage
	}
	if err := checkServeFlags(*addr, *metricsAddr, map[string]time.Duration{"-poll": *poll, "-debounce": *quiet, "-max-delay": *maxDelay, "-hold-loss": *holdLoss}); err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitUsage
	}
	log, err := c.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitUsage
	}
	cfg, derived, err := c.site(fs, baseFromAddr(*addr))
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitUsage
	}
	popts, err := pf.options(fs, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitUsage
	}
	if err := checkSrc(c.src); err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitFailure
	}
	if derived {
		warnWildcard(log, *addr, cfg.BaseURL)
	}
	ws.warnBase(log, cfg.BaseURL, derived)
	wopts, err := ws.options(&cfg)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitUsage
	}
	if file := c.configFile(fs); file != "" {
		log.Info("site configuration", "file", file)
	}
	m := metrics.New()
	d, err := pipeline.NewDaemon(pipeline.ServeOptions{WebSub: wopts, Publish: popts, HoldLoss: *holdLoss,
		Metrics: m, MetricsAddr: *metricsAddr,
		Src: c.src, Site: cfg, Addr: *addr, Out: *out, CacheControl: *cacheControl, Logger: log, State: c.stateDir(fs, log, &cfg),
		Watch: watch.Options{Quiet: *quiet, MaxDelay: *maxDelay, Poll: *poll},
	})
	var le *pipeline.ListenError
	if errors.As(err, &le) {
		fmt.Fprintln(stderr, "feedgen serve:", listenProblem(le))
		return cli.ExitFailure
	}
	if err != nil {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitFailure
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: full rescan")
				m.Rescan()
				d.Rescan()
			}
		}
	}()
	if err := d.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "feedgen serve:", err)
		return cli.ExitFailure
	}
	return cli.ExitOK
}
