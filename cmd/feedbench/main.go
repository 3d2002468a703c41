// Command feedbench benchmarks the feedgen binary end to end.
//
//	feedbench corpus -n 50000 -out DIR [-seed 1]
//	feedbench corpus -n 1000000 -workdir WORKDIR   (the cache "run" reuses)
//	feedbench run [-sizes 1000,10000,50000,100000] [-sections build,daemon,restart,http] ...
//
// "corpus" writes a deterministic synthetic article directory shaped like
// the real seeds (40 Zipf-sized categories with one tag each, 3–24 KB CJK
// bodies, ~30% with the hidden stock-image prefix, dates unrelated to file
// name order). It streams: no listing of the names is ever held.
//
// "run" builds ./cmd/feedgen (or takes -bin), generates (and caches)
// corpora, and measures the real binary, in sections:
//
//   - build: first build (no output, no state) and rebuild (output and
//     state kept, nothing changed) against a plain cat of the corpus: time,
//     peak RSS, bytes read and read calls (/proc/PID/io), all system calls
//     (strace -f -c);
//   - daemon: cold start without state, memory (VmRSS, RssAnon, RssFile)
//     once gzip is ready and after -edits edits, update latency;
//   - restart: restart with a valid state and nothing changed, time to the
//     first 200, memory and edits after it;
//   - http: throughput against nginx serving the same bytes.
//
// The state-specific measurements need feedgen's -state flag; without it
// (detected from "feedgen build -h" and "feedgen serve -h") they are
// skipped with a note. It prints a Markdown report and appends it to -out.
// Run it from the module root (or use scripts/bench.sh, which also installs
// wrk and nginx).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

const usage = `feedbench benchmarks the feedgen binary.

Usage:
  feedbench corpus -n N -out DIR [-seed S] [-force]   write a synthetic corpus
  feedbench corpus -n N -workdir DIR [-seed S]        ... into the corpus cache of "run -workdir DIR"
  feedbench run [flags]                               build feedgen and measure it

Run "feedbench corpus -h" or "feedbench run -h" for the flags.
`

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain is main without the exit: 0 success, 1 failure, 2 usage.
func realMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "corpus":
		err = cmdCorpus(args[1:], stdout, stderr)
	case "run":
		err = cmdRun(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "feedbench: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "feedbench:", err)
		return 1
	}
	return 0
}
