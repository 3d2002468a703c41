package bucket

import (
	"context"
	"os"
	"os/exec"
)

// shellCommand runs cmd with the command interpreter, as sh -c does
// elsewhere.
func shellCommand(ctx context.Context, cmd string) *exec.Cmd {
	shell := os.Getenv("COMSPEC")
	if shell == "" {
		shell = "cmd.exe"
	}
	return exec.CommandContext(ctx, shell, "/C", cmd)
}
