// Package source says what in a source directory is an article, what is an
// asset published as it is (an image), and how a version of a file is
// recognised without reading it. The generator, the watcher and the index
// all read these definitions, so that a full walk and the event stream
// never disagree about what exists.
package source

import (
	"io/fs"
	"path"
	"strings"

	"feedgen/layout"
)

// ConfigName is the name of the site configuration a source directory may
// carry at its top, which build and serve read when no -config is given.
// Its extension is none of articleExts: IsArticlePath, the one definition
// of an article, never takes it for one.
const ConfigName = "feedgen.yaml"

// articleExts are the file name extensions read as articles. Everything
// else in the source directory is not an article: images are published as
// assets (IsAssetPath), and the rest (notes, archives) is skipped without a
// word.
var articleExts = map[string]bool{".txt": true, ".md": true, ".markdown": true, ".html": true, ".htm": true}

// IsArticlePath reports whether the file at slash path rel (relative to the
// source directory) is read as an article: its extension is one of .txt,
// .md, .markdown, .html, .htm, and no part of the path is hidden or an
// editor's temporary, swap or backup file.
func IsArticlePath(rel string) bool {
	if Skipped(rel) {
		return false
	}
	return articleExts[strings.ToLower(path.Ext(rel))]
}

// IsAssetPath reports whether the file at slash path rel is published as it
// is, beside the feeds, at the same path: an image the articles may show
// (layout.AssetType: png, jpg, jpeg, gif, webp), under the same rule of
// hidden and temporary names as articles. An asset is never an article.
func IsAssetPath(rel string) bool {
	return !Skipped(rel) && layout.AssetType(rel) != ""
}

// Skipped reports whether any component of the slash path rel is a name
// that SkipName skips: such a path, and everything below it, is not ours.
func Skipped(rel string) bool {
	for c := range strings.SplitSeq(rel, "/") {
		if SkipName(c) {
			return true
		}
	}
	return false
}

// SkipName reports whether a file or directory name is hidden or belongs to
// an editor, a version-control tool or a downloader (swap, backup, lock,
// auto-save and partial files), which create and delete such files as a
// side effect rather than as content.
func SkipName(name string) bool {
	switch {
	case name == "" || name == ".":
		// Empty components come from leading, trailing or double slashes,
		// and "." from a relative root: neither is a name of its own.
		return false
	case name == "..":
		// A path escaping the root is never ours.
		return true
	case strings.HasPrefix(name, "."):
		// Hidden files and folders, Emacs lock files (.#*), VCS metadata.
		return true
	case strings.HasPrefix(name, "#"), strings.HasSuffix(name, "~"):
		// Emacs auto-save files, backup files.
		return true
	case name == "4913":
		// Vim creates and deletes this to probe whether a folder is writable.
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload", ".bak":
		return true
	}
	return false
}

// Stamp identifies a version of a file without reading it, as make and
// rsync do: a file whose size, modification time, change time and inode are
// the same is taken to be unchanged. On systems without change times or
// inodes (Windows) those fields are zero and size and modification time
// decide alone.
type Stamp struct {
	Size, MTime, CTime int64
	Ino                uint64
}

// StampOf returns the stamp of a file from its information.
func StampOf(fi fs.FileInfo) Stamp {
	s := Stamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano()}
	s.CTime, s.Ino = sysStamp(fi)
	return s
}

// Inode returns the inode number of a file, or 0 where the system has none.
func Inode(fi fs.FileInfo) uint64 {
	_, ino := sysStamp(fi)
	return ino
}
