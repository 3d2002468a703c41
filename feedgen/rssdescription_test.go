package feedgen

import (
	"encoding/json"
	"encoding/xml"
	"html"
	"strings"
	"testing"

	"feedgen/internal/feedcheck"
	"feedgen/internal/sitetest"
)

// TestRSSDescriptionEscapesSummary: the RSS description is HTML, so the
// plain-text summary is escaped for HTML before XML escapes it again. The
// W3C feed validator warned "Invalid HTML" on the bundled seeds' "R&D"
// before; a summary with "<b>" must reach readers as text, not markup.
func TestRSSDescriptionEscapesSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "a.html", "---\ntitle: R&D\ndate: 2024-05-01 10:00:00 +0000\n---\n"+
		"<p>R&amp;D spending stays &lt;2% &amp; &lt;b&gt;not bold&lt;/b&gt; &amp;amp; more</p>\n")
	g, s := generate(t, dir, sitetest.Config(t))
	if ps := g.Problems(); len(ps) > 0 {
		t.Fatal(ps)
	}
	body := s.Get("/rss.xml").Body
	if err := feedcheck.Check("rss.xml", body); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Items []struct {
			Description string `xml:"description"`
		} `xml:"channel>item"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 1 {
		t.Fatalf("got %d items, want 1", len(doc.Items))
	}
	// The JSON Feed summary is the same summary as plain text.
	var jf struct {
		Items []struct {
			Summary string `json:"summary"`
		} `json:"items"`
	}
	if err := json.Unmarshal(s.Get("/feed.json").Body, &jf); err != nil || len(jf.Items) != 1 {
		t.Fatalf("feed.json: %v, %d items", err, len(jf.Items))
	}
	summary := jf.Items[0].Summary
	if !strings.Contains(summary, "R&D") || !strings.Contains(summary, "<2%") {
		t.Fatalf("test bug: summary %q lost the characters under test", summary)
	}
	d := doc.Items[0].Description
	if got := html.UnescapeString(d); got != summary {
		t.Errorf("description as HTML text = %q, want the summary %q", got, summary)
	}
	if !strings.Contains(d, "R&amp;D") || !strings.Contains(d, "&lt;2%") {
		t.Errorf("description %q is not escaped for HTML", d)
	}
}
