package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"feedgen/internal/cli"
	"feedgen/pipeline"
)

const buildAbout = `Reads the articles under -src once and writes every feed, page and the OPML
list under -out, for CI and static hosting. The site settings come from
-config, else from feedgen.yaml in -src when there is one.

Exit status: 0 when every article was published; 1 when an article was
invalid (the others are still written), the output could not be written,
or a -publish failed or was refused; 2 for a mistake on the command line.`

func runBuild(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("feedgen build")
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
	cmd := &cli.Command{Flags: fs, Synopsis: "feedgen build [flags]", About: buildAbout}
	if status, ok := cmd.Parse(args, stdout, stderr); !ok {
		return status
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, cmd.Usagef("unexpected argument %q", fs.Arg(0)))
		return cli.ExitUsage
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "feedgen build:", err)
			return cli.ExitFailure
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "feedgen build:", err)
			return cli.ExitFailure
		}
		defer pprof.StopCPUProfile()
	}
	log, err := c.logger(stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return cli.ExitUsage
	}
	cfg, defaultBase, err := c.site(fs, "http://localhost:8080/")
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return cli.ExitUsage
	}
	popts, err := pf.options(fs, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return cli.ExitUsage
	}
	if len(popts.Targets) > 0 && !given(fs, "out") {
		*out = "" // the buckets alone
	}
	if *ping && len(cfg.Hubs) == 0 {
		fmt.Fprintln(stderr, "feedgen build: -ping needs at least one -hub (or hubs: in -config)")
		return cli.ExitUsage
	}
	if err := checkSrc(c.src); err != nil {
		fmt.Fprintln(stderr, "feedgen build:", err)
		return cli.ExitFailure
	}
	if defaultBase {
		log.Warn("no -base-url given: feed URLs point to " + cfg.BaseURL + "; set -base-url to where the tree will be served")
	}
	start := time.Now()
	r, err := pipeline.Build(pipeline.BuildOptions{Src: c.src, Out: *out, Site: cfg, Logger: log, Strict: *strict, State: c.stateDir(fs, log, &cfg), Ping: *ping, Precompress: *precompress, Publish: popts})
	for _, p := range r.Problems {
		fmt.Fprintln(stderr, p.String())
	}
	if err != nil {
		fmt.Fprintln(stderr, "feedgen build:", publishError(err))
		return cli.ExitFailure
	}
	log.Info("built", "src", c.src, "config", c.configFile(fs), "out", *out, "articles", r.Articles, "invalid", len(r.Problems),
		"feeds", r.Feeds, "written", r.Written, "removed", r.Removed, "duration", time.Since(start).Round(time.Millisecond).String())
	if len(r.Problems) > 0 && !*allowInvalid {
		fmt.Fprintf(stderr, "feedgen build: %d invalid article file(s); the others were published (use -allow-invalid to exit 0)\n", len(r.Problems))
		return cli.ExitFailure
	}
	return cli.ExitOK
}
