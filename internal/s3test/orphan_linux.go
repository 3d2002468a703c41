package s3test

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill the server when the test binary
// dies (a panic, a timeout), which TestMain cannot see to: an orphaned
// server would hold its ports and data for good.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
