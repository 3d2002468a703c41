package websub

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestCheckAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ip      string
		allowed bool
	}{
		{"8.8.8.8", true},
		{"2606:4700::1111", true},
		{"93.184.216.34", true},
		{"127.0.0.1", false},
		{"127.9.9.9", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"fd00::1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"0.1.2.3", false},
		{"100.64.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
	} {
		err := checkAddr(netip.MustParseAddr(c.ip))
		if (err == nil) != c.allowed {
			t.Errorf("%s: err %v, want allowed=%v", c.ip, err, c.allowed)
		}
		if err != nil && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: %v is not ErrForbiddenAddress", c.ip, err)
		}
	}
}

// TestGuardAtConnect: the guarded client refuses a loopback server even
// when it is reached by a name, because the check runs on the address
// being connected to; with AllowPrivate it gets through. Redirects are
// not followed.
func TestGuardAtConnect(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		w.WriteHeader(204)
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		_, err := NewClient(ClientOptions{Timeout: 2 * time.Second}).Get(u)
		if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("%s: err %v, want the address refused", u, err)
		}
	}
	c := NewClient(ClientOptions{Timeout: 2 * time.Second, AllowPrivate: true})
	resp, err := c.Get(srv.URL)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("allowed: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = c.Get(srv.URL + "/redirect")
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("redirect: got %v %v, want the 302 itself", resp, err)
	}
	resp.Body.Close()
	_ = context.Background()
}
