package main

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// stat summarises repeated measurements.
type stat struct {
	Med, Min, Max float64
	N             int
}

// summarize returns median, min and max of xs (zero stat when empty). The
// median of an even count is the mean of the two middle values.
func summarize(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{Med: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// fmtSec formats seconds with a unit that keeps three or so digits.
func fmtSec(s float64) string {
	switch {
	case math.IsNaN(s):
		return "n/a"
	case s >= 10:
		return fmt.Sprintf("%.1f s", s)
	case s >= 1:
		return fmt.Sprintf("%.2f s", s)
	case s >= 0.01:
		return fmt.Sprintf("%.1f ms", s*1e3)
	}
	return fmt.Sprintf("%.2f ms", s*1e3)
}

// fmtStatSec formats a stat of seconds as "median (min–max)".
func fmtStatSec(s stat) string {
	if s.N == 0 {
		return "n/a"
	}
	if s.N == 1 {
		return fmtSec(s.Med)
	}
	return fmt.Sprintf("%s (%s – %s)", fmtSec(s.Med), fmtSec(s.Min), fmtSec(s.Max))
}

// fmtStatMiB formats a stat of KiB values in MiB.
func fmtStatMiB(s stat) string {
	if s.N == 0 {
		return "n/a"
	}
	if s.N == 1 || s.Min == s.Max {
		return fmt.Sprintf("%.1f MiB", s.Med/1024)
	}
	return fmt.Sprintf("%.1f MiB (%.1f – %.1f)", s.Med/1024, s.Min/1024, s.Max/1024)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// procResult is what running one child process to completion cost.
type procResult struct {
	Wall      time.Duration
	MaxRSSKB  int64 // ru_maxrss of the child (KiB on Linux)
	User, Sys time.Duration
	Stderr    string // the last 64 KiB of its standard error
	// IO is the child's /proc/PID/io read after it exited and before it
	// was reaped, so it is final and includes the children it reaped
	// (a shell pipeline's find, xargs and cat). IO.OK is false when it
	// could not be read.
	IO ioStats
}

// runProc runs name with args, standard output discarded, and measures it.
// A non-zero exit status or the timeout is an error that includes the end
// of standard error.
func runProc(ctx context.Context, timeout time.Duration, name string, args ...string) (procResult, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var res procResult
	errBuf := &tailBuffer{max: 64 << 10}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stderr = errBuf
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Start()
	if err == nil {
		// Exited but not reaped: its /proc entry still holds the final
		// counters. Timing stops here; reaping is not the child's cost.
		if werr := waitExited(cmd.Process.Pid); werr == nil {
			res.Wall = time.Since(start)
			res.IO, _ = readProcIO(cmd.Process.Pid)
		}
		err = cmd.Wait()
	}
	if res.Wall == 0 {
		res.Wall = time.Since(start)
	}
	res.Stderr = errBuf.String()
	if ps := cmd.ProcessState; ps != nil {
		res.MaxRSSKB = maxRSSKB(ps)
		res.User, res.Sys = ps.UserTime(), ps.SystemTime()
	}
	if ctx.Err() == context.DeadlineExceeded {
		return res, fmt.Errorf("%s: timed out after %s\n%s", name, timeout, lastLines(res.Stderr, 20))
	}
	if err != nil {
		return res, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, lastLines(res.Stderr, 20))
	}
	return res, nil
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// catCorpus reads every byte of every file in dir the way a shell user
// would, without overflowing the argument list:
// find DIR -type f -print0 | xargs -0 cat > /dev/null.
func catCorpus(ctx context.Context, timeout time.Duration, dir string) (procResult, error) {
	return runProc(ctx, timeout, "/bin/sh", "-c", catScript, "sh", dir)
}

// catScript is the shell script of catCorpus; $1 is the directory.
const catScript = `find "$1" -type f -print0 | xargs -0 cat > /dev/null`

// dropCaches syncs and drops the page cache, dentries and inodes. It fails
// without root or in most containers.
func dropCaches() error {
	syncFS()
	return os.WriteFile("/proc/sys/vm/drop_caches", []byte("3\n"), 0o200)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// treeSize returns the number of regular files under dir and their bytes.
func treeSize(dir string) (files int, size int64, err error) {
	err = filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			files++
			size += fi.Size()
		}
		return nil
	})
	return files, size, err
}

// commandOutput runs a command and returns its trimmed standard output, or
// "" when it fails: for best-effort machine information.
func commandOutput(name string, args ...string) string {
	var out bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout = &out
	if cmd.Run() != nil {
		return ""
	}
	return strings.TrimSpace(out.String())
}

// firstLine is the first line of s, trimmed.
func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(l)
}

// commandOutputCombined is commandOutput with standard error included
// (nginx -v prints to standard error).
func commandOutputCombined(name string, args ...string) string {
	out, _ := exec.Command(name, args...).CombinedOutput()
	return strings.TrimSpace(string(out))
}
