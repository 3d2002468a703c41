package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// machineInfo describes where the benchmark ran.
type machineInfo struct {
	Nproc, CPU, Go, Kernel, Mem, Date, Rev string
}

// gatherMachineInfo describes this run's host, Go and feedgen revision
// for the report's machine table.
func gatherMachineInfo() machineInfo {
	m := machineInfo{
		Nproc:  commandOutput("nproc"),
		Go:     commandOutput("go", "version"),
		Kernel: commandOutput("uname", "-srm"),
		Date:   time.Now().Format(time.RFC3339),
	}
	if m.Nproc == "" {
		m.Nproc = fmt.Sprint(runtime.NumCPU())
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.Mem = firstLine(strings.TrimPrefix(string(b), "MemTotal:"))
	}
	if rev := commandOutput("git", "rev-parse", "--short", "HEAD"); rev != "" {
		if commandOutput("git", "status", "--porcelain", "--untracked-files=no") != "" {
			rev += " (with uncommitted changes)"
		}
		m.Rev = rev
	}
	return m
}
