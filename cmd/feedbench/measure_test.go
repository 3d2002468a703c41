package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseProcIO(t *testing.T) {
	t.Parallel()
	text := "rchar: 7340032\nwchar: 12\nsyscr: 2004\nsyscw: 3\nread_bytes: 4096\nwrite_bytes: 0\ncancelled_write_bytes: 0\n"
	got, err := parseProcIO(text)
	if err != nil {
		t.Fatal(err)
	}
	want := ioStats{RChar: 7340032, WChar: 12, SyscR: 2004, SyscW: 3, ReadBytes: 4096, WriteBytes: 0, OK: true}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parseProcIO("rchar: 1\nwchar: 2\n"); err == nil {
		t.Error("missing fields: no error")
	}
	if _, err := parseProcIO("rchar: x\n"); err == nil {
		t.Error("bad number: no error")
	}
}

func TestParseProcStatus(t *testing.T) {
	t.Parallel()
	text := "Name:\tfeedgen\nVmPeak:\t 1000 kB\nVmHWM:\t  760000 kB\nVmRSS:\t  600000 kB\nRssAnon:\t  590000 kB\nRssFile:\t    9000 kB\nRssShmem:\t       1000 kB\nThreads:\t8\n"
	got := parseProcStatus(text)
	want := memStats{VmRSS: 600000, VmHWM: 760000, RssAnon: 590000, RssFile: 9000, RssShmem: 1000}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := procMem(os.Getpid()); err != nil {
		t.Errorf("procMem(self): %v", err)
	}
}

// straceSample is real "strace -f -c" output (strace 6.1), shortened.
const straceSample = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 44.74    0.001445         361         4         2 wait4
  9.81    0.000317           4        72        30 openat
  8.98    0.000290           4        66        20 newfstatat
  4.89    0.000158           3        50           close
  0.22    0.000007           0        11           read
  0.00    0.000000           0         2           getdents64
------ ----------- ----------- --------- --------- ----------------
100.00    0.003230           8       205        52 total
`

func TestParseStraceSummary(t *testing.T) {
	t.Parallel()
	c, err := parseStraceSummary(straceSample)
	if err != nil {
		t.Fatal(err)
	}
	if c.Total != 205 {
		t.Errorf("total %d, want 205", c.Total)
	}
	want := map[string]int64{"wait4": 4, "openat": 72, "newfstatat": 66, "close": 50, "read": 11, "getdents64": 2}
	if len(c.Calls) != len(want) {
		t.Errorf("calls %v, want %v", c.Calls, want)
	}
	for k, v := range want {
		if c.Calls[k] != v {
			t.Errorf("%s: %d, want %d", k, c.Calls[k], v)
		}
	}
	if got := topCalls(&c, 10, 3); got != "openat 7.20, newfstatat 6.60, close 5.00" {
		t.Errorf("topCalls: %q", got)
	}
	if _, err := parseStraceSummary("strace: exec: No such file or directory\n"); err == nil {
		t.Error("no table: no error")
	}
}

func TestUsageFlags(t *testing.T) {
	t.Parallel()
	usage := `Usage of feedgen build:
  -allow-invalid
    	exit 0 even when some articles are invalid (they are still reported)
  -base-url URL
    	absolute URL the feeds are served under
  -limit int
    	items per feed (0: no limit) (default 50)
  -state DIR
    	persistent state directory (default: under the user cache directory; "" for none)
`
	got := usageFlags(usage)
	want := []string{"allow-invalid", "base-url", "limit", "state"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	// Today's feedgen (this repository): build and serve have no -state.
	if got := usageFlags(strings.Replace(usage, "  -state DIR\n", "  -stateful\n", 1)); slices.Contains(got, "state") {
		t.Errorf("-stateful taken for -state: %q", got)
	}
}

func TestSectionSet(t *testing.T) {
	t.Parallel()
	var s sectionSet
	if err := s.Set("restart, build"); err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "build,restart" {
		t.Errorf("String() = %q", got)
	}
	if err := s.Set("all"); err != nil || s.String() != "build,daemon,restart,http" {
		t.Errorf("all: %v %q", err, s.String())
	}
	for _, bad := range []string{"", "build,bogus", ","} {
		if err := s.Set(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestRunProcIO checks that runProc reads the final /proc/PID/io of a
// child, including what the children it reaped read.
func TestRunProcIO(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	if _, err := os.ReadFile("/proc/self/io"); err != nil {
		t.Skip("no /proc/self/io:", err)
	}
	dir := t.TempDir()
	const n, size = 20, 100000
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, strings.Repeat("a", i+1)), make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := catCorpus(context.Background(), time.Minute, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !r.IO.OK {
		t.Fatal("no /proc/PID/io figures")
	}
	if r.IO.RChar < n*size || r.IO.SyscR < n {
		t.Errorf("cat of %d files of %d bytes: rchar %d, syscr %d", n, size, r.IO.RChar, r.IO.SyscR)
	}
	if r.Wall <= 0 {
		t.Errorf("wall %v", r.Wall)
	}
	if _, err := runProc(context.Background(), time.Minute, "/bin/sh", "-c", "exit 3"); err == nil {
		t.Error("exit 3: no error")
	}
}

func TestIOMedAndPerArticle(t *testing.T) {
	t.Parallel()
	xs := []ioStats{{RChar: 100, OK: true}, {RChar: 300, OK: true}, {RChar: 9999}}
	if got := ioMed(xs, rchar); got != 200 {
		t.Errorf("ioMed = %v, want 200 (unread samples ignored)", got)
	}
	if !math.IsNaN(ioMed(nil, rchar)) {
		t.Error("ioMed(nil) is not NaN")
	}
	if got := perArticleBytes(7000*1000, 1000); got != "6.84 KiB" {
		t.Errorf("perArticleBytes = %q", got)
	}
	if got := perArticle(6000, 1000); got != "6.00" {
		t.Errorf("perArticle = %q", got)
	}
	if got := perArticle(math.NaN(), 1000); got != "n/a" {
		t.Errorf("perArticle(NaN) = %q", got)
	}
}
