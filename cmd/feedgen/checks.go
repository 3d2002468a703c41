package main

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"feedgen/feedgen/config"
	"feedgen/pipeline"
)

// checkSrc says, in the same words for build and serve, why -src cannot be
// used: before this, serve reported the watcher's "watch /x: stat /x: …".
func checkSrc(src string) error {
	fi, err := os.Stat(src)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("-src %s: no such directory", src)
	case err != nil:
		return fmt.Errorf("-src %s: %w", src, err)
	case !fi.IsDir():
		return fmt.Errorf("-src %s: not a directory", src)
	}
	return nil
}

// checkURLFlags names the flag of a bad -base-url or -hub: Normalize cannot
// tell a flag from a key of the config file.
func checkURLFlags(c *common) error {
	if c.baseURL != "" {
		if err := config.CheckBaseURL(c.baseURL); err != nil {
			return fmt.Errorf("-base-url %q: %w", c.baseURL, err)
		}
	}
	for _, h := range c.hubs {
		if err := config.CheckHubURL(h); err != nil {
			return fmt.Errorf("-hub %q: %w", h, err)
		}
	}
	return nil
}

// checkAddr refuses a listen address the daemon could not listen on, before
// it reads the whole source: the listener's own error comes after the
// first scan and in Go's words ("missing port in address").
func checkAddr(flagName, addr string) error {
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s %q: want host:port, such as 127.0.0.1:8080 or :8080", flagName, addr)
	}
	return nil
}

// checkServeFlags checks serve's own flags: the addresses, and durations
// that cannot be negative (a negative -poll silently meant inotify).
func checkServeFlags(addr, metricsAddr string, durations map[string]time.Duration) error {
	if err := checkAddr("-addr", addr); err != nil {
		return err
	}
	if metricsAddr != "" {
		if err := checkAddr("-metrics-addr", metricsAddr); err != nil {
			return err
		}
		if metricsAddr == addr {
			return fmt.Errorf("-metrics-addr %s: the same as -addr; leave -metrics-addr out to serve /metrics on -addr", metricsAddr)
		}
	}
	for _, name := range []string{"-poll", "-debounce", "-max-delay", "-hold-loss"} {
		if d, ok := durations[name]; ok && d < 0 {
			return fmt.Errorf("%s %v: want 0 or a positive duration", name, d)
		}
	}
	return nil
}

// listenProblem says why serve could not bind an address, naming the flag
// that gave it: a port in use (most often by another feedgen) is the common
// case, and the remedy is another -addr.
func listenProblem(e *pipeline.ListenError) string {
	name := "-addr"
	if e.Metrics {
		name = "-metrics-addr"
	}
	switch {
	case e.InUse():
		return fmt.Sprintf("%s %s: the port is in use (another feedgen?); choose another with %s", name, e.Addr, name)
	case errors.Is(e.Err, os.ErrPermission):
		return fmt.Sprintf("%s %s: permission denied (ports below 1024 need privileges); choose another with %s", name, e.Addr, name)
	}
	return fmt.Sprintf("%s %s: cannot listen there: %s", name, e.Addr, e.Reason())
}

// baseFromAddr is the base URL a daemon listening on addr is reached at,
// when no -base-url is given: a wildcard host becomes localhost.
func baseFromAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080/"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port + "/"
}

// checkLimit refuses a negative -limit: "all" is 0, and a typo such as
// -limit -1 must not silently publish the whole archive in every feed.
// from names where the value came from: the flag, or the config file.
func checkLimit(from string, limit int) error {
	if limit < 0 {
		return fmt.Errorf("%s %d: want 0 (every item) or a positive number of items per feed", from, limit)
	}
	return nil
}

// warnWildcard warns when the daemon listens on every interface but
// advertises localhost in its feeds, because no -base-url says otherwise:
// readers on other machines would get links that point to themselves.
func warnWildcard(log *slog.Logger, addr, baseURL string) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		log.Warn("listening on every interface (-addr " + addr + ") but no -base-url given: feeds will advertise " +
			baseURL + ", which readers on other machines cannot reach; set -base-url to the address they use")
	}
}

// versionText describes this binary from what the Go toolchain recorded in
// it: the module version (a tag when installed with go install
// module@version, "(devel)" in a checkout), the VCS revision and its time
// (when built from a checkout with VCS stamping on, the default for go
// build), and the Go version.
func versionText() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "feedgen (no build information)\n"
	}
	var b strings.Builder
	ver := bi.Main.Version
	if ver == "" {
		ver = "(devel)"
	}
	fmt.Fprintf(&b, "feedgen %s\n", ver)
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	rev, when := settings["vcs.revision"], settings["vcs.time"]
	if rev == "" {
		rev = "unknown (built without VCS information, e.g. by go run or -buildvcs=false)"
	} else if settings["vcs.modified"] == "true" {
		rev += " (with uncommitted changes)"
	}
	if when == "" {
		when = "unknown"
	}
	fmt.Fprintf(&b, "revision %s\ncommitted %s\nbuilt with %s\n", rev, when, bi.GoVersion)
	return b.String()
}
