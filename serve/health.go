package serve

import (
	"encoding/json"
	"strconv"
	"time"

	"feedgen/snapshot"
)

// healthReport is the JSON body of /healthz.
type healthReport struct {
	// Status is "ok", or "degraded" when Degraded names something: the
	// daemon still serves (200), but an operator has something to fix.
	Status   string `json:"status"`
	Articles int    `json:"articles"`
	Invalid  int    `json:"invalid"`
	Feeds    int    `json:"feeds"`
	Files    int    `json:"files"`
	Updated  string `json:"updated"`
	// Degraded lists what is wrong, in the words of the log line that
	// reported it (output_failing, watch_limit, state_temporary,
	// root_lost); absent when nothing is.
	Degraded []string `json:"degraded,omitempty"`
}

// healthBody renders the report of snapshot s.
func healthBody(s *snapshot.Snapshot, degraded []string) []byte {
	stats := s.Stats()
	r := healthReport{Status: "ok", Articles: stats.Articles, Invalid: stats.Invalid, Feeds: stats.Feeds,
		Files: s.Len(), Updated: stats.Updated.UTC().Format(time.RFC3339), Degraded: degraded}
	if len(degraded) > 0 {
		r.Status = "degraded"
	}
	b, _ := json.Marshal(r) // ints, strings and a list of strings: cannot fail
	return append(b, '\n')
}

// currentHealth is the body for st now: the one made with the snapshot,
// unless Options.Degraded names something, which changes without a new
// snapshot and so is asked at each request (a health check is rare).
func (h *Handler) currentHealth(st *state) (body []byte, clen []string) {
	if h.degraded != nil {
		if d := h.degraded(); len(d) > 0 {
			b := healthBody(st.snap, d)
			return b, one(strconv.Itoa(len(b)))
		}
	}
	return st.health, st.hlen
}
