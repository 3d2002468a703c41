//go:build unix

package pipeline

import (
	"syscall"
	"testing"
)

// raiseNoFile raises the soft limit on open files to the hard limit and
// returns the soft limit in force afterwards.
func raiseNoFile(t testing.TB) uint64 {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("getrlimit: %v", err)
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			t.Logf("cannot raise RLIMIT_NOFILE from %d to %d: %v", lim.Cur, lim.Max, err)
			return uint64(lim.Cur)
		}
		return uint64(raised.Cur)
	}
	return uint64(lim.Cur)
}
