// Command checktree runs the project's own checker (internal/feedcheck, which
// also parses every feed with gofeed) over every file of a feedgen output tree
// that it knows: feeds and archive documents (rss.xml, atom.xml, feed.json),
// the OPML list and the HTML pages. scripts/validate.sh runs it beside the
// independent validators.
//
//	go run ./scripts/checktree OUT
//
// It prints each file that fails and one summary line
// "RESULT feedcheck+gofeed files=N errors=E warnings=0" (feedcheck has no
// warnings), and exits 1 when any file fails.
package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"feedgen/internal/feedcheck"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: checktree OUT")
		os.Exit(2)
	}
	root := os.Args[1]
	files, bad := 0, 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch d.Name() {
		case "rss.xml", "atom.xml", "feed.json", "feeds.opml", "index.html":
		default:
			return nil
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		files++
		if err := feedcheck.Check(p, body); err != nil {
			if errors.Is(err, feedcheck.ErrUnknownFormat) {
				return err
			}
			bad++
			rel, _ := filepath.Rel(root, p)
			fmt.Printf("%s: %v\n", rel, err)
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "checktree:", err)
		os.Exit(2)
	}
	fmt.Printf("RESULT feedcheck+gofeed files=%d errors=%d warnings=0\n", files, bad)
	if bad > 0 {
		os.Exit(1)
	}
}
