//go:build !linux

package s3test

import "os/exec"

// dieWithParent does nothing where the kernel cannot tie a child's life to
// its parent's: a test binary that dies there leaves the server running.
func dieWithParent(*exec.Cmd) {}
