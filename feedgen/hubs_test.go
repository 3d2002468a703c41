package feedgen

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"

	"feedgen/feedgen/config"
	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
)

// TestHubDiscovery: with hubs configured every feed names them as WebSub
// section 4 asks, in the order given, and still passes the spec checks and
// gofeed; without hubs the bytes are those of a configuration that never
// heard of hubs.
func TestHubDiscovery(t *testing.T) {
	t.Parallel()
	hubs := []string{"https://hub.example.net/", "https://feeds.example.com/websub"}
	cfg := sitetest.Config(t)
	cfg.Hubs = append([]string(nil), hubs...)
	cfg.Hubs = append(cfg.Hubs, hubs[0]) // a repeat is dropped
	if err := cfg.Normalize(); err != nil {
		t.Fatal(err)
	}
	_, s := generate(t, filepath.Join("..", "seeds"), cfg)
	_, plain := generate(t, filepath.Join("..", "seeds"), sitetest.Config(t))
	feeds := 0
	for _, p := range s.Paths() {
		body := s.Get(p).Body
		if err := feedcheck.Check(p, body); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		var got []string
		switch {
		case strings.HasSuffix(p, ".xml"):
			var doc struct {
				Links []struct {
					Href string `xml:"href,attr"`
					Rel  string `xml:"rel,attr"`
				} `xml:"channel>link"`
				AtomLinks []struct {
					Href string `xml:"href,attr"`
					Rel  string `xml:"rel,attr"`
				} `xml:"link"`
			}
			if err := xml.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, l := range append(doc.Links, doc.AtomLinks...) {
				if l.Rel == "hub" {
					got = append(got, l.Href)
				}
			}
		case strings.HasSuffix(p, ".json"):
			var doc struct {
				Hubs []struct{ Type, URL string }
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, h := range doc.Hubs {
				if h.Type != "WebSub" {
					t.Errorf("%s: hub type %q", p, h.Type)
				}
				got = append(got, h.URL)
			}
		default:
			if string(body) != string(plain.Get(p).Body) {
				t.Errorf("%s: hubs changed a file that is not a feed", p)
			}
			continue
		}
		feeds++
		if strings.Join(got, " ") != strings.Join(hubs, " ") {
			t.Errorf("%s: hubs %q, want %q", p, got, hubs)
		}
		if _, err := gofeed.NewParser().ParseString(string(body)); err != nil {
			t.Errorf("%s: gofeed: %v", p, err)
		}
		if strings.Contains(string(plain.Get(p).Body), "hub") {
			t.Errorf("%s: a feed without hubs mentions one", p)
		}
	}
	if feeds < 6 {
		t.Fatalf("only %d feeds checked", feeds)
	}
}

// TestHubsChangeRerenders: a state made without hubs must not let a build
// with hubs keep the old files (the feed signature includes the hubs).
func TestHubsChangeRerenders(t *testing.T) {
	t.Parallel()
	src, state := filepath.Join("..", "seeds"), t.TempDir()
	for _, hubs := range [][]string{nil, {"https://hub.example.net/"}, nil} {
		cfg := sitetest.Config(t)
		cfg.Hubs = hubs
		g, err := New(src, cfg, Options{StateDir: state})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.Scan(); err != nil {
			t.Fatal(err)
		}
		s := g.Snapshot().Snapshot
		has := strings.Contains(string(s.Get("/rss.xml").Body), `rel="hub"`)
		if has != (len(hubs) > 0) {
			t.Errorf("hubs %v: feed names a hub: %v", hubs, has)
		}
		g.Close()
	}
}

func TestHubValidation(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"ftp://hub.example.net/", "/websub", "https://", "https://h.example/#x"} {
		cfg := config.Config{BaseURL: "https://feeds.example.com/", Hubs: []string{h}}
		if err := cfg.Normalize(); err == nil || !strings.Contains(err.Error(), "hub") {
			t.Errorf("hub %q: error %v, want one naming the hub", h, err)
		}
	}
}
