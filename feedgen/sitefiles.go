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

	"feedgen/feedgen/doc"
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

// assets is the job that publishes the images of the source directory: the
// scanner tells it which files it met, it reads them and holds them.
type assets struct {
	*shared
	files map[string]*asset // by slash path relative to the source
	rec   *index.Outputs    // their record in the state
}

// asset is a published copy of an image of the source directory, with the
// stamp of the file it was read from.
type asset struct {
	file  *snapshot.File
	stamp source.Stamp
}

// listKinds are the kinds of feed that have a listing page, in the order of
// output.listFiles.
var listKinds = [2]layout.Kind{layout.KindCategory, layout.KindTag}

// newAssets returns the assets job, holding the assets the state recorded,
// as lazy files.
func newAssets(sh *shared) *assets {
	as := &assets{shared: sh, files: map[string]*asset{}, rec: sh.ix.Outputs(assetRecords)}
	err := as.ix.EachOutput(assetRecords, func(rel string, o index.Output) error {
		if !source.IsAssetPath(rel) {
			return nil // not ours: a record of an older rule
		}
		name := filepath.Join(as.abs, filepath.FromSlash(rel))
		produce := func() ([]byte, error) { return readLimited(name) }
		f := snapshot.NewLazyFile("/"+rel, layout.AssetType(rel), o.ETag, int(o.Stamp.Size), time.Unix(0, o.Stamp.MTime), "", produce)
		as.files[rel] = &asset{file: f, stamp: o.Stamp}
		return nil
	})
	if err != nil {
		as.log.Warn("state: the record of the published images cannot be read; they are read again by the scan", "err", err)
		clear(as.files)
	}
	return as
}

// lists renders the listing pages from the index's entries (output.site).
func (out *output) lists(infos []render.IndexEntry, lm time.Time) {
	for i, k := range listKinds {
		out.listFiles[i] = doc.Reuse(out.listFiles[i], k.ListPath(), layout.TypeHTML, render.List(&out.cfg, k, infos, out.indexParts), lm)
	}
}

// flush saves what changed of the assets' record.
func (as *assets) flush() {
	if err := as.rec.Flush(); err != nil {
		as.log.Warn("state: the record of the published images was not saved", "err", err)
	}
}

// rerecord records every asset held again, in a state that was reset.
func (as *assets) rerecord() {
	for rel, a := range as.files {
		as.rec.Record(rel, a.file.ETag, a.stamp)
	}
}

// emitAll hands every asset to emit, in path order.
func (as *assets) emitAll(emit func(*snapshot.File)) {
	paths := make([]string, 0, len(as.files))
	for p := range as.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		emit(as.files[p].file)
	}
}

// eachFile calls fn with the slot of each asset.
func (as *assets) eachFile(fn func(**snapshot.File)) {
	for _, a := range as.files {
		fn(&a.file)
	}
}

// sync brings the assets below prefix ("" for the whole tree, else a
// folder's slash path with a trailing slash) up to date with a walk that
// met the asset files seen, and returns how many changed.
func (as *assets) sync(prefix string, seen []string) int {
	n := 0
	met := make(map[string]bool, len(seen))
	for _, rel := range seen {
		met[rel] = true
		n += as.read(rel)
	}
	for rel := range as.files {
		if strings.HasPrefix(rel, prefix) && !met[rel] {
			as.forget(rel)
			n++
		}
	}
	return n
}

// drop forgets the asset rel, or every asset below it: the file or
// folder is gone.
func (as *assets) drop(rel string) int {
	n := 0
	for p := range as.files {
		if p == rel || strings.HasPrefix(p, rel+"/") {
			as.forget(p)
			n++
		}
	}
	return n
}

// read reads the asset file rel (source.IsAssetPath) again when its
// stamp changed, and returns 1 when what is published changed. Only
// regular files are published: a symbolic link could name any file of the
// machine. A file that cannot be read, or is too large, is not published,
// and the log says why.
func (as *assets) read(rel string) int {
	old := as.files[rel]
	drop := func(why string, err error) int {
		if !errors.Is(err, fs.ErrNotExist) {
			as.log.Warn("asset not published", "path", as.display(rel), "reason", why, "err", err)
		}
		if old == nil {
			return 0
		}
		as.forget(rel)
		return 1
	}
	name := filepath.Join(as.abs, filepath.FromSlash(rel))
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
	as.files[rel] = &asset{file: file, stamp: st}
	as.rec.Record(rel, file.ETag, st)
	if old != nil && old.file.ETag == file.ETag {
		return 0
	}
	return 1
}

// forget stops publishing the asset rel.
func (as *assets) forget(rel string) {
	delete(as.files, rel)
	as.rec.Record(rel, "", source.Stamp{})
}

// readLimited reads the regular file name, of at most maxAssetSize bytes.
// Whatever it is replaced with between a stat and the open (a FIFO, a
// device) is refused without blocking.
func readLimited(name string) ([]byte, error) {
	f, _, err := source.OpenRegular(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	body, err := io.ReadAll(io.LimitReader(f, maxAssetSize+1))
	if err == nil && len(body) > maxAssetSize {
		err = errors.New("larger than 8 MiB")
	}
	return body, err
}
