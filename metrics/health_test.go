package metrics

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestDegraded: feedgen_degraded{what} is 1 for what the function lists at
// scrape time and 0 for the others.
func TestDegraded(t *testing.T) {
	m := New()
	now := []string{"root_lost"}
	m.Degraded(func() []string { return now })
	scrape := func() string {
		w := httptest.NewRecorder()
		m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
		return w.Body.String()
	}
	out := scrape()
	for _, want := range []string{`feedgen_degraded{what="root_lost"} 1`, `feedgen_degraded{what="output_failing"} 0`,
		`feedgen_degraded{what="watch_limit"} 0`, `feedgen_degraded{what="state_temporary"} 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	now = nil
	if out := scrape(); !strings.Contains(out, `feedgen_degraded{what="root_lost"} 0`) {
		t.Error("root_lost still 1 after it was fixed")
	}
	var nilM *Metrics
	nilM.Degraded(func() []string { return nil }) // must not panic
}
