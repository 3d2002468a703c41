package pipeline

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedgen/watch"
)

// settle bounds how long these tests wait for a change to reach the feeds.
// The waits poll and return as soon as the change is there (tens of
// milliseconds); the bound is for -race on two cores shared with other
// tests, where a regeneration can take seconds.
const settle = 15 * time.Second

// checkOutMatchesServed waits until the output directory holds exactly the
// bytes served for every path of the snapshot, and no other feed file: the
// disk writer runs just after the handler swaps, so the two converge.
func checkOutMatchesServed(t *testing.T, td *testDaemon, step string) {
	t.Helper()
	eventually(t, settle, step+": output directory equals served files", func() (bool, string) {
		served, err := td.served()
		if err != nil {
			return false, err.Error()
		}
		disk, err := tryReadTree(td.out)
		if err != nil {
			return false, err.Error()
		}
		if d := diffTrees("served", served, "disk", disk); d != "" {
			return false, d
		}
		return true, ""
	})
}

// feedHasTitle reports whether each of the paths serves an RSS document
// with exactly want items titled title.
func feedHasTitle(td *testDaemon, title string, want int, paths ...string) (bool, string) {
	for _, p := range paths {
		r, err := td.try(http.MethodGet, p, nil)
		if err != nil {
			return false, err.Error()
		}
		if r.code != http.StatusOK {
			return false, fmt.Sprintf("GET %s: %d", p, r.code)
		}
		n, err := countTitle(r.body, title)
		if err != nil {
			return false, fmt.Sprintf("%s: %v", p, err)
		}
		if n != want {
			return false, fmt.Sprintf("%s: %d items titled %q, want %d", p, n, title, want)
		}
	}
	return true, ""
}

// allFeedsOK checks that every file of the snapshot answers 200.
func allFeedsOK(t *testing.T, td *testDaemon) {
	t.Helper()
	for _, p := range td.d.Snapshot().Paths() {
		if r := td.do(t, http.MethodGet, p, nil); r.code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", p, r.code)
		}
	}
}

func TestDaemonEndToEnd(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	out := t.TempDir()

	var gl *gateListener
	td := startDaemon(t, daemonConfig{
		src:   src,
		out:   out,
		watch: watch.Options{Quiet: 20 * time.Millisecond},
		wrapListener: func(ln net.Listener) net.Listener {
			gl = newGateListener(ln)
			return gl
		},
	})
	if h := td.health(t); h.Invalid != 0 || h.Status != "ok" {
		t.Fatalf("seeds: /healthz %+v, want status ok and no invalid article", h)
	}
	checkOutMatchesServed(t, td, "start")

	const (
		slug     = "e2etest"
		catFeed  = "/category/" + slug + "/rss.xml"
		title1   = "端到端测试 新文章 alpha"
		title2   = "端到端测试 改名 beta"
		title3   = "端到端测试 挪窝 gamma"
		link     = "http://e2e.example.com/news/1"
		fileName = "201_e2e.txt"
	)
	art := article{
		Title:      title1,
		Date:       "2024-07-01 10:00:00 +0800",
		Categories: []string{slug},
		Tags:       []string{"财经新闻", "端到端"},
		Link:       link,
		NavName:    "端到端",
	}
	path := filepath.Join(src, fileName)

	// Add an article the way an editor saves a new file.
	writeAtomic(t, path, []byte(art.String()))
	eventually(t, settle, "new article in /rss.xml and its category feed", func() (bool, string) {
		return feedHasTitle(td, title1, 1, "/rss.xml", catFeed, "/tag/端到端/rss.xml")
	})
	checkOutMatchesServed(t, td, "add")

	// Edit its title.
	art.Title = title2
	writeAtomic(t, path, []byte(art.String()))
	eventually(t, settle, "edited title replaces the old one", func() (bool, string) {
		if ok, why := feedHasTitle(td, title2, 1, "/rss.xml", catFeed); !ok {
			return false, why
		}
		return feedHasTitle(td, title1, 0, "/rss.xml", catFeed)
	})
	checkOutMatchesServed(t, td, "edit")

	// Move it to another name in a new sub-directory. Its id is its
	// original URL, so the feeds must show it once, with the same guid.
	sub := filepath.Join(src, "2024", "七月")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(sub, "renamed.md")
	if err := os.Rename(path, moved); err != nil {
		t.Fatal(err)
	}
	// The feed bytes do not change with the file's location, so prove that
	// the daemon let go of the old path by editing the file at its new one:
	// a stale entry for the old path (which sorts first) would keep the old
	// title published under the shared id.
	art.Title = title3
	writeAtomic(t, moved, []byte(art.String()))
	eventually(t, settle, "moved article present once under its new title", func() (bool, string) {
		if ok, why := feedHasTitle(td, title3, 1, "/rss.xml", catFeed); !ok {
			return false, why
		}
		return feedHasTitle(td, title2, 0, "/rss.xml", catFeed)
	})
	items, err := rssItems(td.get(t, "/rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	guids := 0
	for _, it := range items {
		if it.GUID == link {
			guids++
			if it.Title != title3 {
				t.Errorf("item with guid %s has title %q, want %q", link, it.Title, title3)
			}
		}
	}
	if guids != 1 {
		t.Errorf("/rss.xml: %d items with guid %s, want 1", guids, link)
	}
	checkOutMatchesServed(t, td, "rename")

	// Break its front matter: it drops out of every feed, the daemon keeps
	// serving everything else and counts the problem.
	good := art.String()
	writeAtomic(t, moved, []byte("---\ntitle: \"端到端测试 挪窝 gamma\"\ndate: 2024-07-01\n"))
	eventually(t, settle, "invalid article drops out", func() (bool, string) {
		if ok, why := feedHasTitle(td, title3, 0, "/rss.xml"); !ok {
			return false, why
		}
		if r, err := td.try(http.MethodGet, catFeed, nil); err != nil || r.code != http.StatusNotFound {
			return false, fmt.Sprintf("%s: %v %v, want 404 (its only article is invalid)", catFeed, r.code, err)
		}
		if h := td.health(t); h.Invalid != 1 {
			return false, fmt.Sprintf("/healthz invalid = %d, want 1", h.Invalid)
		}
		return true, ""
	})
	allFeedsOK(t, td)
	checkOutMatchesServed(t, td, "invalid")

	// Fix it: it comes back.
	writeAtomic(t, moved, []byte(good))
	eventually(t, settle, "fixed article is back", func() (bool, string) {
		if ok, why := feedHasTitle(td, title3, 1, "/rss.xml", catFeed); !ok {
			return false, why
		}
		if h := td.health(t); h.Invalid != 0 {
			return false, fmt.Sprintf("/healthz invalid = %d, want 0", h.Invalid)
		}
		return true, ""
	})
	checkOutMatchesServed(t, td, "fix")

	// Delete it: it is the only article of its category, whose feeds go
	// away along with the index page's links to them.
	if !bytes.Contains(td.get(t, "/index.html"), []byte("category/"+slug+"/")) {
		t.Fatalf("/index.html does not link category %s before the delete", slug)
	}
	if err := os.Remove(moved); err != nil {
		t.Fatal(err)
	}
	eventually(t, settle, "category of a deleted article is gone", func() (bool, string) {
		for _, p := range []string{catFeed, "/category/" + slug + "/atom.xml", "/category/" + slug + "/feed.json"} {
			r, err := td.try(http.MethodGet, p, nil)
			if err != nil {
				return false, err.Error()
			}
			if r.code != http.StatusNotFound {
				return false, fmt.Sprintf("GET %s: %d, want 404", p, r.code)
			}
		}
		if bytes.Contains(td.get(t, "/index.html"), []byte("category/"+slug+"/")) {
			return false, "/index.html still links the category"
		}
		return feedHasTitle(td, title3, 0, "/rss.xml")
	})
	checkOutMatchesServed(t, td, "delete")
	if _, err := os.Stat(filepath.Join(out, "category", slug)); !os.IsNotExist(err) {
		t.Errorf("output directory still has category/%s (stat: %v)", slug, err)
	}

	// Graceful shutdown: a request being answered when the daemon is told
	// to stop (here, to a client that is not reading yet) completes in
	// full, and Run returns nil.
	want := td.get(t, "/rss.xml")
	g := gl.arm()
	conn, err := net.Dial("tcp", td.d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /rss.xml HTTP/1.1\r\nHost: "+td.d.Addr().String()+"\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.writing:
	case <-time.After(5 * time.Second):
		close(g.release)
		t.Fatal("the daemon did not start answering the request")
	}
	runDone := make(chan error, 1)
	go func() { runDone <- td.stop() }()
	// Shutdown closes the listener first: once new connections are refused
	// the daemon is shutting down while our request is in flight.
	eventually(t, 5*time.Second, "listener closed after cancel", func() (bool, string) {
		c, err := net.DialTimeout("tcp", td.d.Addr().String(), time.Second)
		if err != nil {
			return true, ""
		}
		c.Close()
		return false, "still accepting connections"
	})
	select {
	case err := <-runDone:
		close(g.release)
		t.Fatalf("Run returned (%v) while a request was in flight", err)
	default:
	}
	close(g.release)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatalf("in-flight request body: %v", err)
	}
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
		t.Errorf("in-flight request: status %d, %d bytes; want 200 with the %d bytes of /rss.xml", res.StatusCode, len(body), len(want))
	}
	select {
	case err := <-runDone:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestRescanSeesUnwatchedChange: with a watcher that will not look again
// for an hour, a change shows up only through Rescan (what SIGHUP does).
func TestRescanSeesUnwatchedChange(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Poll: time.Hour}})

	const title = "重新扫描 之后才出现"
	writeAtomic(t, filepath.Join(src, "301_rescan.txt"), []byte(article{
		Title: title, Date: "2024-07-02 08:00:00 +0800", Categories: []string{"keji"},
	}.String()))
	if ok, _ := feedHasTitle(td, title, 0, "/rss.xml"); !ok {
		t.Fatal("the change was published before Rescan: the poll interval is an hour")
	}
	td.d.Rescan()
	eventually(t, settle, "change published after Rescan", func() (bool, string) {
		return feedHasTitle(td, title, 1, "/rss.xml", "/category/keji/rss.xml")
	})
	before := td.health(t)

	// A second change and two Rescans in a row (one may be coalesced with
	// the pending one) still converge on the directory's content.
	if err := os.Remove(filepath.Join(src, "301_rescan.txt")); err != nil {
		t.Fatal(err)
	}
	td.d.Rescan()
	td.d.Rescan()
	eventually(t, settle, "removal published after Rescan", func() (bool, string) {
		return feedHasTitle(td, title, 0, "/rss.xml", "/category/keji/rss.xml")
	})
	if after := td.health(t); after.Articles != before.Articles-1 {
		t.Errorf("/healthz articles = %d after removing one of %d", after.Articles, before.Articles)
	}
}

// TestPollMode: with polling instead of inotify an edit still shows.
func TestPollMode(t *testing.T) {
	parallel(t)
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, watch: watch.Options{Poll: 50 * time.Millisecond}})

	// Edit a seed in place (no rename) and change its length, so that the
	// poller sees a different size even within one mtime tick.
	p := filepath.Join(src, "101_9c3e2a7b1d4f6e80.txt")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	const oldTitle = "某省农险综合赔付提速 极端天气理赔平均时效缩短至三天"
	const newTitle = "轮询模式 标题已修改"
	if ok, why := feedHasTitle(td, oldTitle, 1, "/rss.xml"); !ok {
		t.Fatal(why)
	}
	edited := strings.Replace(string(data), oldTitle, newTitle, 1)
	if edited == string(data) {
		t.Fatal("seed 101 does not have the expected title")
	}
	if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, settle, "polled edit published", func() (bool, string) {
		if ok, why := feedHasTitle(td, newTitle, 1, "/rss.xml", "/category/caijing/rss.xml"); !ok {
			return false, why
		}
		return feedHasTitle(td, oldTitle, 0, "/rss.xml")
	})
}
