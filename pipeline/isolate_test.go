package pipeline

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// isolatedEnv names, in a test binary that runOwnProcess started, the one
// test that binary is for.
const isolatedEnv = "FEEDGEN_TEST_OWN_PROCESS"

// runOwnProcess runs the calling test in a test binary of its own (this
// one, started again for that test alone) and reports its outcome as the
// calling test's. It returns true in the calling process, where the test
// is then over, and false in the started one, where the test goes on.
//
// It is for the tests that count the process's goroutines and file
// descriptors (TestAbuse, TestSoakShort): in a process of their own the
// counts are theirs whatever else the package's binary does meanwhile
// (other tests, the object storage server it starts in the background),
// so TestSoakShort runs in parallel with the others. In the started binary
// every other test skips, so that a -run pattern that matches several
// tests starts no further binary.
func runOwnProcess(t *testing.T) bool {
	t.Helper()
	if own := os.Getenv(isolatedEnv); own != "" {
		if own != t.Name() {
			t.Skipf("this test binary runs %s alone", own)
		}
		return false
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("finding the test binary: %v", err)
	}
	args := []string{"-test.v", "-test.count=1", "-test.run=" + ownRunPattern(t.Name())}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	// The flags go test may pass that change what the test does or where
	// its coverage goes; -test.timeout as what is left of this one's.
	for _, name := range []string{"test.skip", "test.gocoverdir", "test.failfast"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != f.DefValue {
			args = append(args, "-"+name+"="+f.Value.String())
		}
	}
	if d, ok := t.Deadline(); ok {
		args = append(args, "-test.timeout="+time.Until(d).Round(time.Second).String())
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), isolatedEnv+"="+t.Name())
	out, err := cmd.CombinedOutput()
	report := strings.TrimRight(string(out), "\n")
	switch {
	case err != nil:
		t.Fatalf("%s in its own process: %v\n%s", t.Name(), err, report)
	case strings.Contains(report, "--- SKIP: "+t.Name()+" "):
		t.Skipf("%s in its own process skipped:\n%s", t.Name(), report)
	case !strings.Contains(report, "--- PASS: "+t.Name()+" "):
		t.Fatalf("%s did not run in its own process:\n%s", t.Name(), report)
	}
	t.Logf("%s in its own process:\n%s", t.Name(), report)
	return true
}

// ownRunPattern is the -test.run pattern of the binary runOwnProcess
// starts for the top-level test name: that test alone, with the levels
// below it that this binary's -test.run names, if any.
func ownRunPattern(name string) string {
	p := "^" + regexp.QuoteMeta(name) + "$"
	f := flag.Lookup("test.run")
	if f == nil {
		return p
	}
	if _, sub, ok := cutLevel(f.Value.String()); ok {
		p += "/" + sub
	}
	return p
}

// cutLevel splits a -test.run pattern at its first slash outside brackets
// and parentheses, as the testing package splits it into levels.
func cutLevel(pattern string) (first, rest string, ok bool) {
	depth := 0
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case '/':
			if depth == 0 {
				return pattern[:i], pattern[i+1:], true
			}
		}
	}
	return pattern, "", false
}
