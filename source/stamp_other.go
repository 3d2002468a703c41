//go:build !linux && !openbsd && !dragonfly && !solaris && !darwin && !freebsd && !netbsd

package source

import "io/fs"

// sysStamp has no change time or inode to offer on this system (Windows,
// AIX, Plan 9, wasm): size and modification time decide alone.
func sysStamp(fs.FileInfo) (int64, uint64) { return 0, 0 }
