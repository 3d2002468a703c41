package bucket

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"feedgen/layout"
	"feedgen/websub"
)

// HookURLs are the public URLs of the changed paths below the site's base
// URL (ending with a slash), as the feeds link to them, for a CDN to purge:
// each path's URL, and for a page also its folder's ("/tag/x/" serves
// "/tag/x/index.html").
func HookURLs(base string, changed []string) []string {
	var out []string
	for _, p := range changed {
		out = append(out, websub.TopicURL(base, p))
		if path.Base(p) == layout.PageFile {
			out = append(out, websub.TopicURL(base, strings.TrimSuffix(p, layout.PageFile)))
		}
	}
	return out
}

// RunHook runs the shell command cmd (sh -c; cmd /C on Windows) with urls
// on its standard input, one a line, and its output going to out. It is
// -publish-hook: a CDN purge after each publish.
func RunHook(ctx context.Context, cmd string, urls []string, out io.Writer) error {
	c := shellCommand(ctx, cmd)
	c.Stdin = strings.NewReader(strings.Join(urls, "\n") + "\n")
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		return fmt.Errorf("publish hook %q: %w", cmd, err)
	}
	return nil
}
