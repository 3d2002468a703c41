package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// runConfig are the flags of "feedbench run".
type runConfig struct {
	sizes, daemonSizes []int
	runs, edits        int
	workdir, out, bin  string
	sections           sectionSet
	restarts           int
	strace             bool
	seed               uint64
	debounce           time.Duration
	settle, editGap    time.Duration
	editTimeout        time.Duration
	buildTimeout       time.Duration
	sizeBudget         time.Duration
	cold               bool
	baseURL            string
	httpSize           int
	httpRuns           int
	httpDuration       time.Duration
	wrkThreads         int
	wrkConns           int
	feedTarget         int
	args               []string
}

// bench is one "feedbench run".
type bench struct {
	cfg    runConfig
	bin    string // the feedgen binary under test
	cold   bool   // page cache can be dropped: cold runs are made
	coldWy string // why there are no cold runs

	// stateBuild and stateServe: feedgen build and serve have -state
	// (persistent state directory). Without it the state-specific
	// measurements are skipped with a note.
	stateBuild, stateServe bool
	// straceBin is strace, when -strace and it is installed.
	straceBin, straceWhy string
	stderr               io.Writer

	mu       sync.Mutex
	cleanups []func()
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.stderr, "%s feedbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// addCleanup registers f to run when the run ends or is interrupted.
// Cleanups must be idempotent.
func (b *bench) addCleanup(f func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cleanups = append(b.cleanups, f)
}

func (b *bench) cleanup() {
	b.mu.Lock()
	fs := slices.Clone(b.cleanups)
	b.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// intList is a comma-separated list of positive integers flag.
type intList []int

func (l *intList) String() string {
	s := make([]string, len(*l))
	for i, v := range *l {
		s[i] = strconv.Itoa(v)
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(v string) error {
	*l = nil
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive integer", f)
		}
		*l = append(*l, n)
	}
	return nil
}

// results is everything measured, for the report.
type results struct {
	Machine   machineInfo
	Start     time.Time
	Duration  time.Duration
	Corpora   []corpusInfo
	Builds    []*buildResult
	BuildErrs []string
	Daemons   []*daemonResult
	Restarts  []*restartResult
	HTTP      *httpResult
}

// cmdRun implements "feedbench run".
func cmdRun(args []string, stdout, stderr io.Writer) error {
	cfg := runConfig{sizes: intList{1000, 10000, 50000, 100000}, sections: allSections(), args: args}
	var skipHTTP bool
	fs := flag.NewFlagSet("feedbench run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var((*intList)(&cfg.sizes), "sizes", "corpus sizes for the build measurements (comma-separated)")
	fs.Var((*intList)(&cfg.daemonSizes), "daemon-sizes", "corpus sizes for the daemon and restart measurements: update latency, cold start, restart, memory (default: smallest and largest of -sizes)")
	fs.Var(&cfg.sections, "sections", "comma-separated `list` of the sections to run: "+strings.Join(sectionNames, ",")+" (default: all)")
	fs.IntVar(&cfg.runs, "runs", 5, "measured runs per build measurement (after one untimed warm-up)")
	fs.IntVar(&cfg.edits, "edits", 100, "article edits per daemon size, in the daemon and in the restart section (memory is read after them)")
	fs.IntVar(&cfg.restarts, "restarts", 3, "measured restarts with a valid state per size (restart section)")
	fs.BoolVar(&cfg.strace, "strace", true, "count every system call of cat, build and rebuild once per size with strace -f -c (untimed runs), when strace is installed")
	fs.StringVar(&cfg.workdir, "workdir", "/tmp/feedbench", "work `directory`: binary, cached corpora, outputs, logs, nginx")
	fs.StringVar(&cfg.bin, "bin", "", "measure this feedgen `binary` (e.g. built from another branch) instead of building ./cmd/feedgen")
	fs.StringVar(&cfg.out, "out", "BENCHMARKS-results.md", "Markdown `file` the report is appended to")
	fs.BoolVar(&skipHTTP, "skip-http", false, "skip the wrk/nginx HTTP comparison (same as leaving http out of -sections)")
	fs.Uint64Var(&cfg.seed, "seed", 1, "corpus seed")
	fs.DurationVar(&cfg.debounce, "debounce", 50*time.Millisecond, "-debounce passed to feedgen serve")
	fs.DurationVar(&cfg.settle, "settle", 2*time.Second, "wait before reading the daemon's memory (after start and after the edits)")
	fs.DurationVar(&cfg.editGap, "edit-gap", 200*time.Millisecond, "pause between edits once one is visible")
	fs.DurationVar(&cfg.editTimeout, "edit-timeout", 2*time.Minute, "give up on one edit after this long")
	fs.DurationVar(&cfg.buildTimeout, "build-timeout", 10*time.Minute, "timeout of one build, one cat, and of daemon start-up")
	fs.DurationVar(&cfg.sizeBudget, "size-budget", 4*time.Minute, "cut -runs for a size whose warm-up predicts more than this for all rounds (0: never)")
	fs.BoolVar(&cfg.cold, "cold", true, "also measure with a dropped page cache when /proc/sys/vm/drop_caches is writable")
	fs.StringVar(&cfg.baseURL, "base-url", "http://bench.example/", "-base-url passed to feedgen build and serve")
	fs.IntVar(&cfg.httpSize, "http-size", 10000, "corpus size served for the HTTP comparison")
	fs.IntVar(&cfg.httpRuns, "http-runs", 3, "wrk runs per scenario and server")
	fs.DurationVar(&cfg.httpDuration, "http-duration", 10*time.Second, "duration of one wrk run (-d)")
	fs.IntVar(&cfg.wrkThreads, "wrk-threads", 2, "wrk -t")
	fs.IntVar(&cfg.wrkConns, "wrk-conns", 64, "wrk -c")
	fs.IntVar(&cfg.feedTarget, "feed-bytes", 60<<10, "target size of the category rss.xml used for HTTP")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if skipHTTP {
		delete(cfg.sections, "http")
	}
	if fs.NArg() > 0 || cfg.runs < 1 || cfg.edits < 0 || cfg.restarts < 1 || len(cfg.sizes) == 0 || len(cfg.sections) == 0 {
		fs.Usage()
		return errUsage
	}
	if len(cfg.daemonSizes) == 0 {
		cfg.daemonSizes = []int{slices.Min(cfg.sizes)}
		if m := slices.Max(cfg.sizes); m != cfg.daemonSizes[0] {
			cfg.daemonSizes = append(cfg.daemonSizes, m)
		}
	}
	if _, err := os.Stat("cmd/feedgen"); err != nil {
		return errors.New("run from the module root (no ./cmd/feedgen here)")
	}
	b := &bench{cfg: cfg, stderr: stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	defer b.cleanup()
	res, err := b.run(ctx)
	if res != nil {
		report := renderReport(b, res)
		fmt.Fprint(stdout, report)
		if werr := appendReport(cfg.out, report); werr != nil {
			err = errors.Join(err, werr)
		} else {
			b.logf("report appended to %s", cfg.out)
		}
	}
	return err
}

// run performs every measurement. A failing part is recorded and the
// others go on; the returned error says what failed.
func (b *bench) run(ctx context.Context) (*results, error) {
	cfg := b.cfg
	res := &results{Start: time.Now()}
	defer func() { res.Duration = time.Since(res.Start) }()
	for _, d := range []string{"bin", "logs", "out", "corpus", "state"} {
		if err := os.MkdirAll(filepath.Join(cfg.workdir, d), 0o755); err != nil {
			return nil, err
		}
	}
	res.Machine = gatherMachineInfo()

	var err error
	if cfg.bin != "" {
		if b.bin, err = filepath.Abs(cfg.bin); err != nil {
			return nil, err
		}
		res.Machine.Rev = "binary " + b.bin + " (-bin: not built from this tree)"
		b.logf("using %s", b.bin)
	} else {
		b.bin = filepath.Join(cfg.workdir, "bin", "feedgen")
		b.logf("building %s from ./cmd/feedgen", b.bin)
		if _, err = runProc(ctx, 10*time.Minute, "go", "build", "-o", b.bin, "./cmd/feedgen"); err != nil {
			return nil, err
		}
	}
	if cfg.cold {
		if err := dropCaches(); err != nil {
			b.coldWy = "page cache cannot be dropped (" + err.Error() + "): warm cache only"
		} else {
			b.cold = true
		}
	} else {
		b.coldWy = "-cold=false: warm cache only"
	}

	if b.stateBuild, err = hasFlag(ctx, b.bin, "build", "state"); err != nil {
		return nil, err
	}
	if b.stateServe, err = hasFlag(ctx, b.bin, "serve", "state"); err != nil {
		return nil, err
	}
	b.logf("feedgen -state: build %v, serve %v", b.stateBuild, b.stateServe)
	if !cfg.strace {
		b.straceWhy = "-strace=false"
	} else if p, err := exec.LookPath("strace"); err != nil {
		b.straceWhy = "strace is not installed"
	} else if _, err := runProc(ctx, time.Minute, p, "-f", "-c", "-o", "/dev/null", "true"); err != nil {
		b.straceWhy = "strace does not work here (" + firstLine(err.Error()) + ")"
	} else {
		b.straceBin = p
	}

	// Corpora, smallest first.
	var need []int
	if cfg.sections["build"] {
		need = append(need, cfg.sizes...)
	}
	if cfg.sections["daemon"] || cfg.sections["restart"] {
		need = append(need, cfg.daemonSizes...)
	}
	if cfg.sections["http"] {
		need = append(need, cfg.httpSize)
	}
	slices.Sort(need)
	need = slices.Compact(need)
	corpora := map[int]corpusInfo{}
	for _, n := range need {
		ci, err := ensureCorpus(cfg.workdir, n, cfg.seed, b.stderr)
		if err != nil {
			return nil, err
		}
		if ci.Generated {
			b.logf("corpus n=%d: %s generated in %s", n, fmtBytes(ci.Bytes), ci.GenTime.Round(time.Millisecond))
		}
		corpora[n] = ci
		res.Corpora = append(res.Corpora, ci)
	}

	var errs []error
	if cfg.sections["build"] {
		for _, n := range cfg.sizes {
			r, err := b.benchBuild(ctx, corpora[n])
			res.Builds = append(res.Builds, r)
			if err != nil {
				b.logf("build n=%d: %v", n, err)
				res.BuildErrs = append(res.BuildErrs, fmt.Sprintf("n=%d: %v", n, err))
				errs = append(errs, fmt.Errorf("build n=%d: %w", n, err))
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
	}
	if cfg.sections["daemon"] {
		for _, n := range cfg.daemonSizes {
			r := b.benchDaemon(ctx, corpora[n])
			res.Daemons = append(res.Daemons, r)
			if r.Err != nil {
				b.logf("serve n=%d: %v", n, r.Err)
				errs = append(errs, fmt.Errorf("serve n=%d: %w", n, r.Err))
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
	}
	if cfg.sections["restart"] {
		for _, n := range cfg.daemonSizes {
			r := b.benchRestart(ctx, corpora[n])
			res.Restarts = append(res.Restarts, r)
			if r.Err != nil {
				b.logf("restart n=%d: %v", n, r.Err)
				errs = append(errs, fmt.Errorf("restart n=%d: %w", n, r.Err))
			}
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
	}
	if !cfg.sections["http"] {
		res.HTTP = &httpResult{Skipped: "not in -sections (or -skip-http)"}
	} else {
		res.HTTP = b.benchHTTP(ctx, corpora[cfg.httpSize])
		if res.HTTP.Err != nil {
			b.logf("http: %v", res.HTTP.Err)
			errs = append(errs, fmt.Errorf("http: %w", res.HTTP.Err))
		}
	}
	return res, errors.Join(errs...)
}

// sectionNames are the parts of a run, in the order they run.
var sectionNames = []string{"build", "daemon", "restart", "http"}

// sectionSet is the -sections flag.
type sectionSet map[string]bool

func allSections() sectionSet {
	s := sectionSet{}
	for _, n := range sectionNames {
		s[n] = true
	}
	return s
}

func (s *sectionSet) String() string {
	if s == nil {
		return ""
	}
	var l []string
	for _, n := range sectionNames {
		if (*s)[n] {
			l = append(l, n)
		}
	}
	return strings.Join(l, ",")
}

// Set accepts a comma-separated list of section names, or "all".
func (s *sectionSet) Set(v string) error {
	*s = sectionSet{}
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case f == "all":
			*s = allSections()
		case slices.Contains(sectionNames, f):
			(*s)[f] = true
		default:
			return fmt.Errorf("unknown section %q (want %s or all)", f, strings.Join(sectionNames, ", "))
		}
	}
	if len(*s) == 0 {
		return errors.New("no section")
	}
	return nil
}

// hasFlag reports whether "bin sub -h" lists the flag -name.
func hasFlag(ctx context.Context, bin, sub, name string) (bool, error) {
	out, _ := exec.CommandContext(ctx, bin, sub, "-h").CombinedOutput()
	flags := usageFlags(string(out))
	if len(flags) == 0 {
		return false, fmt.Errorf("%s %s -h lists no flags:\n%s", bin, sub, lastLines(string(out), 10))
	}
	return slices.Contains(flags, name), nil
}

// usageFlags returns the flag names a Go flag.FlagSet usage text lists
// (lines "  -name" or "  -name value", descriptions indented by a tab).
func usageFlags(usage string) []string {
	var names []string
	for line := range strings.SplitSeq(usage, "\n") {
		rest, ok := strings.CutPrefix(line, "  -")
		if !ok || rest == "" || rest[0] == ' ' || rest[0] == '\t' {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		names = append(names, name)
	}
	return names
}

// appendReport appends report to path, starting the file with a title
// when it is new.
func appendReport(path, report string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if fi, err := f.Stat(); err == nil && fi.Size() == 0 {
		_, _ = io.WriteString(f, "# feedgen benchmark results\n\nAppended by `go run ./cmd/feedbench run` (see scripts/bench.sh), newest last.\n\n")
	} else {
		_, _ = io.WriteString(f, "\n")
	}
	_, err = io.WriteString(f, report)
	return errors.Join(err, f.Close())
}
