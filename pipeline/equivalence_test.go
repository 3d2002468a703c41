package pipeline

import (
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/watch"
)

var (
	seedFlag = flag.Uint64("seed", 0, "seed of TestRandomOpsServeEqualsBuild (0: derived from the clock)")
	opsFlag  = flag.Int("ops", 240, "number of operations in each run of TestRandomOpsServeEqualsBuild")
	every    = flag.Int("check-every", 50, "TestRandomOpsServeEqualsBuild compares with a build after this many operations")
)

// Pools the random articles draw from. They are small on purpose, so that
// articles share categories, tags, dates (ties in the ordering), links
// (duplicate ids) and base names (duplicate tag: ids across folders).
var (
	poolCategories = []string{"caijing", "keji", "nongye", "国际", "e-x"}
	poolTags       = []string{"财经新闻", "科技新闻", "World", "港口航运", "能源"}
	poolNavNames   = []string{"", "财经新闻", "财经", "科技", "農業", "World News"}
	poolWords      = []string{"央行", "降准", "港口", "吞吐量", "Grain", "Futures", "R&D", "<新高>", "“一带一路”", "AI", "算力", "小麦", "Rates", "O'Neil", "数据"}
	poolDates      = []string{
		"2024-05-01 08:00:00 +0800", "2024-05-01 08:00:00 +0800", "2024-05-03 12:30:00 +0800",
		"2024-05-03 06:30:00 +0200", "2024-05-07", "2024-05-09T10:00:00+08:00", "2024-05-12 23:59:59 -0500",
		"2024-05-20 09:00", "2024-06-01 00:00:00 +0000",
	}
	poolLinks = []string{
		"http://news.example.com/a/1", "http://news.example.com/a/2", "http://news.example.com/a/3",
		"https://news.example.com/a/4?x=1&y=2", "http://other.example.org/中文/5", "http://news.example.com/a/6",
		"http://news.example.com/a/7", "http://news.example.com/a/8",
	}
	poolBaseNames = []string{"n01", "n02", "n03", "n04", "n05", "n06", "n07", "n08", "n09", "n10", "2024-05-15-dated", "文章", "a b"}
	poolExts      = []string{".txt", ".txt", ".md", ".html", ".markdown", ".HTM"}
	// "old.md" is a folder named like an article, "x.bak" one whose name
	// hides everything below it (source.SkipName).
	poolDirNames = []string{"sub", "2024", "七月", "x y", "deep", "arch", "old.md", "x.bak"}
)

// fuzzer applies random operations to a source directory.
type fuzzer struct {
	t    *testing.T
	r    *rand.Rand
	root string
	log  []string // recent operations, for failure reports
	all  []string // every operation, kept with FEEDGEN_KEEP_FAILED
	// unique makes every article id (its link, or without one its base
	// name) fresh, so that no two files ever claim the same id; otherwise
	// links and names come from small pools and collide often.
	unique bool
	next   int    // counter for fresh links and names
	rescan func() // asks the daemon for a full rescan
}

func (f *fuzzer) fresh() int { f.next++; return f.next }

func (f *fuzzer) pick(s []string) string { return s[f.r.IntN(len(s))] }

func (f *fuzzer) logf(format string, args ...any) {
	f.log = append(f.log, fmt.Sprintf(format, args...))
	f.all = append(f.all, f.log[len(f.log)-1])
	if len(f.log) > 40 {
		f.log = f.log[1:]
	}
}

// tree lists the directories (root included, as "") and the files below
// the root that are not hidden, as slash paths, and the hidden directories
// met on the way (not what is below them).
func (f *fuzzer) tree() (dirs, files, hidden []string) {
	dirs = []string{""}
	_ = filepath.WalkDir(f.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == f.root {
			return nil
		}
		rel, _ := filepath.Rel(f.root, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				hidden = append(hidden, rel)
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, rel)
		} else {
			files = append(files, rel)
		}
		return nil
	})
	return dirs, files, hidden
}

func (f *fuzzer) abs(rel string) string { return filepath.Join(f.root, filepath.FromSlash(rel)) }

func (f *fuzzer) newName(dir string) string {
	if f.unique {
		base := fmt.Sprintf("u%03d", f.fresh())
		if f.r.IntN(5) == 0 {
			base = "2024-05-15-" + base // dated by its name
		}
		return pathJoin(dir, base+f.pick(poolExts))
	}
	return pathJoin(dir, f.pick(poolBaseNames)+f.pick(poolExts))
}

func pathJoin(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func (f *fuzzer) randomArticle() article {
	a := article{Date: f.pick(poolDates)}
	n := 1 + f.r.IntN(4)
	words := make([]string, n)
	for i := range words {
		words[i] = f.pick(poolWords)
	}
	a.Title = strings.Join(words, " ")
	for range f.r.IntN(3) {
		if c := f.pick(poolCategories); !slices.Contains(a.Categories, c) {
			a.Categories = append(a.Categories, c)
		}
	}
	for range f.r.IntN(4) {
		a.Tags = append(a.Tags, f.pick(poolTags))
	}
	if f.r.IntN(10) < 6 {
		if f.unique {
			a.Link = fmt.Sprintf("http://news.example.com/u/%d", f.fresh())
		} else {
			a.Link = f.pick(poolLinks)
		}
	}
	a.NavName = f.pick(poolNavNames)
	a.Body = f.randomBody()
	return a
}

func (f *fuzzer) randomBody() string {
	var b strings.Builder
	if f.r.IntN(10) == 0 {
		// Large enough that indexing reads only the head and the tail; the
		// marker in the middle is what "modify" changes in such a file.
		fill := strings.Repeat(f.pick(poolWords)+"，", 600)
		fmt.Fprintf(&b, "<p>%s</p><p>MID-%d</p><p>%s</p>", fill, f.fresh(), fill)
	}
	for range 1 + f.r.IntN(3) {
		fmt.Fprintf(&b, "<p>%s %s，%d。</p>", f.pick(poolWords), f.pick(poolWords), f.r.IntN(1000))
	}
	if f.r.IntN(4) == 0 {
		b.WriteString(`<p><img src="/img/x.png" alt="x"></p>`)
	}
	if f.r.IntN(5) == 0 {
		b.WriteString(`<p class="em_media">（文章来源：示例网）</p>`)
	}
	return b.String()
}

// invalidArticle returns bytes that must be reported as a problem.
func (f *fuzzer) invalidArticle() string {
	good := f.randomArticle().String()
	switch f.r.IntN(6) {
	case 0: // front matter never closed
		return "---\ntitle: \"半截\"\ndate: 2024-05-01\n"
	case 1: // no title
		return strings.Replace(good, "title:", "subject:", 1)
	case 2: // impossible date
		return reDate.ReplaceAllString(good, "date: 2024-13-45")
	case 3:
		return ""
	case 4:
		return "---\ntitle: \"bin\"\ndate: 2024-05-01\n---\n\x00\x01"
	default: // a category that could escape its folder
		return strings.Replace(good, "layout: post", "layout: post\ncategory: ../../etc", 1)
	}
}

var (
	reTitle     = regexp.MustCompile(`(?m)^title: .*$`)
	reDate      = regexp.MustCompile(`(?m)^date: .*$`)
	reCats      = regexp.MustCompile(`(?m)^categories: .*$`)
	reMid       = regexp.MustCompile(`MID-\d+`)
	reUnpublish = regexp.MustCompile(`(?m)^published: false\n`)
)

// mutate changes one thing in an article's text.
func (f *fuzzer) mutate(s string) string {
	switch f.r.IntN(8) {
	case 0:
		return reTitle.ReplaceAllLiteralString(s, fmt.Sprintf("title: %q", f.randomArticle().Title))
	case 1:
		if reDate.MatchString(s) {
			return reDate.ReplaceAllLiteralString(s, "date: "+f.pick(poolDates))
		}
	case 2:
		cats := "categories: " + f.pick(poolCategories)
		if f.r.IntN(3) == 0 {
			cats += " " + f.pick(poolCategories)
		}
		if reCats.MatchString(s) {
			return reCats.ReplaceAllLiteralString(s, cats)
		}
		return strings.Replace(s, "layout: post", "layout: post\n"+cats, 1)
	case 3:
		if i := strings.Index(s, "\n---\n"); i >= 0 {
			i += len("\n---\n")
			return s[:i] + f.randomBody() + "\n" + s[i:]
		}
	case 4, 5: // the middle of a large file, or else of any file
		if reMid.MatchString(s) {
			return reMid.ReplaceAllLiteralString(s, fmt.Sprintf("MID-%d", f.fresh()))
		}
		if i := strings.Index(s, "</p>"); i >= 0 {
			return s[:i] + fmt.Sprint(f.r.IntN(10)) + s[i:]
		}
	case 6: // draft or not
		if reUnpublish.MatchString(s) {
			return reUnpublish.ReplaceAllLiteralString(s, "")
		}
		return strings.Replace(s, "layout: post\n", "layout: post\npublished: false\n", 1)
	}
	return f.randomArticle().String()
}

// write puts data at rel, in one of the ways editors and tools save.
func (f *fuzzer) write(rel, data string) {
	p := f.abs(rel)
	switch f.r.IntN(4) {
	case 0: // write a temporary file, rename it into place
		tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".swp")
		f.must(os.WriteFile(tmp, []byte(data), 0o644))
		f.must(os.Rename(tmp, p))
	case 1: // vim: probe, move the original aside as a backup, write, drop the backup
		probe := filepath.Join(filepath.Dir(p), "4913")
		f.must(os.WriteFile(probe, nil, 0o644))
		f.must(os.Remove(probe))
		backup := p + "~"
		_, err := os.Stat(p)
		if err == nil {
			f.must(os.Rename(p, backup))
		}
		f.must(os.WriteFile(p, []byte(data), 0o644))
		if err == nil {
			f.must(os.Remove(backup))
		}
	case 2: // truncate, then write in two pieces
		fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		f.must(err)
		half := len(data) / 2
		_, err = fh.WriteString(data[:half])
		f.must(err)
		_, err = fh.WriteString(data[half:])
		f.must(err)
		f.must(fh.Close())
	default:
		f.must(os.WriteFile(p, []byte(data), 0o644))
	}
}

func (f *fuzzer) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("operation failed: %v\nrecent operations:\n%s", err, strings.Join(f.log, "\n"))
	}
}

func isArticleName(rel string) bool {
	switch strings.ToLower(filepath.Ext(rel)) {
	case ".txt", ".md", ".markdown", ".html", ".htm":
		return true
	}
	return false
}

// step applies one random operation.
func (f *fuzzer) step() {
	dirs, files, hidden := f.tree()
	var arts []string
	for _, p := range files {
		if isArticleName(p) {
			arts = append(arts, p)
		}
	}
	subdirs := dirs[1:]
	op := f.r.IntN(100)
	switch {
	case op < 20 || len(arts) < 5: // create
		rel := f.newName(f.pick(dirs))
		f.logf("create %s", rel)
		f.write(rel, f.randomArticle().String())
	case op < 38: // modify
		rel := f.pick(arts)
		data, err := os.ReadFile(f.abs(rel))
		f.must(err)
		f.logf("modify %s", rel)
		f.write(rel, f.mutate(string(data)))
	case op < 47: // delete
		rel := f.pick(files)
		f.logf("delete %s", rel)
		f.must(os.Remove(f.abs(rel)))
	case op < 58: // rename a file, within its folder or to another
		from := f.pick(files)
		dir := filepath.ToSlash(filepath.Dir(from))
		if dir == "." {
			dir = ""
		}
		if f.r.IntN(2) == 0 {
			dir = f.pick(dirs)
		}
		to := f.newName(dir)
		if f.unique && isArticleName(from) && f.r.IntN(2) == 0 { // keep the base name, and with it the id
			base := filepath.Base(from)
			to = pathJoin(dir, strings.TrimSuffix(base, filepath.Ext(base))+f.pick(poolExts))
		}
		if f.r.IntN(8) == 0 {
			to = pathJoin(dir, "moved.bak") // out of the article names
		}
		if fi, err := os.Stat(f.abs(to)); err == nil && fi.IsDir() {
			return
		}
		f.logf("rename %s -> %s", from, to)
		f.must(os.Rename(f.abs(from), f.abs(to)))
	case op < 64: // mkdir, sometimes several levels
		rel := pathJoin(f.pick(dirs), f.pick(poolDirNames))
		if f.r.IntN(3) == 0 {
			rel = pathJoin(rel, f.pick(poolDirNames))
		}
		if fi, err := os.Stat(f.abs(rel)); err == nil && !fi.IsDir() {
			return
		}
		f.logf("mkdir %s", rel)
		f.must(os.MkdirAll(f.abs(rel), 0o755))
		if f.r.IntN(2) == 0 { // and put something in it at once
			name := f.newName(rel)
			f.logf("create %s", name)
			f.must(os.WriteFile(f.abs(name), []byte(f.randomArticle().String()), 0o644))
		}
	case op < 67 && len(subdirs) > 0: // rm -r
		rel := f.pick(subdirs)
		f.logf("rm -r %s", rel)
		f.must(os.RemoveAll(f.abs(rel)))
	case op < 71 && len(subdirs) > 0: // move a folder
		from := f.pick(subdirs)
		var targets []string
		for _, d := range dirs {
			if d != from && !strings.HasPrefix(d, from+"/") {
				targets = append(targets, d)
			}
		}
		to := pathJoin(f.pick(targets), f.pick(poolDirNames)+fmt.Sprint(f.r.IntN(3)))
		if _, err := os.Lstat(f.abs(to)); err == nil {
			return
		}
		f.logf("mv %s %s", from, to)
		f.must(os.Rename(f.abs(from), f.abs(to)))
	case op < 74: // hide a folder, or bring a hidden one back
		if len(hidden) > 0 && f.r.IntN(2) == 0 {
			from := f.pick(hidden)
			to := pathJoin(filepath.ToSlash(filepath.Dir(from)), fmt.Sprintf("restored%d", f.fresh()))
			if strings.HasPrefix(to, "./") {
				to = to[2:]
			}
			f.logf("mv %s %s", from, to)
			f.must(os.Rename(f.abs(from), f.abs(to)))
		} else if len(subdirs) > 0 {
			from := f.pick(subdirs)
			to := pathJoin(filepath.ToSlash(filepath.Dir(from)), fmt.Sprintf(".hidden%d", f.fresh()))
			if strings.HasPrefix(to, "./") {
				to = to[2:]
			}
			f.logf("mv %s %s", from, to)
			f.must(os.Rename(f.abs(from), f.abs(to)))
		}
	case op < 81: // an invalid article, new or over an existing one
		rel := f.newName(f.pick(dirs))
		if f.r.IntN(2) == 0 {
			rel = f.pick(arts)
		}
		f.logf("invalid %s", rel)
		f.write(rel, f.invalidArticle())
	case op < 87: // files that are not articles, some with article content
		dir := f.pick(dirs)
		var name, data string
		switch f.r.IntN(6) {
		case 0:
			name, data = "pic.png", "\x89PNG\r\n\x1a\n\x00\x00"
		case 1:
			name, data = ".n01.txt.swp", f.randomArticle().String()
		case 2:
			name, data = "n02.txt~", f.randomArticle().String()
		case 3:
			name, data = "n03.md.bak", f.randomArticle().String()
		case 4:
			name, data = ".hidden.md", f.randomArticle().String()
		default:
			name, data = "#n04.txt#", f.randomArticle().String()
		}
		rel := pathJoin(dir, name)
		f.logf("non-article %s", rel)
		f.must(os.WriteFile(f.abs(rel), []byte(data), 0o644))
	case op < 91: // move a file into a hidden folder, out of the tree
		hiddenDir := pathJoin(f.pick(dirs), ".trash")
		f.must(os.MkdirAll(f.abs(hiddenDir), 0o755))
		from := f.pick(files)
		to := pathJoin(hiddenDir, strings.ReplaceAll(from, "/", "_"))
		f.logf("rename %s -> %s", from, to)
		f.must(os.Rename(f.abs(from), f.abs(to)))
	case op < 93 && f.rescan != nil: // SIGHUP
		f.logf("rescan")
		f.rescan()
	default: // editor save of an unchanged file (no change at all)
		rel := f.pick(arts)
		data, err := os.ReadFile(f.abs(rel))
		f.must(err)
		f.logf("resave %s", rel)
		f.write(rel, string(data))
	}
}

// compareWithBuild waits until the daemon serves exactly what a fresh
// build of the source directory writes, path for path and byte for byte.
func compareWithBuild(t *testing.T, td *testDaemon, fz *fuzzer, round string) {
	t.Helper()
	out := t.TempDir()
	res, err := Build(BuildOptions{Src: td.src, Out: out, Site: td.site})
	if err != nil {
		t.Fatalf("%s: Build: %v", round, err)
	}
	want := readTree(t, out)
	fail := func(what, detail string) {
		t.Helper()
		if keep := os.Getenv("FEEDGEN_KEEP_FAILED"); keep != "" {
			copyDir(t, td.src, filepath.Join(keep, "src"))
			copyDir(t, out, filepath.Join(keep, "build"))
			for p, b := range td.snapshotFiles() {
				dst := filepath.Join(keep, "daemon", filepath.FromSlash(p))
				_ = os.MkdirAll(filepath.Dir(dst), 0o755)
				_ = os.WriteFile(dst, b, 0o644)
			}
			_ = os.WriteFile(filepath.Join(keep, "operations.txt"), []byte(strings.Join(fz.all, "\n")+"\n"), 0o644)
			t.Logf("source, build and daemon files and the operations kept in %s", keep)
		}
		t.Fatalf("%s: %s: %s\nrecent operations:\n%s", round, what, detail, strings.Join(fz.log, "\n"))
	}
	deadline := time.Now().Add(settle)
	var seen *snapshot.Snapshot
	var d string
	for {
		// A published snapshot never changes: each is compared once
		// (decompressing every compact file), not at every poll.
		if s := td.d.Snapshot(); s != seen {
			seen = s
			d = diffTrees("build", want, "daemon", identities(s))
			if st := s.Stats(); d == "" && (st.Articles != res.Articles || st.Invalid != len(res.Problems)) {
				d = fmt.Sprintf("daemon counts %d articles and %d invalid files, build %d and %d:\n%s",
					st.Articles, st.Invalid, res.Articles, len(res.Problems), FormatProblems(res.Problems))
			}
		}
		if d == "" {
			break
		}
		if time.Now().After(deadline) {
			fail("daemon snapshot differs from a fresh build", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Over HTTP: identity for every path, gzip for a few.
	served, err := td.served()
	if err != nil {
		fail("GET", err.Error())
	}
	if d := diffTrees("build", want, "served", served); d != "" {
		fail("served files differ from a fresh build", d)
	}
	gzPaths := []string{"/rss.xml", "/index.html"}
	for p := range want {
		if strings.HasPrefix(p, "/tag/") || strings.HasPrefix(p, "/category/") {
			gzPaths = append(gzPaths, p)
			break
		}
	}
	for _, p := range gzPaths {
		r := td.do(t, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip"})
		body := r.body
		if r.hdr.Get("Content-Encoding") == "gzip" {
			body = gunzip(t, body)
		}
		if r.code != http.StatusOK || string(body) != string(want[p]) {
			fail("gzip response differs from the build", fmt.Sprintf("%s: status %d\n%s", p, r.code, shortDiff("build", want[p], "served", body)))
		}
	}
	archives := 0
	for p := range want {
		if layout.IsArchive(p) {
			archives++
		}
	}
	t.Logf("%s: equal: %d files (%d archive documents), %d articles, %d invalid", round, len(want), archives, res.Articles, len(res.Problems))
}

// TestRandomOpsServeEqualsBuild runs random edits on a source directory
// while the daemon follows it, and checks now and then that the daemon
// serves exactly what a fresh build of the directory writes. Each run
// draws a new seed (logged, with the command that replays it) and makes
// 240 operations in each of four configurations, sized for CI; a long run:
//
//	go test -run TestRandomOpsServeEqualsBuild -ops 5000 -timeout 1h ./pipeline/
func TestRandomOpsServeEqualsBuild(t *testing.T) {
	parallel(t)
	// The four runs are independent (a source, a daemon and a state each)
	// and spend much of their time waiting for the daemon: they overlap.
	runAtOnce(t, []subtest{
		{"unique-ids", func(t *testing.T) { randomOps(t, true, false, false) }},
		{"duplicate-ids", func(t *testing.T) { randomOps(t, false, false, false) }},
		// With a kept state, and a restart halfway through with operations
		// made while the daemon was stopped: the state must change no
		// byte, and the restarted daemon must catch up with everything.
		{"state-restart", func(t *testing.T) { randomOps(t, false, true, false) }},
		// With RFC 5005 archives: items rolling in and out of the feeds
		// move between the archive documents of May and June, and a
		// restart keeps them.
		{"archive-state-restart", func(t *testing.T) { randomOps(t, false, true, true) }},
	})
}

func randomOps(t *testing.T, unique, restart, archive bool) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (rerun with: go test ./pipeline/ -run 'TestRandomOpsServeEqualsBuild/%s' -seed %d)", seed, t.Name()[strings.LastIndexByte(t.Name(), '/')+1:], seed)
	ops := *opsFlag
	if testing.Short() {
		ops = 100
	}

	src := t.TempDir()
	copyDir(t, seedsDir, src)
	fz := &fuzzer{t: t, r: rand.New(rand.NewPCG(seed, 0x5eed)), root: src, unique: unique}
	// A small limit makes feeds drop and take in items as articles come
	// and go, and the ties between equal dates decide who is in.
	cfg := daemonConfig{
		src:     src,
		limit:   6,
		archive: archive,
		watch:   watch.Options{Quiet: 10 * time.Millisecond, MaxDelay: 100 * time.Millisecond},
	}
	if restart {
		cfg.state = t.TempDir()
	}
	if archive {
		cfg.limit = 2 // most items in archive documents, of several feeds and months
	}
	td := startDaemon(t, cfg)
	fz.rescan = td.d.Rescan
	compareWithBuild(t, td, fz, "start")
	start := time.Now()
	for i := 1; i <= ops; i++ {
		if restart && i == ops/2 {
			if err := td.stop(); err != nil {
				t.Fatal(err)
			}
			// By tag: the archive documents of a stopped daemon are lazy
			// files, whose bytes it can no longer render; a strong tag is
			// a hash of the bytes, and the restarted daemon's bytes are
			// checked against theirs (Identity) and against a build below.
			before := snapshotTags(td.d.Snapshot())
			fz.rescan = func() {}
			for range 20 {
				fz.step()
			}
			cfg.addr = td.d.Addr().String()
			td = startDaemon(t, cfg)
			fz.rescan = td.d.Rescan
			// A restart answers at once with what it served when it
			// stopped, then catches up with what changed meanwhile.
			if d := diffTrees("before the restart", before, "after", snapshotTags(td.d.Snapshot())); d != "" {
				t.Fatalf("restarted daemon's first snapshot differs from what it served before:\n%s", d)
			}
			select {
			case <-td.d.Synced():
			case <-time.After(10 * time.Second):
				t.Fatal("restarted daemon did not finish its scan")
			}
			compareWithBuild(t, td, fz, "after a restart")
		}
		fz.step()
		// Mostly back to back, sometimes with a pause, so that batches both
		// merge many operations and split the steps of one.
		if fz.r.IntN(4) == 0 {
			time.Sleep(time.Duration(fz.r.IntN(15)) * time.Millisecond)
		}
		if i%*every == 0 || i == ops {
			compareWithBuild(t, td, fz, fmt.Sprintf("after %d operations", i))
		}
	}
	t.Logf("%d operations in %v", ops, time.Since(start).Round(time.Millisecond))
}
