package pipeline

import (
	"context"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"feedgen/layout"
	"feedgen/watch"
)

// TestArchivePagesInChromium opens the pages of a site with RFC 5005
// archives: every page of a feed that has archive documents links to the
// newest one ("Older articles") and to the Atom document of each of its
// months, and nothing else of the archive; and every link of every page
// resolves (checkPagesInChromium fetches them all).
func TestArchivePagesInChromium(t *testing.T) {
	// checkPagesInChromium saves its screenshots under the same names as
	// TestIndexInChromium's: in the one directory FEEDGEN_SCREENSHOTS
	// names, this test runs first, alone, so that they are overwritten by
	// the index's, never mixed with them. Elsewhere each test has its own.
	if os.Getenv("FEEDGEN_SCREENSHOTS") == "" {
		parallel(t)
	}
	src := t.TempDir()
	copyDir(t, seedsDir, src)
	td := startDaemon(t, daemonConfig{src: src, limit: 2, archive: true, watch: watch.Options{Poll: time.Hour}})
	ctx, _ := startChromium(t)

	// The Atom archive documents of each feed folder, from the snapshot.
	want := map[string][]string{} // page folder -> archive document URLs
	for _, p := range td.d.Snapshot().Paths() {
		if !layout.IsArchive(p) || !strings.HasSuffix(p, "/atom.xml") {
			continue
		}
		folder := p[:strings.Index(p, "/"+layout.ArchiveFolder+"/")+1]
		want[folder] = append(want[folder], td.urlOf(p))
	}
	if len(want) < 2 {
		t.Fatalf("the seeds gave archives to %d feeds; the test needs a few", len(want))
	}

	step, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	type archReport struct {
		Older  string   `json:"older"`
		Months []string `json:"months"`
	}
	pages := 0
	for _, p := range td.d.Snapshot().Paths() {
		if !strings.HasSuffix(p, "/"+layout.PageFile) {
			continue
		}
		folder := strings.TrimSuffix(p, layout.PageFile)
		pages++
		if err := chromedp.Do(step, chromedp.Navigate(td.urlOf(folder))); err != nil {
			t.Fatalf("navigate to %s: %v", folder, err)
		}
		rep, err := chromedp.Run(step, chromedp.Evaluate[archReport](`({
			older: [...document.querySelectorAll('p.archive a')].map(a => a.href).join(' '),
			months: [...document.querySelectorAll('details.archive a')].map(a => a.href),
		})`))
		if err != nil {
			t.Fatalf("%s: evaluate: %v", folder, err)
		}
		docs := want[folder]
		if len(docs) == 0 {
			if rep.Older != "" || len(rep.Months) > 0 {
				t.Errorf("%s has no archive but links %q %q", folder, rep.Older, rep.Months)
			}
			continue
		}
		sort.Sort(sort.Reverse(sort.StringSlice(docs))) // newest month first
		if rep.Older != docs[0] {
			t.Errorf("%s: Older articles links %q, want the newest archive document %s", folder, rep.Older, docs[0])
		}
		if !slices.Equal(rep.Months, docs) {
			t.Errorf("%s: month links %q, want %q", folder, rep.Months, docs)
		}
	}
	if pages == 0 {
		t.Fatal("no pages")
	}
	checkPagesInChromium(t, ctx, td)
}
