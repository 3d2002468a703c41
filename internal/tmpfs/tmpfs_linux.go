package tmpfs

import (
	"os"
	"strconv"
	"syscall"
)

func mount(dir string, size int64) error {
	if os.Geteuid() != 0 {
		return syscall.EPERM
	}
	return syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+strconv.FormatInt(size, 10)+",mode=0755")
}

func unmount(dir string) error {
	// Lazy: a file a failed test left open must not make the cleanup fail.
	return syscall.Unmount(dir, syscall.MNT_DETACH)
}

func freeBytes(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}
