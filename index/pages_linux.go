package index

import (
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropPages tells the kernel that this process no longer needs the pages
// of the mapped index it touched: they leave its resident set and stay in
// the page cache, to be mapped again on the next access. The mapping is
// shared and read-only, so nothing is lost; no lock is needed.
func dropPages(db *bolt.DB) error {
	fi, err := os.Stat(db.Path())
	if err != nil || fi.Size() == 0 {
		return err
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(fi.Size()), syscall.MADV_DONTNEED); e != 0 {
		return e
	}
	return nil
}
