package layout

import (
	"cmp"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Archived feeds (RFC 5005 section 4). Each feed's items that its
// subscription document no longer shows are published by month of
// publication, in the feed's folder:
//
//	/archive/2026/11/rss.xml              the global feed's November 2026
//	/category/SLUG/archive/2026/11/atom.xml
//	/tag/TAG/archive/2026/11/feed.json
//
// A month is the calendar month of the item's publication time in UTC: one
// fixed rule, so that a month is one contiguous range of a feed's members
// (kept in order of the instant), whatever offset each article was written
// with.

// ArchiveFolder is the name of the folder that holds a feed's archive.
const ArchiveFolder = "archive"

// ArchiveCacheControl is the Cache-Control of the archive documents that
// only an edit, deletion or backdated addition in their month changes: a day,
// since such edits are rare; the strong ETag makes the check afterwards cheap.
// It is not "immutable", because an edit does rewrite the month. The newest
// archive document of a feed changes whenever items roll off the
// subscription feed into it and is served like the feeds themselves.
const ArchiveCacheControl = "public, max-age=86400"

// Month is a calendar month in UTC, the unit of a feed's archive.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month of the instant t, in UTC.
func MonthOf(t time.Time) Month {
	u := t.UTC()
	return Month{u.Year(), u.Month()}
}

// IsZero reports whether m is the zero Month, which stands for "none".
func (m Month) IsZero() bool { return m.Year == 0 && m.Month == 0 }

// Before reports whether m is earlier than o.
func (m Month) Before(o Month) bool { return m.Compare(o) < 0 }

// Compare orders months by time: -1 when m is earlier than o, +1 when
// later, 0 when they are the same month. It is the comparator for
// slices.SortFunc (oldest first; reverse the arguments for newest first).
func (m Month) Compare(o Month) int {
	if c := cmp.Compare(m.Year, o.Year); c != 0 {
		return c
	}
	return cmp.Compare(m.Month, o.Month)
}

// String is the month as "2026-11".
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// dir is the month's folder below a feed's folder: "/archive/2026/11".
func (m Month) dir() string {
	return fmt.Sprintf("/%s/%04d/%02d", ArchiveFolder, m.Year, int(m.Month))
}

// ArchivePath is the slash path of feed k's archive document for month m in
// format f.
func (k FeedKey) ArchivePath(m Month, f Format) string {
	return k.Dir() + m.dir() + "/" + f.FileName()
}

// ArchiveURL is the absolute URL of feed k's archive document for month m
// in format f below base (which ends with a slash).
func (k FeedKey) ArchiveURL(base string, m Month, f Format) string {
	if d := k.Kind.Folder(); d != "" {
		return base + d + "/" + url.PathEscape(k.Name) + m.dir() + "/" + f.FileName()
	}
	return base + m.dir()[1:] + "/" + f.FileName()
}

// IsYearFolder reports whether name is a year folder of an archive ("2026").
func IsYearFolder(name string) bool { return len(name) == 4 && digits(name) }

// IsMonthFolder reports whether name is a month folder of an archive ("11").
func IsMonthFolder(name string) bool { return len(name) == 2 && digits(name) }

// IsArchive reports whether the published path p is an archive document.
// Category and tag names never hold a slash, so the last four segments
// decide it.
func IsArchive(p string) bool {
	seg := strings.Split(p, "/")
	if len(seg) < 5 {
		return false
	}
	n := len(seg)
	if seg[n-4] != ArchiveFolder || !IsYearFolder(seg[n-3]) || !IsMonthFolder(seg[n-2]) {
		return false
	}
	switch seg[n-1] {
	case RSS.FileName(), Atom.FileName(), JSON.FileName():
	default:
		return false
	}
	switch {
	case n == 5: // "", archive, yyyy, mm, file
		return seg[0] == ""
	case n == 7:
		return seg[0] == "" && (seg[1] == KindCategory.Folder() || seg[1] == KindTag.Folder()) && seg[2] != ""
	}
	return false
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// IsFeed reports whether the published path p is a current feed's file (a
// format's file in the site root or a category's or tag's folder): what a
// WebSub subscriber follows and a hub is told about. Pages, the OPML list
// and archive documents (fixed once their month is over, and never
// subscribed to) are not.
func IsFeed(p string) bool {
	if IsArchive(p) {
		return false
	}
	dir, file := path.Split(p)
	if file != RSS.FileName() && file != Atom.FileName() && file != JSON.FileName() {
		return false
	}
	if dir == "/" {
		return true // the global feed
	}
	seg := strings.Split(dir, "/") // "", folder, name, ""
	return len(seg) == 4 && seg[2] != "" && (seg[1] == KindCategory.Folder() || seg[1] == KindTag.Folder())
}
