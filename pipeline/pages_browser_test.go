package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"feedgen/layout"
)

// pageReport is what the page script collects from one feed's page.
type pageReport struct {
	Title    string   `json:"title"`
	IDs      []string `json:"ids"`
	Hrefs    []string `json:"hrefs"`
	Imgs     []string `json:"imgs"`
	Broken   []string `json:"broken"` // images that did not load (naturalWidth 0)
	Lang     string   `json:"lang"`
	Text     string   `json:"text"`     // what a person reads
	Overflow float64  `json:"overflow"` // px the page is wider than the window
	MaxWidth string   `json:"maxWidth"` // of body: the inline sheet applied
}

// pageScript loads every image first (thumbnails are lazy: below the fold
// they would not load at all), then reports.
const pageScript = `(async () => {
	const imgs = [...document.querySelectorAll('img')];
	for (const i of imgs) i.loading = 'eager';
	await Promise.all(imgs.map(i => i.decode().catch(() => {})));
	return {
		title: document.title,
		ids: [...document.querySelectorAll('li.item')].map(li => li.dataset.id),
		hrefs: [...document.querySelectorAll('a[href], link[href]')].map(a => a.href),
		imgs: imgs.map(i => i.src),
		broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
		lang: document.documentElement.lang,
		text: document.body.innerText,
		overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
		maxWidth: getComputedStyle(document.body).maxWidth,
	};
})()`

// screenshotDir is where the page screenshots go: $FEEDGEN_SCREENSHOTS,
// else a temporary directory of the test.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("FEEDGEN_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// checkPagesInChromium opens every feed's page at a phone's width (375 px)
// and checks what a person sees: no console error (a blocked style sheet,
// a script, a broken link of the site), no sideways scrolling, every item
// of the feed, in order; then it fetches every link of the site that the
// pages hold, and saves screenshots at 375 and 1280 px.
func checkPagesInChromium(t *testing.T, ctx context.Context, td *testDaemon) {
	site, err := url.Parse(td.base)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	// Thumbnails are the articles' own images on their own hosts, which a
	// test machine cannot reach: their load failures are not the page's.
	external := func(u string) bool {
		p, err := url.Parse(u)
		return err == nil && p.Host != "" && p.Host != site.Host
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		var msg string
		switch ev := ev.(type) {
		case *log.EventEntryAdded:
			if ev.Entry.Level != log.EntryLevelError || ev.Entry.Source == log.EntrySourceNetwork && external(ev.Entry.URL) {
				return
			}
			msg = string(ev.Entry.Source) + ": " + ev.Entry.Text + " " + ev.Entry.URL
		case *runtime.EventConsoleAPICalled:
			if ev.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			msg = "console.error"
		case *runtime.EventExceptionThrown:
			msg = "exception: " + ev.ExceptionDetails.Text
		default:
			return
		}
		mu.Lock()
		problems = append(problems, msg)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}

	var pages []string // folder paths of the feeds' pages, "/" first
	lists := map[string]bool{}
	for _, k := range []layout.Kind{layout.KindCategory, layout.KindTag} {
		lists[strings.TrimSuffix(k.ListPath(), layout.PageFile)] = true
	}
	for _, p := range td.d.Snapshot().Paths() {
		if dir := strings.TrimSuffix(p, layout.PageFile); strings.HasSuffix(p, "/"+layout.PageFile) && !lists[dir] {
			pages = append(pages, dir)
		}
	}
	sort.Strings(pages)
	if feeds := td.d.Snapshot().Stats().Feeds; len(pages) != feeds {
		t.Fatalf("%d pages for %d feeds", len(pages), feeds)
	}
	for l := range lists {
		if td.d.Snapshot().Get(l+layout.PageFile) == nil {
			t.Errorf("no listing page %s", l)
		}
	}
	shots := map[string]string{"/": "index", "/category/caijing/": "category", "/tag/财经新闻/": "tag", "/category/": "categories"}
	dir := screenshotDir(t)
	hrefs := map[string]string{} // link -> a page that holds it

	step, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.EmulateViewport(375, 800)); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(slices.Sorted(maps.Keys(lists)), pages...) {
		mu.Lock()
		problems = problems[:0]
		mu.Unlock()
		if err := chromedp.Do(step, chromedp.Navigate(td.urlOf(p))); err != nil {
			t.Fatalf("navigate to %s: %v", p, err)
		}
		rep, err := chromedp.Run(step, chromedp.Evaluate[pageReport](pageScript, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: evaluate: %v", p, err)
		}
		if p == "/" && len(rep.Imgs) == 0 {
			t.Error("the index shows no thumbnail: the sample's images are not referenced")
		}
		if len(rep.Broken) > 0 {
			t.Errorf("%s: images that did not load: %q", p, rep.Broken)
		}
		// The sample site is zh-CN: the interface speaks Chinese.
		if rep.Lang != "zh-CN" || !strings.Contains(rep.Text, "分类") || !strings.Contains(rep.Text, "标签") {
			t.Errorf("%s: lang %q, and the interface is not in Chinese:\n%.300s", p, rep.Lang, rep.Text)
		}
		if rep.MaxWidth != "1152px" {
			t.Errorf("%s: body max-width %q: the page's style sheet was not applied", p, rep.MaxWidth)
		}
		if rep.Overflow > 0 {
			t.Errorf("%s: %vpx wider than a 375px screen", p, rep.Overflow)
		}
		if strings.TrimSpace(rep.Title) == "" {
			t.Errorf("%s: no title", p)
		}
		for _, h := range rep.Hrefs {
			hrefs[h] = p
		}
		if lists[p] {
			// A listing page links every feed page of its kind.
			for _, fp := range pages {
				if strings.HasPrefix(fp, p) && !slices.Contains(rep.Hrefs, td.urlOf(fp)) {
					t.Errorf("%s does not link %s", p, fp)
				}
			}
			if name := shots[p]; name != "" {
				shot(t, step, dir, name+"-375.png")
			}
			continue
		}
		// Every item of the feed is on its page, in the feed's order.
		var feed struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(td.get(t, p+"feed.json"), &feed); err != nil {
			t.Fatalf("%sfeed.json: %v", p, err)
		}
		var want []string
		for _, it := range feed.Items {
			want = append(want, it.ID)
		}
		if strings.Join(rep.IDs, "\n") != strings.Join(want, "\n") || len(want) == 0 {
			t.Errorf("%s shows items %q; its feed holds %q", p, rep.IDs, want)
		}
		for _, w := range []string{"订阅", "最新文章", fmt.Sprintf("%d 篇", len(want))} {
			if !strings.Contains(rep.Text, w) {
				t.Errorf("%s does not say %q", p, w)
			}
		}
		if name := shots[p]; name != "" {
			shot(t, step, dir, name+"-375.png")
		}
		mu.Lock()
		if len(problems) > 0 {
			t.Errorf("%s: console errors: %q", p, problems)
		}
		mu.Unlock()
	}

	// Every link resolves: the site's own from the server, the articles'
	// (on hosts a test cannot reach) as absolute http(s) URLs.
	for h, from := range hrefs {
		u, err := url.Parse(h)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("%s links %q: not an http(s) URL", from, h)
			continue
		}
		if u.Host != site.Host {
			continue
		}
		if r := td.do(t, "GET", u.EscapedPath(), nil); r.code != 200 {
			t.Errorf("%s links %s: status %d", from, h, r.code)
		}
	}

	if err := chromedp.Do(step, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	for p, name := range shots {
		if err := chromedp.Do(step, chromedp.Navigate(td.urlOf(p))); err != nil {
			t.Fatalf("navigate to %s: %v", p, err)
		}
		shot(t, step, dir, name+"-1280.png")
	}
	t.Logf("%d pages, %d distinct links; screenshots in %s", len(pages), len(hrefs), dir)
}

// shot saves a full-page PNG screenshot of the current page.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
