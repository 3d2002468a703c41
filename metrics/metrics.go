// Package metrics exposes the daemon's counters in the Prometheus text
// format (/metrics), through github.com/prometheus/client_golang.
//
// The rest of feedgen talks to it through a few methods (Wrap for the HTTP
// handler, Regenerated, WatchBatch, WebSubPing, WebSubDelivery) and never
// imports Prometheus itself. Every labelled series the request path uses is
// resolved once, in New, so that counting a request is a few atomic adds:
// no label lookup, no allocation.
package metrics

import (
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"feedgen/layout"
)

// Path is where the metrics are served.
const Path = "/metrics"

// What a request is for, as the "format" label says it.
const (
	fmtRSS = iota
	fmtAtom
	fmtJSON
	fmtHTML
	fmtOPML
	fmtHealth
	fmtMetrics
	fmtOther
	nFormats
)

var formatNames = [nFormats]string{"rss", "atom", "json", "html", "opml", "health", "metrics", "other"}

// Status classes, the "code" label.
var classNames = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

// Content codings of response bodies, the "encoding" label.
const (
	encIdentity = iota
	encGzip
	encBr
	nEncodings
)

var encodingNames = [nEncodings]string{"identity", "gzip", "br"}

// Results of a WebSub ping or delivery, the "result" label.
const (
	ResultOK    = "ok"
	ResultError = "error"
)

// Metrics holds every collector of one daemon. The zero value is not
// usable; a nil *Metrics is, and does nothing, so that callers need no
// "are metrics on" checks.
type Metrics struct {
	reg *prometheus.Registry

	requests    [nFormats][len(classNames)]prometheus.Counter
	notModified prometheus.Counter
	bytesSent   [nEncodings]prometheus.Counter

	regenerations [2]prometheus.Counter // [0] incremental, [1] full scan
	regenSeconds  prometheus.Histogram
	articles      prometheus.Gauge
	invalid       prometheus.Gauge
	feeds         prometheus.Gauge
	watchEvents   prometheus.Counter
	watchBatches  prometheus.Counter
	watchRescans  prometheus.Counter

	websubPings      *prometheus.CounterVec
	websubDeliveries *prometheus.CounterVec
}

// New creates the collectors, registered in a registry of their own
// together with the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedgen_http_requests_total",
		Help: "HTTP requests answered, by what was asked for (rss, atom, json, html, opml, health, metrics, other) and status class.",
	}, []string{"format", "code"})
	for f := range nFormats {
		for c, class := range classNames {
			m.requests[f][c] = requests.WithLabelValues(formatNames[f], class)
		}
	}
	m.notModified = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "feedgen_http_not_modified_total",
		Help: "Responses 304 Not Modified: polls that found nothing new.",
	})
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedgen_http_response_bytes_total",
		Help: "Response body bytes sent, by content coding (identity, gzip, br).",
	}, []string{"encoding"})
	for e := range nEncodings {
		m.bytesSent[e] = sent.WithLabelValues(encodingNames[e])
	}
	regens := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedgen_regenerations_total",
		Help: "Regenerations of the published set, by kind: update (a batch of changed files) or full (a scan of the whole directory).",
	}, []string{"kind"})
	m.regenerations[0] = regens.WithLabelValues("update")
	m.regenerations[1] = regens.WithLabelValues("full")
	m.regenSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "feedgen_regeneration_duration_seconds",
		Help: "How long a regeneration took, from the change to the new set being served.",
		// From a one-file change (a millisecond) to a first scan of a
		// large archive (tens of seconds).
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
	})
	m.articles = prometheus.NewGauge(prometheus.GaugeOpts{Name: "feedgen_articles", Help: "Articles published."})
	m.invalid = prometheus.NewGauge(prometheus.GaugeOpts{Name: "feedgen_invalid_articles", Help: "Article files rejected as bad input."})
	m.feeds = prometheus.NewGauge(prometheus.GaugeOpts{Name: "feedgen_feeds", Help: "Feeds published (each in three formats)."})
	m.watchEvents = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "feedgen_watch_events_total",
		Help: "Changed paths the watcher reported (after merging repeated events on one path).",
	})
	m.watchBatches = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "feedgen_watch_batches_total",
		Help: "Debounced batches of changes the watcher delivered.",
	})
	m.watchRescans = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "feedgen_rescans_total",
		Help: "Full rescans of the directory asked for after start-up: by the watcher (events lost) or by SIGHUP.",
	})
	m.websubPings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedgen_websub_pings_total",
		Help: "WebSub hub pings sent, by result (ok, error).",
	}, []string{"result"})
	m.websubDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "feedgen_websub_deliveries_total",
		Help: "WebSub content deliveries to subscribers, by result (ok, error).",
	}, []string{"result"})
	for _, r := range []string{ResultOK, ResultError} {
		// Present at zero from the start, so that a rate() has a baseline.
		m.websubPings.WithLabelValues(r)
		m.websubDeliveries.WithLabelValues(r)
	}
	m.reg.MustRegister(requests, m.notModified, sent, regens, m.regenSeconds, m.articles, m.invalid, m.feeds,
		m.watchEvents, m.watchBatches, m.watchRescans, m.websubPings, m.websubDeliveries)
	return m
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Registry is the registry the collectors are in, for tests and for code
// that adds collectors of its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Regenerated records one regeneration: whether it scanned the whole
// directory, how long it took and what the published set holds now.
func (m *Metrics) Regenerated(full bool, took time.Duration, articles, invalid, feeds int) {
	if m == nil {
		return
	}
	k := 0
	if full {
		k = 1
	}
	m.regenerations[k].Inc()
	m.regenSeconds.Observe(took.Seconds())
	m.articles.Set(float64(articles))
	m.invalid.Set(float64(invalid))
	m.feeds.Set(float64(feeds))
}

// WatchBatch records one batch from the watcher: the number of changed
// paths it names, and whether it asks for a full rescan.
func (m *Metrics) WatchBatch(paths int, rescan bool) {
	if m == nil {
		return
	}
	m.watchBatches.Inc()
	m.watchEvents.Add(float64(paths))
	if rescan {
		m.watchRescans.Inc()
	}
}

// Rescan records a full rescan asked for by other means than the watcher
// (SIGHUP).
func (m *Metrics) Rescan() {
	if m == nil {
		return
	}
	m.watchRescans.Inc()
}

// WebSubPing records one ping of a WebSub hub; ok says whether the hub
// accepted it. For the WebSub publisher.
func (m *Metrics) WebSubPing(ok bool) {
	if m == nil {
		return
	}
	m.websubPings.WithLabelValues(result(ok)).Inc()
}

// WebSubDelivery records one content delivery to a WebSub subscriber; ok
// says whether the subscriber accepted it. For the WebSub publisher.
func (m *Metrics) WebSubDelivery(ok bool) {
	if m == nil {
		return
	}
	m.websubDeliveries.WithLabelValues(result(ok)).Inc()
}

func result(ok bool) string {
	if ok {
		return ResultOK
	}
	return ResultError
}

// formatOf says what a request path asks for. It looks at the path only,
// so that a 304 or a 404 (which carry no Content-Type) is counted under
// the format that was asked for.
func formatOf(p string) int {
	switch {
	case p == layout.HealthPath:
		return fmtHealth
	case p == Path:
		return fmtMetrics
	case p == layout.OPMLPath:
		return fmtOPML
	case strings.HasSuffix(p, "/"), strings.HasSuffix(p, ".html"):
		return fmtHTML
	}
	for _, f := range layout.Formats {
		if name := f.FileName(); strings.HasSuffix(p, name) && p[len(p)-len(name)-1] == '/' {
			return [...]int{fmtRSS, fmtAtom, fmtJSON}[f]
		}
	}
	return fmtOther
}
