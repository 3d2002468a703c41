package metrics

import "github.com/prometheus/client_golang/prometheus"

// Degradations are the names /healthz lists when the daemon serves but
// something is wrong (pipeline's degraded); each is a series of
// feedgen_degraded, so that an alert can name what to fix.
var Degradations = []string{"output_failing", "watch_limit", "state_temporary", "root_lost", "source_loss_held", "publish_failing", "publish_held"}

var degradedDesc = prometheus.NewDesc("feedgen_degraded",
	"1 while the daemon serves but is degraded in this way (see /healthz), else 0", []string{"what"}, nil)

// degradedCollector asks now at each scrape: the conditions change without
// any event the metrics see.
type degradedCollector struct{ now func() []string }

func (c degradedCollector) Describe(ch chan<- *prometheus.Desc) { ch <- degradedDesc }

func (c degradedCollector) Collect(ch chan<- prometheus.Metric) {
	on := map[string]bool{}
	for _, d := range c.now() {
		on[d] = true
	}
	for _, d := range Degradations {
		v := 0.0
		if on[d] {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(degradedDesc, prometheus.GaugeValue, v, d)
	}
}

// Degraded exports feedgen_degraded{what} from now, which lists the
// degradations that hold (names from Degradations). Call it once; a nil
// Metrics does nothing.
func (m *Metrics) Degraded(now func() []string) {
	if m == nil {
		return
	}
	m.reg.MustRegister(degradedCollector{now})
}
