package websub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned (wrapped) when a connection would go to
// an address the guard refuses.
var ErrForbiddenAddress = errors.New("address not allowed")

// sharedAddressSpace is 100.64.0.0/10 (RFC 6598, carrier-grade NAT), and
// thisNetwork 0.0.0.0/8: neither is reachable on the public Internet, and
// netip has no predicate for them.
var (
	sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork        = netip.MustParsePrefix("0.0.0.0/8")
)

// checkAddr refuses the addresses a callback given by a stranger must not
// reach: loopback, private, link-local, multicast and unspecified ones
// (and the IPv4 forms of them inside IPv6).
func checkAddr(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsLoopback(), ip.IsPrivate(),
		ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast(),
		ip.IsMulticast(), sharedAddressSpace.Contains(ip), thisNetwork.Contains(ip):
		return fmt.Errorf("%s: %w (loopback, private, link-local, multicast or unspecified)", ip, ErrForbiddenAddress)
	}
	return nil
}

// guard is a net.Dialer Control function: it runs after the name was
// resolved, on the very address about to be connected to, so a name that
// resolves to a public address when checked and to a private one when
// used (DNS rebinding) is still refused.
func guard(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%s: %w", address, ErrForbiddenAddress)
	}
	return checkAddr(ap.Addr())
}

// ClientOptions bound an outbound HTTP client.
type ClientOptions struct {
	// Timeout bounds a whole request, body included: a peer that reads or
	// writes one byte a second is cut off.
	Timeout time.Duration
	// AllowPrivate lets connections go to loopback and private addresses
	// (tests, intranets). Without it they are refused at connect time.
	AllowPrivate bool
	// Proxy uses the environment's proxy settings. Never together with the
	// guard: the guard would check the proxy's address, not the peer's.
	Proxy bool
	// MaxConnsPerHost bounds the connections to one host (0: 4).
	MaxConnsPerHost int
}

// NewClient returns an HTTP client that never follows redirects (a
// callback that redirects is a failure, not a way around the guard) and,
// unless AllowPrivate, connects only to public addresses.
func NewClient(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	d := &net.Dialer{Timeout: min(o.Timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if !o.AllowPrivate {
		d.Control = guard
	}
	if o.MaxConnsPerHost <= 0 {
		o.MaxConnsPerHost = 4
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
		MaxConnsPerHost:        o.MaxConnsPerHost,
		MaxIdleConnsPerHost:    o.MaxConnsPerHost,
		IdleConnTimeout:        60 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  o.Timeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	if o.Proxy && o.AllowPrivate {
		tr.Proxy = http.ProxyFromEnvironment
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
