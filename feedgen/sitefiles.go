package feedgen

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"feedgen/feedgen/render"
	"feedgen/layout"
	"feedgen/snapshot"
	"feedgen/source"
)

// The files a site has besides its feeds and their pages: the listing
// pages of the categories and the tags (layout.Kind.ListPath), so that
// /category/ and /tag/ answer, and the assets of the source directory
// (source.IsAssetPath: the images the articles show), published as they
// are at their own path. Both are in every snapshot, so serve and build
// publish the same.

// maxAssetSize bounds an asset's bytes: assets are held in memory, like
// the feeds, and an image larger than this is no thumbnail.
const maxAssetSize = 8 << 20

// siteFiles are the listing pages and the assets a Generator holds.
type siteFiles struct {
	lists  [2]*snapshot.File // category, tag
	assets map[string]*asset // by slash path relative to the source
}

// asset is a published copy of an image of the source directory, with the
// stamp of the file it was read from.
type asset struct {
	file  *snapshot.File
	stamp source.Stamp
}

// listKinds are the kinds of feed that have a listing page, in the order of
// siteFiles.lists.
var listKinds = [2]layout.Kind{layout.KindCategory, layout.KindTag}

// renderLists renders the listing pages from the index's entries.
func (g *Generator) renderLists(infos []render.IndexEntry) {
	lm := g.siteLastModified()
	for i, k := range listKinds {
		g.site.lists[i] = g.reuse(g.site.lists[i], k.ListPath(), layout.TypeHTML, render.List(&g.cfg, k, infos, g.indexParts), lm)
	}
}

// siteFileList appends the listing pages and the assets to files.
func (g *Generator) siteFileList(files []*snapshot.File) []*snapshot.File {
	for _, f := range g.site.lists {
		if f != nil {
			files = append(files, f)
		}
	}
	paths := make([]string, 0, len(g.site.assets))
	for p := range g.site.assets {
		paths = append(paths, p)
	}
	sort.Strings(paths) // Emit hands files over in a fixed order
	for _, p := range paths {
		files = append(files, g.site.assets[p].file)
	}
	return files
}

// eachListFile calls fn with the slot of each listing page (assets are
// made compressed, or not, once: see readAsset).
func (g *Generator) eachListFile(fn func(**snapshot.File)) {
	for i := range g.site.lists {
		if g.site.lists[i] != nil {
			fn(&g.site.lists[i])
		}
	}
}

// syncAssets brings the assets below prefix ("" for the whole tree, else a
// folder's slash path with a trailing slash) up to date with a walk that
// met the asset files seen, and returns how many changed.
func (g *Generator) syncAssets(prefix string, seen []string) int {
	n := 0
	met := make(map[string]bool, len(seen))
	for _, rel := range seen {
		met[rel] = true
		n += g.readAsset(rel)
	}
	for rel := range g.site.assets {
		if strings.HasPrefix(rel, prefix) && !met[rel] {
			delete(g.site.assets, rel)
			n++
		}
	}
	return n
}

// dropAssets forgets the asset rel, or every asset below it: the file or
// folder is gone.
func (g *Generator) dropAssets(rel string) int {
	n := 0
	for p := range g.site.assets {
		if p == rel || strings.HasPrefix(p, rel+"/") {
			delete(g.site.assets, p)
			n++
		}
	}
	return n
}

// readAsset reads the asset file rel (source.IsAssetPath) again when its
// stamp changed, and returns 1 when what is published changed. Only
// regular files are published: a symbolic link could name any file of the
// machine. A file that cannot be read, or is too large, is not published,
// and the log says why.
func (g *Generator) readAsset(rel string) int {
	old := g.site.assets[rel]
	drop := func(why string, err error) int {
		if !errors.Is(err, fs.ErrNotExist) {
			g.log.Warn("asset not published", "path", g.display(rel), "reason", why, "err", err)
		}
		if old == nil {
			return 0
		}
		delete(g.site.assets, rel)
		return 1
	}
	name := filepath.Join(g.abs, filepath.FromSlash(rel))
	fi, err := os.Lstat(name)
	switch {
	case err != nil:
		return drop("cannot be read", err)
	case !fi.Mode().IsRegular():
		return drop("not a regular file", errors.New(fi.Mode().Type().String()))
	case fi.Size() > maxAssetSize:
		return drop("larger than 8 MiB", errors.New(fi.Name()))
	}
	st := source.StampOf(fi)
	if old != nil && old.stamp == st {
		return 0
	}
	f, err := os.Open(name)
	if err != nil {
		return drop("cannot be read", err)
	}
	body, err := io.ReadAll(io.LimitReader(f, maxAssetSize+1))
	f.Close()
	if err == nil && len(body) > maxAssetSize {
		err = errors.New("grew while read")
	}
	if err != nil {
		return drop("cannot be read", err)
	}
	// Compressed once, here: images rarely shrink, and then only the
	// identity bytes are kept. Last-Modified is the file's own.
	file := snapshot.NewFile("/"+rel, layout.AssetType(rel), body, fi.ModTime())
	if g.site.assets == nil {
		g.site.assets = map[string]*asset{}
	}
	g.site.assets[rel] = &asset{file: file, stamp: st}
	if old != nil && old.file.ETag == file.ETag {
		return 0
	}
	return 1
}
