package feedgen

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"feedgen/feedgen/config"
	"feedgen/internal/sitetest"
)

// configCorpus is stateCorpus with articles whose bodies depend on the
// base URL: no link of their own, relative URLs, a minted tag: id.
func configCorpus(t *testing.T, dir string, n int) {
	t.Helper()
	stateCorpus(t, dir, n)
	for i, day := range []string{"27", "26"} {
		writeFile(t, dir, "rel/"+day+".txt", "---\ntitle: 相对链接 "+day+"\ndate: 2022-03-"+day+" 09:00:00 +0800\ncategories: caijing\ntags: 标签1\n---\n"+
			"<p>见<a href=\"more/"+day+".html\">全文</a><img src=\"img/"+day+".png\"></p>\n"+strings.Repeat("<p>正文</p>\n", 50*(i+1)))
	}
}

// shownPaths is every article whose rendered item g's feeds and archive
// documents show: the bodies a change of what is rendered must read again.
func shownPaths(g *Generator) map[string]bool {
	paths := map[string]bool{}
	for _, o := range g.out.feeds {
		for _, p := range o.items {
			paths[p] = true
		}
	}
	g.arch.Shown(paths)
	return paths
}

// TestRenderConfigKeepsScan: a change of what is only rendered (the base
// URL's path, the titles, the limit with archives) keeps the scan records:
// the run says so at INFO, never WARN, opens no article file but those
// whose items its feeds and archive documents show (each once, and cleans
// each once), and publishes the bytes of a build without state. Going back
// is the same.
func TestRenderConfigKeepsScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	configCorpus(t, dir, 60)
	base := sitetest.Config(t)
	base.Limit = 8
	cases := []struct {
		name   string
		change func(*config.Config)
	}{
		{"base URL path and titles", func(c *config.Config) {
			c.BaseURL = "https://feeds.example.com/news/"
			c.Title, c.Description = "另一个标题", "另一个描述"
		}},
		{"limit with archives", func(c *config.Config) { c.Archive, c.Limit = true, 5 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			state := t.TempDir()
			first, second := base, base
			if c.name == "limit with archives" {
				first.Archive = true
			}
			c.change(&second)
			if err := second.Normalize(); err != nil {
				t.Fatal(err)
			}
			if first.ScanFingerprint() != second.ScanFingerprint() || first.RenderFingerprint() == second.RenderFingerprint() {
				t.Fatal("the change is not one of what is rendered only")
			}
			withState(t, dir, state, first, nil)
			for _, cfg := range []config.Config{second, first} {
				var logs bytes.Buffer
				g, err := New(dir, cfg, Options{Now: func() time.Time { return time.Unix(2e9, 0) }, StateDir: state, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := g.Scan(); err != nil {
					t.Fatal(err)
				}
				got := contents(g.Snapshot().Snapshot)
				need := len(shownPaths(g))
				opened, cleaned := g.rd.Opened(), g.items.cleaned.Load()
				g.Close()
				want, _ := fresh(t, dir, cfg)
				sameFiles(t, c.name, got, want)
				if strings.Contains(logs.String(), "level=WARN") || strings.Count(logs.String(), "\n") != 1 ||
					!strings.Contains(logs.String(), "level=INFO") || !strings.Contains(logs.String(), "rendering the items again") {
					t.Errorf("log %q, want one INFO line saying the items are rendered again", logs.String())
				}
				if need == 0 || opened != int64(need) || cleaned != int64(need) {
					t.Errorf("opened %d files and cleaned %d, want the %d whose items are shown", opened, cleaned, need)
				}
			}
		})
	}
}

// TestServeBuildSwitchKeepsStates: serve (base URL on localhost) and build
// (the real base URL) on one source use two default state directories,
// since their tag: ids differ, so switching between them rebuilds nothing
// and says nothing: each run after the first two opens no article file.
// serve on another port shares serve's directory and renders again, at
// INFO. Every run publishes the bytes of a build without state.
func TestServeBuildSwitchKeepsStates(t *testing.T) {
	cache := t.TempDir()
	for _, v := range []string{"XDG_CACHE_HOME", "HOME", "LocalAppData"} {
		t.Setenv(v, cache)
	}
	dir := t.TempDir()
	configCorpus(t, dir, 40)
	cfgOf := func(base string) config.Config {
		c := config.Config{BaseURL: base, Limit: 6}
		if err := c.Normalize(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	serve, build, other := cfgOf("http://localhost:8080/"), cfgOf("https://feeds.example.com/"), cfgOf("http://localhost:9090/")
	stateOf := func(c config.Config) string {
		d, err := DefaultStateDir(dir, &c)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d, cache) {
			t.Fatalf("default state %s is not in the cache directory %s", d, cache)
		}
		return d
	}
	if stateOf(serve) == stateOf(build) {
		t.Fatal("serve and build share a default state directory")
	}
	if stateOf(serve) != stateOf(other) {
		t.Fatal("serve on another port of the same host has a state directory of its own")
	}
	for i, run := range []struct {
		name string
		cfg  config.Config
		info bool
	}{
		{"serve", serve, false}, {"build", build, false}, {"serve again", serve, false},
		{"build again", build, false}, {"serve on another port", other, true},
	} {
		var logs bytes.Buffer
		got, _, opened := withState(t, dir, stateOf(run.cfg), run.cfg, slog.New(slog.NewTextHandler(&logs, nil)))
		want, _ := fresh(t, dir, run.cfg)
		sameFiles(t, run.name, got, want)
		if strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("%s: %q", run.name, logs.String())
		}
		if run.info != strings.Contains(logs.String(), "rendering the items again") {
			t.Errorf("%s: log %q", run.name, logs.String())
		}
		if i >= 2 && !run.info && opened != 0 {
			t.Errorf("%s: opened %d article files, want 0", run.name, opened)
		}
	}
}
