package render

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"feedgen/feedgen/article"
)

// testOpts parse articles as a site at sitetest.Config's base URL would.
var testOpts = article.ParseOptions{TagAuthority: "feeds.example.com", DefaultBase: "https://feeds.example.com/"}

// seedArticles parses the bundled sample articles, newest first.
func seedArticles(t testing.TB) []*article.Article {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "seeds", "*.txt"))
	if err != nil || len(paths) < 10 {
		t.Fatalf("only %d sample articles (%v)", len(paths), err)
	}
	var all []*article.Article
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		a, err := article.Parse(filepath.Base(p), data, testOpts)
		if errors.Is(err, article.ErrNotPublished) {
			continue // the sample holds a draft, to show that it is skipped
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		all = append(all, a)
	}
	slices.SortFunc(all, func(a, b *article.Article) int { return b.Published.Compare(a.Published) })
	return all
}

// firstDiff shows where two documents first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	start := max(0, strings.LastIndexByte(a[:i], '\n'))
	end := func(s string) string { return s[start:min(len(s), i+80)] }
	return "got:  " + end(a) + "\nwant: " + end(b)
}
