package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"feedgen/metrics"
	"feedgen/serve"
)

// metricsServer serves /metrics on its own address (ServeOptions.MetricsAddr),
// which operators often keep private; nil when metrics are off or served on
// the main address.
type metricsServer struct {
	ln  net.Listener
	srv *http.Server
}

// frontHandler is what the main listener serves: the feeds, counted when
// metrics are on, plus /metrics itself unless it has an address of its own.
func frontHandler(opts ServeOptions, h http.Handler) http.Handler {
	m := opts.Metrics
	if m == nil {
		return h
	}
	if opts.MetricsAddr != "" {
		return m.Wrap(h)
	}
	// One comparison rather than a ServeMux: a mux would clean and
	// redirect the feed paths, which the feed handler answers itself.
	feeds, exposed := m.Wrap(h), m.Wrap(m.Handler())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == metrics.Path {
			exposed.ServeHTTP(w, r)
			return
		}
		feeds.ServeHTTP(w, r)
	})
}

// listenMetrics opens the separate metrics listener, if one is asked for,
// so that a bad address fails at start-up, naming the flag's value.
func listenMetrics(opts ServeOptions, log *slog.Logger) (*metricsServer, error) {
	if opts.Metrics == nil || opts.MetricsAddr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", opts.MetricsAddr)
	if err != nil {
		return nil, &ListenError{Addr: opts.MetricsAddr, Metrics: true, Err: err}
	}
	mux := http.NewServeMux()
	mux.Handle(metrics.Path, opts.Metrics.Handler())
	srv := serve.NewServer(ln.Addr().String(), mux)
	srv.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	return &metricsServer{ln: ln, srv: srv}, nil
}

// run serves until Shutdown; errors other than the shutdown itself go to errc.
func (m *metricsServer) run(errc chan<- error) {
	if m == nil {
		return
	}
	go func() {
		if err := m.srv.Serve(m.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			select {
			case errc <- fmt.Errorf("metrics server: %w", err):
			default:
			}
		}
	}()
}

func (m *metricsServer) shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.srv.Shutdown(ctx)
}

func (m *metricsServer) close() {
	if m != nil {
		_ = m.ln.Close()
	}
}

// Addr is the address the metrics listener is bound to, or nil.
func (m *metricsServer) addr() net.Addr {
	if m == nil {
		return nil
	}
	return m.ln.Addr()
}

// MetricsAddr is the address /metrics is served on when it has its own
// listener (ServeOptions.MetricsAddr), or nil.
func (d *Daemon) MetricsAddr() net.Addr { return d.metricsSrv.addr() }
