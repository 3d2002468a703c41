package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/websub"
)

// WebSubOptions configure real-time push (package websub): pinging the
// configured hubs after each regeneration, and the built-in hub.
type WebSubOptions struct {
	// BuiltIn runs the hub at websub.Path. Its URL (the base URL plus
	// "websub") must be among Site.Hubs to be advertised; the command adds
	// it.
	BuiltIn bool
	// Hub holds the built-in hub's limits and timeouts; the daemon fills
	// in the hubs, the topic check, the subscriptions file and the logger.
	Hub websub.HubOptions
	// Publish holds the pinger's timeouts and retries; the daemon fills in
	// the hubs (Site.Hubs without the built-in one) and the logger.
	Publish websub.PublisherOptions
}

// websubFile is the built-in hub's subscriptions file in the state
// directory: its own file, so that a reset of the article index never
// drops them.
const websubFile = "websub.db"

// ownHub is the URL of the built-in hub of a site.
func ownHub(base string) string { return base + strings.TrimPrefix(websub.Path, "/") }

// feedLinks returns the serve.Options.Links function for the site's hubs,
// or nil without hubs (then responses are exactly as without WebSub).
func feedLinks(base string, hubs []string) func(*snapshot.File) []string {
	if len(hubs) == 0 {
		return nil
	}
	return func(f *snapshot.File) []string {
		if !layout.IsFeed(f.Path) {
			return nil // a page, the OPML list or an archive document is not subscribed to
		}
		return websub.LinkHeader(hubs, websub.TopicURL(base, f.Path))
	}
}

// startWebSub starts the pinger and the built-in hub the options ask for.
func (d *Daemon) startWebSub() error {
	o, site := d.opts.WebSub, d.opts.Site
	own := ownHub(site.BaseURL)
	var others []string
	for _, h := range site.Hubs {
		if !(o.BuiltIn && h == own) {
			others = append(others, h)
		}
	}
	if len(others) > 0 {
		po := o.Publish
		po.Hubs, po.Logger = others, d.log
		if m := d.opts.Metrics; m != nil && po.OnPing == nil {
			po.OnPing = m.WebSubPing // feedgen_websub_pings_total
		}
		d.pinger = websub.NewPublisher(po)
	}
	if !o.BuiltIn {
		return nil
	}
	ho := o.Hub
	ho.Hubs, ho.Logger = site.Hubs, d.log
	if m := d.opts.Metrics; m != nil && ho.OnDelivery == nil {
		ho.OnDelivery = m.WebSubDelivery // feedgen_websub_deliveries_total
	}
	ho.IsTopic = isTopic(site.BaseURL, d.handler.Snapshot)
	if d.opts.State != "" {
		ho.StorePath = filepath.Join(d.opts.State, websubFile)
	}
	h, err := websub.NewHub(ho)
	if err != nil {
		return fmt.Errorf("websub hub: %w", err)
	}
	d.hub = h
	return nil
}

// isTopic says which topics the built-in hub accepts: the URLs of the
// feeds served now. Pages, the OPML list and archive documents are not
// topics: no delivery would ever follow (announce skips them). A topic must
// be spelled as the feeds advertise it (rel="self", TopicURL): deliveries
// look subscriptions up under that spelling, so another one ("%e6", raw
// UTF-8) would be verified and then never hear anything; it is denied.
func isTopic(base string, snap func() *snapshot.Snapshot) func(topic string) bool {
	return func(topic string) bool {
		p, ok := websub.TopicPath(base, topic)
		return ok && layout.IsFeed(p) && websub.TopicURL(base, p) == topic && snap().Get(p) != nil
	}
}

// httpHandler is what the server answers with: the feeds, and the hub at
// its path when there is one.
func (d *Daemon) httpHandler() http.Handler {
	if d.hub == nil {
		return d.handler
	}
	mux := http.NewServeMux()
	mux.Handle(websub.Path, d.hub)
	mux.Handle("/", d.handler)
	return mux
}

// announce tells the hubs which feeds changed from old to now: the topics
// whose bytes differ (ETags), added or removed. Nothing is announced for the
// first snapshot, whose predecessor is unknown. It never blocks: pings and
// deliveries are queued.
func (d *Daemon) announce(old, now *snapshot.Snapshot) {
	if old == nil || (d.pinger == nil && d.hub == nil) {
		return
	}
	base := d.opts.Site.BaseURL
	var topics []string
	var contents []websub.Content
	for _, p := range now.Paths() {
		f := now.Get(p)
		if !layout.IsFeed(p) {
			continue
		}
		if o := old.Get(p); o != nil && o.ETag == f.ETag {
			continue
		}
		t := websub.TopicURL(base, p)
		topics = append(topics, t)
		if d.hub != nil {
			body, err := f.Identity()
			if err != nil {
				d.log.Error("websub: cannot read a changed feed", "path", p, "err", err)
				continue
			}
			contents = append(contents, websub.Content{Topic: t, ContentType: f.ContentType, Body: body})
		}
	}
	for _, p := range old.Paths() {
		if layout.IsFeed(p) && now.Get(p) == nil {
			topics = append(topics, websub.TopicURL(base, p))
		}
	}
	if d.pub == nil { // with buckets, once the objects are there (publishd.go)
		d.pinger.Publish(topics)
	}
	if d.hub != nil {
		d.hub.Publish(contents)
	}
}

// stopWebSub stops the pinger and the hub (pings and deliveries not yet
// made are dropped; subscribers still poll).
func (d *Daemon) stopWebSub() {
	d.pinger.Close()
	if d.hub != nil {
		if err := d.hub.Close(); err != nil {
			d.log.Warn("websub: closing the subscriptions file", "err", err)
		}
	}
}

// Hub is the built-in WebSub hub, or nil (for tests).
func (d *Daemon) Hub() *websub.Hub { return d.hub }

// pingBuild sends, for build -ping, one publish ping per hub for every feed
// the build wrote or removed, and waits for them (at most timeout).
func pingBuild(opts BuildOptions, paths []string) error {
	var topics []string
	seen := map[string]bool{} // a feed both written and published is told once
	for _, p := range paths {
		if layout.IsFeed(p) && !seen[p] {
			seen[p] = true
			topics = append(topics, websub.TopicURL(opts.Site.BaseURL, p))
		}
	}
	if len(topics) == 0 || len(opts.Site.Hubs) == 0 {
		return nil
	}
	po := opts.PingOpts
	po.Hubs, po.Logger = opts.Site.Hubs, opts.Logger
	p := websub.NewPublisher(po)
	defer p.Close()
	p.Publish(topics)
	timeout := opts.PingTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	failed, err := p.Flush(ctx)
	if err != nil {
		return fmt.Errorf("hub pings: not done within %s (%d topic(s) not acknowledged)", timeout, failed)
	}
	if failed > 0 {
		return fmt.Errorf("hub pings: %d topic(s) not acknowledged by a hub (see the log)", failed)
	}
	return nil
}
