package serve

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

// TestHealthzDegraded: what Options.Degraded names turns the status to
// "degraded" and is listed, still with 200 (the daemon serves); once it is
// fixed the report is the plain one again, without a new snapshot.
func TestHealthzDegraded(t *testing.T) {
	t.Parallel()
	var now atomic.Pointer[[]string]
	now.Store(&[]string{})
	h := NewHandler(Options{Degraded: func() []string { return *now.Load() }})
	s := testSnapshot("a")
	h.Swap(s)
	plain := string(body(t, do(h, "GET", "/healthz", nil)))

	for _, tc := range []struct {
		degraded []string
		status   string
	}{
		{[]string{"output_failing", "root_lost"}, "degraded"},
		{[]string{"state_temporary"}, "degraded"},
		{nil, "ok"},
	} {
		now.Store(&tc.degraded)
		resp := do(h, "GET", "/healthz", nil)
		b := body(t, resp)
		if resp.StatusCode != 200 {
			t.Errorf("%v: status %d, want 200 (still serving)", tc.degraded, resp.StatusCode)
		}
		if cl := resp.Header.Get("Content-Length"); cl != fmt.Sprint(len(b)) {
			t.Errorf("%v: Content-Length %s for %d bytes", tc.degraded, cl, len(b))
		}
		var got struct {
			Status   string   `json:"status"`
			Articles int      `json:"articles"`
			Degraded []string `json:"degraded"`
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		if got.Status != tc.status || !slices.Equal(got.Degraded, tc.degraded) || got.Articles != s.Stats().Articles {
			t.Errorf("%v: healthz %s", tc.degraded, b)
		}
		if len(tc.degraded) == 0 && string(b) != plain {
			t.Errorf("healthy again: %s, want %s", b, plain)
		}
	}
}
