package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"feedgen/feedgen/config"
	"feedgen/pipeline"
	"feedgen/websub"
)

// hubList is the repeatable -hub flag.
type hubList []string

func (l *hubList) String() string { return strings.Join(*l, ",") }

func (l *hubList) Set(v string) error {
	if v == "" {
		return errors.New("empty hub URL")
	}
	*l = append(*l, v)
	return nil
}

// websubFlags are serve's flags for the built-in hub.
type websubFlags struct {
	builtIn, allowPrivate bool
}

func (w *websubFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&w.builtIn, "websub", false, "run a WebSub hub for these feeds at /websub and advertise it (subscriptions kept in the state directory)")
	fs.BoolVar(&w.allowPrivate, "websub-allow-private", false, "let the built-in hub call back loopback and private addresses (tests, intranets)")
}

// options returns the daemon's WebSub options and adds the built-in hub to
// the advertised hubs of cfg (normalised already).
func (w *websubFlags) options(cfg *config.Config) (pipeline.WebSubOptions, error) {
	if w.allowPrivate && !w.builtIn {
		return pipeline.WebSubOptions{}, fmt.Errorf("-websub-allow-private needs -websub")
	}
	if !w.builtIn {
		return pipeline.WebSubOptions{}, nil
	}
	cfg.Hubs = append(cfg.Hubs, cfg.BaseURL+strings.TrimPrefix(websub.Path, "/"))
	if err := cfg.Normalize(); err != nil { // drops a repeat of our own hub
		return pipeline.WebSubOptions{}, err
	}
	return pipeline.WebSubOptions{BuiltIn: true, Hub: websub.HubOptions{AllowPrivate: w.allowPrivate}}, nil
}

// warnBase warns when the built-in hub runs with a base URL made from
// -addr: the hub URL and every topic a subscriber is told name this
// machine's listen address (often localhost), which a subscriber elsewhere
// cannot reach, and a subscription to such a topic would be of no use once
// the feeds are served under their public URL.
func (w *websubFlags) warnBase(log *slog.Logger, baseURL string, derived bool) {
	if !w.builtIn || !derived {
		return
	}
	log.Warn("-websub without -base-url: the hub (" + baseURL + "websub) and every topic it is told of start with " +
		baseURL + ", which subscribers on other machines cannot reach; set -base-url to the feeds' public URL")
}
