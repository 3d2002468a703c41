//go:build linux || openbsd

package source

import (
	"io/fs"
	"syscall"
)

// sysStamp returns the change time (in nanoseconds) and inode of a file.
func sysStamp(fi fs.FileInfo) (int64, uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctim.Sec*1e9 + st.Ctim.Nsec, st.Ino
	}
	return 0, 0
}
