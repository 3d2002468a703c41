package pipeline

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"feedgen/internal/s3test"
)

// TestMain stops the daemon the HTTP tests share and the S3-compatible
// server of the -publish tests (started by the first of them), and lets
// more tests run at once than -parallel's default (GOMAXPROCS, two cores
// in CI): most of these tests wait, on debounce timers, on a daemon's
// background work, on the network, and overlap well. -parallel, when
// given, wins.
//
// Tests that count the process's goroutines and file descriptors
// (TestAbuse, TestSoakShort) do not call t.Parallel, so they run before
// all others, alone; so does TestArchivePagesInChromium when screenshots
// are kept (see there).
func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", "4"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	code := s3test.Main(m) // runs the tests, then stops the S3 server if one was started
	if err := stopShared(); err != nil {
		fmt.Fprintf(os.Stderr, "shared daemon: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
