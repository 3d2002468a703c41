package feedgen

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"feedgen/feedgen/render"
	"feedgen/index"
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

// A daemon that restarts answers at once with what it served when it
// stopped, before its scan (Generator.Warm): the state records each asset's
// path, ETag and stamp, and the first snapshot holds each as a lazy file
// that reads the source file when a request needs it, and refuses bytes
// that are no longer the ones recorded (snapshot.ErrStale) until the scan
// has read them again.

// assetRecords names the assets' record in the state: an index.Outputs
// whose directory can be no output directory's absolute path.
const assetRecords = "\x00assets"

// maxAssetSize bounds an asset's bytes: assets are held in memory, like
// the feeds, and an image larger than this is no thumbnail.
const maxAssetSize = 8 << 20

// siteFiles are the listing pages and the assets a Generator holds.
type siteFiles struct {
	lists  [2]*snapshot.File // category, tag
	assets map[string]*asset // by slash path relative to the source
	rec    *index.Outputs    // the assets' record in the state
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

// loadAssets takes the assets the state recorded, as lazy files.
func (g *Generator) loadAssets() {
	g.site.rec = g.ix.Outputs(assetRecords)
	g.site.assets = map[string]*asset{}
	err := g.ix.EachOutput(assetRecords, func(rel string, o index.Output) error {
		if !source.IsAssetPath(rel) {
			return nil // not ours: a record of an older rule
		}
		name := filepath.Join(g.abs, filepath.FromSlash(rel))
		produce := func() ([]byte, error) { return readLimited(name) }
		f := snapshot.NewLazyFile("/"+rel, layout.AssetType(rel), o.ETag, int(o.Stamp.Size), time.Unix(0, o.Stamp.MTime), "", produce)
		g.site.assets[rel] = &asset{file: f, stamp: o.Stamp}
		return nil
	})
	if err != nil {
		g.log.Warn("state: the record of the published images cannot be read; they are read again by the scan", "err", err)
		clear(g.site.assets)
	}
}

// renderLists renders the listing pages from the index's entries, and
// saves what changed of the assets' record.
func (g *Generator) renderLists(infos []render.IndexEntry) {
	if err := g.site.rec.Flush(); err != nil {
		g.log.Warn("state: the record of the published images was not saved", "err", err)
	}
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

// eachSiteFile calls fn with the slot of each listing page and asset.
func (g *Generator) eachSiteFile(fn func(**snapshot.File)) {
	for i := range g.site.lists {
		if g.site.lists[i] != nil {
			fn(&g.site.lists[i])
		}
	}
	for _, a := range g.site.assets {
		fn(&a.file)
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
			g.forgetAsset(rel)
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
			g.forgetAsset(p)
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
		g.forgetAsset(rel)
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
	body, err := readLimited(name)
	if err != nil {
		return drop("cannot be read", err)
	}
	// Compressed later, by Compress, as every file (an image rarely
	// shrinks, and then only its identity bytes are kept). Last-Modified
	// is the file's own.
	file := snapshot.NewPlainFile("/"+rel, layout.AssetType(rel), body, fi.ModTime())
	g.site.assets[rel] = &asset{file: file, stamp: st}
	g.site.rec.Record(rel, file.ETag, st)
	if old != nil && old.file.ETag == file.ETag {
		return 0
	}
	return 1
}

// forgetAsset stops publishing the asset rel.
func (g *Generator) forgetAsset(rel string) {
	delete(g.site.assets, rel)
	g.site.rec.Record(rel, "", source.Stamp{})
}

// readLimited reads the regular file name, of at most maxAssetSize bytes.
// Whatever it is replaced with between a stat and the open (a FIFO, a
// device) is refused without blocking.
func readLimited(name string) ([]byte, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file (" + fi.Mode().Type().String() + ")")
	}
	body, err := io.ReadAll(io.LimitReader(f, maxAssetSize+1))
	if err == nil && len(body) > maxAssetSize {
		err = errors.New("larger than 8 MiB")
	}
	return body, err
}
