package pipeline

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"feedgen/internal/s3test"
)

// TestMain starts the S3-compatible server of the -publish tests in the
// background, stops it and the daemon the HTTP tests share at the end, and
// lets more tests run at once than -parallel's default (GOMAXPROCS, two
// cores in CI): four at a time, the longest first (admission_test.go).
// Most of these tests wait, on debounce timers, on a daemon's background
// work, on the network, and overlap well. -parallel, when given, wins.
//
// The tests that count the process's goroutines and file descriptors
// (TestAbuse, TestSoakShort) run in a test binary of their own
// (runOwnProcess); TestSoakShort in parallel with the others, TestAbuse,
// which bounds the answer time of a daemon under abuse, before all others,
// alone, and so does TestArchivePagesInChromium when screenshots are kept
// (see there).
func TestMain(m *testing.M) {
	flag.Parse()
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			admission.slots, _ = strconv.Atoi(f.Value.String()) // an int flag: parsed
		}
	})
	// admission admits the top-level tests; the testing package's own limit
	// would stop some of them before they reach it, in no order.
	if err := flag.Set("test.parallel", "1000"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The -publish tests, admitted late, find the server up.
	s3test.Prestart("TestBuildPublish", "TestServePublish")
	code := s3test.Main(m) // runs the tests, then stops the S3 server if one was started
	if err := stopShared(); err != nil {
		fmt.Fprintf(os.Stderr, "shared daemon: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
