package pipeline

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// ListenError is a listen address the daemon could not bind. NewDaemon
// binds its addresses before it reads anything, so that a port taken by
// another process fails at once rather than after a first scan that can
// take minutes on a large archive.
type ListenError struct {
	Addr string
	// Metrics is set when Addr is ServeOptions.MetricsAddr rather than
	// the main address.
	Metrics bool
	Err     error
}

func (e *ListenError) Error() string {
	what := "listen address"
	if e.Metrics {
		what = "metrics address"
	}
	return fmt.Sprintf("%s %s: %v", what, e.Addr, e.Err)
}

func (e *ListenError) Unwrap() error { return e.Err }

// InUse reports whether the address is taken, most often by another
// daemon (or another copy of this one): the case worth its own advice.
func (e *ListenError) InUse() bool { return addrInUse(e.Err) }

// Reason is why the address could not be bound, in the operating system's
// words ("cannot assign requested address"), without the Go operation
// around it ("listen tcp 192.0.2.1:80: bind: ...").
func (e *ListenError) Reason() string {
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		return errno.Error()
	}
	var op *net.OpError
	if errors.As(e.Err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return e.Err.Error()
}

// listen binds the daemon's addresses: the main one (unless the caller
// passed a listener) and the separate metrics one, if asked for. On error
// nothing stays bound.
func (d *Daemon) listen() error {
	opts := d.opts
	d.ln = opts.Listener
	if d.ln == nil {
		ln, err := net.Listen("tcp", opts.Addr)
		if err != nil {
			return &ListenError{Addr: opts.Addr, Err: err}
		}
		d.ln, d.ownLn = ln, true
	}
	var err error
	if d.metricsSrv, err = listenMetrics(opts, d.log); err != nil {
		d.closeListeners()
		return err
	}
	return nil
}

// closeListeners releases what listen bound, for a daemon that does not
// start: a listener the caller passed in stays the caller's.
func (d *Daemon) closeListeners() {
	if d.ownLn {
		_ = d.ln.Close()
	}
	d.metricsSrv.close()
}
