//go:build darwin || freebsd || netbsd || dragonfly

package source

import (
	"io/fs"
	"syscall"
)

// sysStamp returns the change time (in nanoseconds) and inode of a file.
func sysStamp(fi fs.FileInfo) (int64, uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int64(st.Ctimespec.Sec)*1e9 + int64(st.Ctimespec.Nsec), uint64(st.Ino)
	}
	return 0, 0
}
