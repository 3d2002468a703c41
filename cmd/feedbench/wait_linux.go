package main

import (
	"syscall"
	"unsafe"
)

// waitExited blocks until the child pid has exited, without reaping it
// (waitid with WNOWAIT): the zombie's /proc/PID/io still holds its final
// counters, including those of the children it reaped. The caller reaps it
// afterwards (exec.Cmd.Wait).
func waitExited(pid int) error {
	const (
		pPID    = 1
		wExited = 4
		wNowait = 0x1000000
	)
	var info [128]byte // siginfo_t
	for {
		_, _, e := syscall.Syscall6(syscall.SYS_WAITID, pPID, uintptr(pid), uintptr(unsafe.Pointer(&info[0])), wExited|wNowait, 0, 0)
		switch e {
		case 0:
			return nil
		case syscall.EINTR:
			continue
		}
		return e
	}
}
