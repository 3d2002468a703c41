package pipeline

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/metrics"
)

// TestListenFirst: a taken address (a real listener on loopback) fails
// NewDaemon before it reads anything: no state directory is created, no
// article is read (the invalid one is not reported), and the error is a
// *ListenError that says which address and that it is in use.
func TestListenFirst(t *testing.T) {
	parallel(t)
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
		name          string
		addr, metrics string
		isMetrics     bool
	}{
		{"main address", taken, "", false},
		{"metrics address", "127.0.0.1:0", taken, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			state := filepath.Join(t.TempDir(), "state")
			opts := ServeOptions{Src: src, Site: testSite(t, "http://127.0.0.1/", 10), Addr: tt.addr, State: state,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			if tt.metrics != "" {
				opts.Metrics, opts.MetricsAddr = metrics.New(), tt.metrics
			}
			d, err := NewDaemon(opts)
			if err == nil {
				d.Close()
				t.Fatal("NewDaemon on a taken address succeeded")
			}
			var le *ListenError
			if !errors.As(err, &le) || le.Addr != taken || le.Metrics != tt.isMetrics || !le.InUse() {
				t.Fatalf("error %v (%#v), want a *ListenError for %s in use, metrics %v", err, le, taken, tt.isMetrics)
			}
			if r := le.Reason(); strings.Contains(r, "listen tcp") || r == "" {
				t.Errorf("Reason() = %q, want the system's words alone", r)
			}
			if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("state directory touched before the bind failed: %v", err)
			}
			if strings.Contains(logs.String(), "bad.txt") {
				t.Errorf("the source was read before the bind failed:\n%s", logs.String())
			}
		})
	}
}
