package soak

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ProcSample is what /proc says about a process at one moment.
type ProcSample struct {
	RSSKiB  int // VmRSS
	Threads int
	FDs     int // entries of /proc/PID/fd
}

// ReadProc samples process pid ("self" for this one).
func ReadProc(pid string) (ProcSample, error) {
	var s ProcSample
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return s, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			s.RSSKiB, _ = strconv.Atoi(fields[0])
		case "Threads":
			s.Threads, _ = strconv.Atoi(fields[0])
		}
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	ents, err := os.ReadDir("/proc/" + pid + "/fd")
	if err != nil {
		return s, fmt.Errorf("counting fds: %w", err)
	}
	s.FDs = len(ents)
	return s, nil
}
