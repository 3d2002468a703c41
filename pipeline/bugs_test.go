package pipeline

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedgen/watch"
)

// TestDuplicateIDFeedComesBack: two files claim one id (the same original
// URL); the one with the smaller path is published. Only the other one has
// the tag 独家, so that tag has no feed. When the winner is deleted the
// other one is published, and a fresh build then has the tag's feed: the
// daemon must have it too.
func TestDuplicateIDFeedComesBack(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	const link = "http://news.example.com/shared"
	winner := article{Title: "先到的", Date: "2024-05-01 08:00:00 +0800", Categories: []string{"keji"}, Link: link}
	loser := article{Title: "后到的", Date: "2024-05-02 08:00:00 +0800", Categories: []string{"keji"}, Tags: []string{"独家"}, Link: link}
	if err := os.WriteFile(filepath.Join(src, "a.txt"), []byte(winner.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "b.txt"), []byte(loser.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Quiet: 20 * time.Millisecond}})
	if r := td.do(t, http.MethodGet, "/tag/独家/rss.xml", nil); r.code != http.StatusNotFound {
		t.Fatalf("before: /tag/独家/rss.xml: %d, want 404 (its only article lost the id)", r.code)
	}

	if err := os.Remove(filepath.Join(src, "a.txt")); err != nil {
		t.Fatal(err)
	}
	eventually(t, settle, "the remaining claimant is published", func() (bool, string) {
		return feedHasTitle(td, loser.Title, 1, "/rss.xml", "/category/keji/rss.xml")
	})
	out := t.TempDir()
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: td.site}); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, out)
	if _, ok := want["/tag/独家/rss.xml"]; !ok {
		t.Fatal("a fresh build has no feed for the tag 独家")
	}
	eventually(t, settle, "daemon equals a fresh build", func() (bool, string) {
		d := diffTrees("build", want, "daemon", td.snapshotFiles())
		return d == "", d
	})
}

// TestSymlinkedArticleFollowsTarget: an article may be a symbolic link to
// another file inside the source directory (the generator reads it and
// only refuses links that lead outside). When the target is edited, a
// fresh build publishes the new text under both names; so must the daemon.
func TestSymlinkedArticleFollowsTarget(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	a := article{Title: "链接前的标题", Date: "2024-05-01 08:00:00 +0800", Categories: []string{"keji"}}
	if err := os.MkdirAll(filepath.Join(src, "real"), 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(src, "real", "target.md")
	if err := os.WriteFile(target, []byte(a.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join("real", "target.md"), filepath.Join(src, "link.txt")); err != nil {
		t.Skipf("symlinks not supported: %v", err)
	}
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Quiet: 20 * time.Millisecond}})
	// Both names are articles (their ids come from their base names).
	if ok, why := feedHasTitle(td, a.Title, 2, "/rss.xml"); !ok {
		t.Fatal(why)
	}

	a.Title = "链接后的标题"
	writeAtomic(t, target, []byte(a.String()))
	eventually(t, settle, "the edit is published under both names", func() (bool, string) {
		return feedHasTitle(td, a.Title, 2, "/rss.xml")
	})
	out := t.TempDir()
	if _, err := Build(BuildOptions{Src: src, Out: out, Site: td.site}); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, out)
	if n, _ := countTitle(want["/rss.xml"], a.Title); n != 2 {
		t.Fatalf("a fresh build has %d items titled %q, want 2", n, a.Title)
	}
	eventually(t, settle, "daemon equals a fresh build", func() (bool, string) {
		d := diffTrees("build", want, "daemon", td.snapshotFiles())
		return d == "", d
	})
}

// TestRescanRereadsLargeArticleBody: Rescan (SIGHUP) must publish an edit
// that the watcher did not report, also in the middle of an article large
// enough that indexing reads only its head and tail.
func TestRescanRereadsLargeArticleBody(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	body := "<p>" + strings.Repeat("很长的正文。", 1000) + "</p><p>MIDDLE-OLD</p><p>" + strings.Repeat("更多的正文。", 1000) + "</p>"
	a := article{Title: "大文章", Date: "2024-05-01 08:00:00 +0800", Categories: []string{"keji"}, Link: "http://news.example.com/big", Body: body}
	p := filepath.Join(src, "big.txt")
	if err := os.WriteFile(p, []byte(a.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	// The watcher will not look again for an hour: only Rescan sees edits.
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Poll: time.Hour}})
	if !strings.Contains(string(td.get(t, "/rss.xml")), "MIDDLE-OLD") {
		t.Fatal("/rss.xml does not have the article's body")
	}
	a.Body = strings.Replace(body, "MIDDLE-OLD", "MIDDLE-NEW", 1)
	if err := os.WriteFile(p, []byte(a.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	td.d.Rescan()
	eventually(t, settle, "the edited body is served after Rescan", func() (bool, string) {
		b := td.get(t, "/rss.xml")
		return strings.Contains(string(b), "MIDDLE-NEW"), "still the old body"
	})
}

// TestDirectoryMovedIntoMovedDirectoryIsWatched: a folder is moved, and
// right after another folder is moved into it. Files created later in the
// second folder must be published.
func TestDirectoryMovedIntoMovedDirectoryIsWatched(t *testing.T) {
	parallel(t)
	for attempt := range 10 {
		src := t.TempDir()
		for _, d := range []string{"a/sub", "c"} {
			if err := os.MkdirAll(filepath.Join(src, filepath.FromSlash(d)), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Quiet: 10 * time.Millisecond}})
		if err := os.Rename(filepath.Join(src, "a"), filepath.Join(src, "b")); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(src, "c"), filepath.Join(src, "b", "sub", "c2")); err != nil {
			t.Fatal(err)
		}
		// Wait until the daemon has taken in both moves: a marker file
		// written afterwards into the first folder gets published.
		marker := article{Title: fmt.Sprintf("标记 %d", attempt), Date: "2024-05-01"}
		writeAtomic(t, filepath.Join(src, "b", "marker.md"), []byte(marker.String()))
		eventually(t, settle, "marker published", func() (bool, string) {
			return feedHasTitle(td, marker.Title, 1, "/rss.xml")
		})
		a := article{Title: fmt.Sprintf("移入后新建 %d", attempt), Date: "2024-05-02"}
		writeAtomic(t, filepath.Join(src, "b", "sub", "c2", "new.md"), []byte(a.String()))
		eventually(t, settle, fmt.Sprintf("attempt %d: article created in the moved-in folder is published", attempt), func() (bool, string) {
			return feedHasTitle(td, a.Title, 1, "/rss.xml")
		})
		if err := td.stop(); err != nil {
			t.Fatal(err)
		}
	}
}
