package websub

import (
	"strings"
	"testing"
)

func TestTopicURLRoundTrip(t *testing.T) {
	t.Parallel()
	base := "https://feeds.example.com/news/"
	for _, p := range []string{"/rss.xml", "/tag/财经新闻/atom.xml", "/category/a b/feed.json", "/tag/100%/rss.xml"} {
		u := TopicURL(base, p)
		if strings.ContainsAny(strings.TrimPrefix(u, base), " 财%") && !strings.Contains(u, "%25") && !strings.Contains(u, "%E8") && !strings.Contains(u, "%20") {
			t.Errorf("%s: %s not encoded", p, u)
		}
		back, ok := TopicPath(base, u)
		if !ok || back != p {
			t.Errorf("%s -> %s -> %q %v", p, u, back, ok)
		}
	}
	for _, u := range []string{"https://other.example/rss.xml", base, base + "rss.xml?x=1", base + "rss.xml#f", base + "%zz"} {
		if p, ok := TopicPath(base, u); ok {
			t.Errorf("%s: taken as ours (%s)", u, p)
		}
	}
}

func TestLinkHeader(t *testing.T) {
	t.Parallel()
	got := LinkHeader([]string{"https://h1/", "https://h2/"}, "https://f/rss.xml")
	want := []string{`<https://h1/>; rel="hub"`, `<https://h2/>; rel="hub"`, `<https://f/rss.xml>; rel="self"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q", got)
	}
	if len(got) != cap(got) {
		t.Fatal("len != cap: a middleware's append would write into the shared slice")
	}
}
