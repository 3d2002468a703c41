//go:build darwin || freebsd || netbsd

package source

import (
	"io/fs"
	"syscall"
)

// sysStamp returns the change time (in nanoseconds) and inode of a file.
func sysStamp(fi fs.FileInfo) (int64, uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ctimespec.Nano(), uint64(st.Ino)
	}
	return 0, 0
}
