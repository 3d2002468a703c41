package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/internal/feedcheck"
)

// firstCommand is the README's command for a newcomer: with no flag at
// all, it serves the bundled sample articles (-src seeds) with their own
// configuration (seeds/feedgen.yaml, read because it is in the source).
const firstCommand = "go run ./cmd/feedgen serve"

// TestSeedsConfig builds the bundled articles the way the README runs them,
// with no -config, and checks what a newcomer sees first: a site titled
// with the configured name, not an address, and every category under its
// configured title.
func TestSeedsConfig(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for line := range strings.Lines(string(readme)) {
		found = found || strings.TrimSpace(line) == firstCommand
	}
	if !found {
		t.Errorf("the README does not give %q, alone on its line, as the command to run", firstCommand)
	}
	out := t.TempDir()
	code, _, errs := runCmd("build", "-src", "../../seeds", "-out", out, "-state", "")
	if code != 0 {
		t.Fatalf("build: exit %d\n%s", code, errs)
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if err := feedcheck.CheckHTML(index); err != nil {
		t.Error(err)
	}
	if !strings.Contains(string(index), "<title>示例财经快讯</title>") {
		t.Errorf("index.html is not titled with the configured site title:\n%.600s", index)
	}
	for slug, title := range map[string]string{"caijing": "财经新闻", "keji": "科技新闻", "nongye": "农业新闻", "gangkou": "港口航运", "english": "English news"} {
		page, err := os.ReadFile(filepath.Join(out, "category", slug, "index.html"))
		if err != nil {
			t.Error(err)
			continue
		}
		if !strings.Contains(string(page), "<h1>"+title+"</h1>") {
			t.Errorf("category %s: page not titled %q", slug, title)
		}
		if !strings.Contains(string(index), `href="category/`+slug+`/">`+title+"</a>") {
			t.Errorf("index does not link category %s as %q", slug, title)
		}
	}
}
