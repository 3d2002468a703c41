//go:build !windows

package bucket

import (
	"context"
	"os/exec"
)

// shellCommand runs cmd with the POSIX shell, so that a hook can be a
// pipeline ("xargs curl -X PURGE").
func shellCommand(ctx context.Context, cmd string) *exec.Cmd {
	return exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
}
