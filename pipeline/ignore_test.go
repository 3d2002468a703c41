package pipeline

import (
	"testing"

	"feedgen/source"
	"feedgen/watch"
)

// TestWatcherIgnoresNoArticle holds the watcher's ignore rule and the
// generator's article rule together: a path the watcher ignores must never
// be one the generator reads, or the daemon would miss a change that a
// build sees.
func TestWatcherIgnoresNoArticle(t *testing.T) {
	for _, rel := range []string{
		"a.txt", "a.md", "sub/a.html", "a b.markdown", "中文/文章.htm",
		".hidden.txt", ".git/a.txt", "a.txt.swp", "a.txt~", "#a.txt#", ".#a.txt", "4913",
		"x.tmp/a.txt", "a.part", "dl.crdownload", "a.swo", "a.swx", "sub/.cache/a.md",
	} {
		if watch.DefaultIgnore(rel) && source.IsArticlePath(rel) {
			t.Errorf("%s: the watcher ignores it but the generator reads it as an article", rel)
		}
	}
}
