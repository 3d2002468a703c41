//go:build unix

package main

import (
	"os"
	"syscall"
)

// syncFS flushes dirty pages so that write-back of the previous step does
// not land in the next measurement.
func syncFS() { syscall.Sync() }

// maxRSSKB is the peak resident set size of an exited child, from its
// ru_maxrss (KiB on Linux, the system this benchmark is run on).
func maxRSSKB(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return int64(ru.Maxrss)
	}
	return 0
}
