package pipeline

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"feedgen/watch"
)

// findChromium returns the path of a Chromium or Chrome binary, or "".
func findChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// indexReport is what the page script collects.
type indexReport struct {
	Title      string `json:"title"`
	Alternates []struct {
		Type string `json:"type"`
		Href string `json:"href"`
	} `json:"alternates"`
	Anchors []string `json:"anchors"`
}

// startChromium starts a headless Chromium for t, or skips t when there is
// none (fails it under FEEDGEN_REQUIRE_BROWSER=1). The browser lives until
// t ends.
func startChromium(t *testing.T) (context.Context, string) {
	t.Helper()
	bin := findChromium()
	if bin == "" {
		if os.Getenv("FEEDGEN_REQUIRE_BROWSER") == "1" {
			t.Fatal("no chromium binary found and FEEDGEN_REQUIRE_BROWSER=1")
		}
		t.Skip("no chromium binary found (set FEEDGEN_REQUIRE_BROWSER=1 to make this a failure)")
	}
	profile := t.TempDir() // registered before the browser, so removed after it exits
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true), // a phone's width is the page's, as on a phone
		chromedp.UserDataDir(profile),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	// The first Run starts the browser; it must not carry a timeout, which
	// would end the browser with it, so the deadline goes on each step and
	// a watchdog bounds the start.
	watchdog := time.AfterFunc(60*time.Second, cancelAlloc)
	err := chromedp.Do(ctx)
	if !watchdog.Stop() {
		t.Fatalf("starting %s: no browser after 60s (%v)", bin, err)
	}
	if err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	return ctx, bin
}

// TestIndexInChromium loads the index page in a real browser and checks
// what a person or a feed reader's autodiscovery would see there: every
// feed linked, in every format, at URLs that resolve and answer; then it
// walks every feed's page (checkPagesInChromium).
func TestIndexInChromium(t *testing.T) {
	parallel(t)
	// The seeds, and one article made to break a narrow layout: a very
	// long title, a long unbroken token and a long tag.
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	long := "---\ntitle: \"" + strings.Repeat("超长标题测试", 20) + " " + strings.Repeat("Unbroken", 12) + "\"\n" +
		"date: 2024-06-28 08:00:00 +0800\ncategories: caijing\ntags: " + strings.Repeat("很长的标签", 8) + "\n---\n" +
		"<p>" + strings.Repeat("长段落", 80) + " https://news.example.com/" + strings.Repeat("x", 120) + "</p>\n\n<http://news.example.com/long>\n"
	if err := os.WriteFile(filepath.Join(src, "999_long.txt"), []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Poll: time.Hour}})
	ctx, bin := startChromium(t)
	step, cancelStep := context.WithTimeout(ctx, 60*time.Second)
	defer cancelStep()

	if err := chromedp.Do(step, chromedp.Navigate(td.base)); err != nil {
		t.Fatalf("navigate to %s: %v", td.base, err)
	}
	rep, err := chromedp.Run(step, chromedp.Evaluate[indexReport](`({
		title: document.title,
		alternates: [...document.querySelectorAll('link[rel=alternate]')].map(l => ({type: l.type, href: l.href})),
		anchors: [...document.querySelectorAll('a')].map(a => a.href),
	})`))
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}

	if strings.TrimSpace(rep.Title) == "" {
		t.Error("the page has no title")
	}
	types := map[string]string{"rss.xml": "application/rss+xml", "atom.xml": "application/atom+xml", "feed.json": "application/feed+json"}
	var feedPaths []string
	wantURLs := map[string]bool{}
	for _, p := range td.d.Snapshot().Paths() {
		name := p[strings.LastIndexByte(p, '/')+1:]
		if _, ok := types[name]; ok {
			feedPaths = append(feedPaths, p)
			wantURLs[td.urlOf(p)] = true
		}
	}
	feeds := td.d.Snapshot().Stats().Feeds
	if len(feedPaths) != 3*feeds {
		t.Fatalf("snapshot has %d feed files for %d feeds", len(feedPaths), feeds)
	}

	// Autodiscovery: one link per feed and format, with the right type.
	if len(rep.Alternates) != 3*feeds {
		t.Errorf("%d link[rel=alternate], want %d (3 × %d feeds)", len(rep.Alternates), 3*feeds, feeds)
	}
	seenAlt := map[string]bool{}
	for _, l := range rep.Alternates {
		name := l.Href[strings.LastIndexByte(l.Href, '/')+1:]
		if want, ok := types[name]; !ok || l.Type != want {
			t.Errorf("alternate %s has type %q, want %q", l.Href, l.Type, types[name])
		}
		if !wantURLs[l.Href] {
			t.Errorf("alternate %s is not the URL of a feed", l.Href)
		}
		if seenAlt[l.Href] {
			t.Errorf("alternate %s listed twice", l.Href)
		}
		seenAlt[l.Href] = true
	}

	// Every feed is linked by an anchor, at its percent-encoded URL.
	anchors := map[string]bool{}
	for _, h := range rep.Anchors {
		anchors[h] = true
	}
	var missing []string
	for u := range wantURLs {
		if !anchors[u] {
			missing = append(missing, u)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no <a> links to %d feed(s): %q", len(missing), missing)
	}
	if !anchors[td.base+"feeds.opml"] {
		t.Errorf("no <a> links to %sfeeds.opml", td.base)
	}

	// Every feed URL answers. Fetched from the test, not the page: the
	// page's policy (default-src 'none') forbids the page any fetch.
	for u := range wantURLs {
		if r := td.do(t, "GET", strings.TrimPrefix(u, strings.TrimSuffix(td.base, "/")), nil); r.code != 200 {
			t.Errorf("GET %s: status %d, want 200", u, r.code)
		}
	}
	t.Logf("chromium %s: %d feeds, %d alternates, %d anchors", bin, feeds, len(rep.Alternates), len(rep.Anchors))
	checkPagesInChromium(t, ctx, td)
}
