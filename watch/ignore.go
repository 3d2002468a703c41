package watch

import (
	"path/filepath"
	"strings"
)

// DefaultIgnore reports whether relPath (relative to the watched root, either
// separator) names something editors, VCS tools or downloaders create as a
// side effect rather than content: hidden entries, swap/backup/lock files and
// partial downloads. Every path component is checked, so anything inside a
// hidden or temporary directory is ignored too. It is exported so that a full
// tree walk can apply exactly the rule the watcher applies to events;
// otherwise a rescan and the event stream would disagree about what exists.
func DefaultIgnore(relPath string) bool {
	for _, c := range strings.Split(filepath.ToSlash(relPath), "/") {
		if ignoredName(c) {
			return true
		}
	}
	return false
}

// ignoredName applies the default rule to one path component.
func ignoredName(name string) bool {
	switch {
	case name == "" || name == ".":
		// Empty components come from leading/trailing/double slashes and
		// "." from a relative root; neither is a name of its own.
		return false
	case name == "..":
		// A path escaping the root is never ours to report.
		return true
	case strings.HasPrefix(name, "."):
		// Hidden files and dirs, which also covers Emacs lock files (.#*)
		// and VCS metadata (.git).
		return true
	case name == "4913":
		// Vim creates and deletes this to probe whether a directory is
		// writable before saving.
		return true
	case strings.HasSuffix(name, "~"):
		return true
	case len(name) >= 2 && strings.HasPrefix(name, "#") && strings.HasSuffix(name, "#"):
		// Emacs auto-save files.
		return true
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".swp", ".swo", ".swx", ".tmp", ".part", ".crdownload":
		return true
	}
	return false
}
