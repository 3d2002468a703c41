package main

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBusyPort: serve binds its addresses before it reads the source, so
// an address taken by another process (a real listener on loopback) fails
// at once: exit 1, one line naming the flag, the address and the remedy;
// no article was read (the invalid one is not reported) and no state
// directory was made.
func TestBusyPort(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().String()
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "bad.txt"), []byte("---\ntitle: bad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		flags []string
		code  int
		want  string
	}{
		{[]string{"-addr", taken}, 1,
			"feedgen serve: -addr " + taken + ": the port is in use (another feedgen?); choose another with -addr\n"},
		{[]string{"-addr", "127.0.0.1:0", "-metrics-addr", taken}, 1,
			"feedgen serve: -metrics-addr " + taken + ": the port is in use (another feedgen?); choose another with -metrics-addr\n"},
		{[]string{"-addr", taken, "-metrics-addr", taken}, 2,
			"feedgen serve: -metrics-addr " + taken + ": the same as -addr; leave -metrics-addr out to serve /metrics on -addr\n"},
	} {
		state := filepath.Join(t.TempDir(), "state")
		args := append([]string{"serve", "-src", src, "-state", state, "-log-format", "json"}, tt.flags...)
		code, out, errs := runCmd(args...)
		if code != tt.code || out != "" {
			t.Errorf("%q: exit %d, stdout %q; want %d", tt.flags, code, out, tt.code)
		}
		if !strings.HasSuffix(errs, tt.want) {
			t.Errorf("%q: stderr\n%s\ndoes not end with\n%s", tt.flags, errs, tt.want)
		}
		if strings.Contains(errs, "bad.txt") {
			t.Errorf("%q: the source was read before the address was bound:\n%s", tt.flags, errs)
		}
		if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%q: the state directory was made before the address was bound: %v", tt.flags, err)
		}
	}
}
