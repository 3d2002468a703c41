package feedgen

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"feedgen/feedgen/config"
	"feedgen/index"
)

// What the generator says of its state and its source: the problems found,
// the counts /healthz and the build report show, and where the state lives.

// Problem is one file that could not be published, and why.
type Problem struct {
	Path   string // as the user names it: the source directory joined with the file
	Reason string
}

// String is the problem as feedgen reports it: "path: reason".
func (p Problem) String() string { return p.Path + ": " + p.Reason }

// DefaultStateDir is the state directory used for the source directory src
// and the configuration cfg unless told otherwise: a folder under the
// user's cache directory named after the absolute source path and the part
// of cfg the scan records depend on (ScanFingerprint), so that two sources
// never share one, and runs that parse the same source differently (a
// daemon on localhost, a build for the real base URL) each keep a warm one
// instead of rebuilding the other's.
func DefaultStateDir(src string, cfg *config.Config) (string, error) {
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no user cache directory for the state (use -state DIR): %w", err)
	}
	sum := sha256.Sum256([]byte(abs + "\x00" + cfg.ScanFingerprint()))
	name := filepath.Base(abs)
	if name == string(filepath.Separator) || name == "." || strings.ContainsAny(name, `:\/`) {
		name = "root"
	}
	return filepath.Join(cache, "feedgen", name+"-"+hex.EncodeToString(sum[:6])), nil
}

// Outputs is the record, kept in the state, of what a build left in the
// output directory dir (absolute): the disk writer's manifest.
func (g *Generator) Outputs(dir string) *index.Outputs { return g.ix.Outputs(dir) }

// Warm reports whether the generator started from a usable state: what it
// knows of the archive is what it knew when it last ran, and a Snapshot
// before any Scan shows exactly that.
func (g *Generator) Warm() bool { return !g.ix.Fresh }

// Close releases the index; a temporary state is removed.
func (g *Generator) Close() error { return g.ix.Close() }

// TemporaryState reports whether the generator runs on a temporary state
// although a state directory was asked for (see index.Index.Temporary):
// the daemon's /healthz says so. Safe to call from any goroutine.
func (g *Generator) TemporaryState() bool { return g.ix.Temporary() }

// Problems returns every file that could not be published, sorted by path.
func (g *Generator) Problems() []Problem {
	var ps []Problem
	err := g.ix.View(func(t *index.Tx) error {
		return t.Problems(func(p, reason string) {
			ps = append(ps, Problem{Path: g.display(p), Reason: reason})
		}, func(p, id, winner string) {
			ps = append(ps, Problem{Path: g.display(p), Reason: fmt.Sprintf("id %s is already used by %s", id, g.display(winner))})
		})
	})
	if err != nil {
		ps = append(ps, Problem{Path: g.ix.Path(), Reason: err.Error()})
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Path < ps[j].Path })
	return ps
}

// Articles is the number of published articles.
func (g *Generator) Articles() int {
	n := 0
	_ = g.ix.View(func(t *index.Tx) error { n = t.Articles(); return nil })
	return n
}

// invalid counts the files that are not published for a reason to report.
func (g *Generator) invalid() int {
	n := 0
	_ = g.ix.View(func(t *index.Tx) error { n = t.Invalid(); return nil })
	return n
}
