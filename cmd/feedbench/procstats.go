package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ioStats is /proc/PID/io: what a process (and, once reaped, its
// children) read and wrote. RChar and WChar count bytes passed to read(2)
// and write(2)-like calls, served from the page cache or not; ReadBytes and
// WriteBytes what the block layer fetched or was sent (0 read when the page
// cache was warm); SyscR and SyscW count read and write system calls.
type ioStats struct {
	RChar, WChar, SyscR, SyscW, ReadBytes, WriteBytes int64
	OK                                                bool // the figures were read
}

// parseProcIO parses the text of /proc/PID/io.
func parseProcIO(text string) (ioStats, error) {
	var s ioStats
	seen := 0
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return s, fmt.Errorf("/proc/PID/io: %q: %v", line, err)
		}
		p := map[string]*int64{"rchar": &s.RChar, "wchar": &s.WChar, "syscr": &s.SyscR, "syscw": &s.SyscW,
			"read_bytes": &s.ReadBytes, "write_bytes": &s.WriteBytes}[strings.TrimSpace(k)]
		if p != nil {
			*p = n
			seen++
		}
	}
	if seen < 6 {
		return s, fmt.Errorf("/proc/PID/io: %d of 6 fields", seen)
	}
	s.OK = true
	return s, nil
}

// readProcIO reads /proc/PID/io.
func readProcIO(pid int) (ioStats, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return ioStats{}, err
	}
	return parseProcIO(string(b))
}

// memStats is the memory part of /proc/PID/status, in KiB. VmRSS is
// RssAnon + RssFile + RssShmem: anonymous memory (the Go heap, stacks) and
// file pages mapped by the process (its binary, mmapped files).
type memStats struct {
	VmRSS, VmHWM, RssAnon, RssFile, RssShmem int64
}

// parseProcStatus parses the text of /proc/PID/status.
func parseProcStatus(text string) memStats {
	var m memStats
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		p := map[string]*int64{"VmRSS": &m.VmRSS, "VmHWM": &m.VmHWM, "RssAnon": &m.RssAnon, "RssFile": &m.RssFile, "RssShmem": &m.RssShmem}[k]
		if p != nil {
			*p, _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	return m
}

// procMem reads the memory figures of a live process.
func procMem(pid int) (memStats, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memStats{}, err
	}
	m := parseProcStatus(string(b))
	if m.VmRSS == 0 {
		return m, fmt.Errorf("/proc/%d/status: no VmRSS (exited?)", pid)
	}
	return m, nil
}

// straceCounts is the summary "strace -c -f" writes: calls per system call
// and in total.
type straceCounts struct {
	Total int64
	Calls map[string]int64
}

// parseStraceSummary parses the table "strace -c" writes (-o FILE):
//
//	% time     seconds  usecs/call     calls    errors syscall
//	------ ----------- ----------- --------- --------- ----------------
//	 45.00    0.000450           3       120        10 openat
//	...
//	100.00    0.001000           1       290        12 total
//
// The errors column is blank for calls without errors.
func parseStraceSummary(text string) (straceCounts, error) {
	c := straceCounts{Calls: map[string]int64{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	header, total := false, false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 && f[0] == "%" {
			header = true
			continue
		}
		if !header || len(f) < 5 || strings.HasPrefix(f[0], "---") {
			continue
		}
		calls, err := strconv.ParseInt(f[3], 10, 64)
		if err != nil {
			continue
		}
		name := f[len(f)-1]
		if name == "total" {
			c.Total, total = calls, true
			continue
		}
		c.Calls[name] += calls
	}
	if !total {
		return c, fmt.Errorf("strace summary without a total line: %q", firstLine(text))
	}
	return c, nil
}
