package pipeline

import (
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/index"
)

// degradedNow is what /healthz says is wrong: its status and list.
func (td *testDaemon) degradedNow(t testing.TB) (status string, degraded []string) {
	t.Helper()
	var h struct {
		Status   string   `json:"status"`
		Degraded []string `json:"degraded"`
	}
	if err := json.Unmarshal(td.get(t, "/healthz"), &h); err != nil {
		t.Fatalf("/healthz: %v", err)
	}
	return h.Status, h.Degraded
}

// waitDegraded waits until /healthz lists exactly want (nil: status ok).
func waitDegraded(t *testing.T, td *testDaemon, what string, want ...string) {
	t.Helper()
	eventually(t, 10*time.Second, what, func() (bool, string) {
		status, got := td.degradedNow(t)
		wantStatus := "ok"
		if len(want) > 0 {
			wantStatus = "degraded"
		}
		return status == wantStatus && slices.Equal(got, want), status + " " + strings.Join(got, ",")
	})
}

// TestHealthzStateTemporary: a daemon whose state directory another
// feedgen holds runs on a temporary state, and /healthz says so.
func TestHealthzStateTemporary(t *testing.T) {
	parallel(t)
	src, state := t.TempDir(), t.TempDir()
	copyDir(t, seedsDir, src)
	// Hold the state as another feedgen would (same source, any config).
	x, err := index.Open(index.Options{Dir: state, Source: src, Scan: "other", Render: "other", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	td := startDaemon(t, daemonConfig{src: src, state: state})
	waitDegraded(t, td, "temporary state reported", "state_temporary")
}
