package index

import (
	"fmt"
	"os"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropPages tells the kernel that this process no longer needs the pages
// of the mapped index it touched: they leave its resident set and stay in
// the page cache, to be mapped again on the next access. The mapping is
// shared and read-only, so nothing is lost.
//
// The range is the part of the file in use as a read transaction sees it,
// taken inside that transaction: bbolt cannot remap the file while a read
// transaction is open, and the used part always lies within the mapping.
// (The file itself may be longer than the mapping: bbolt grows it ahead.
// Advising past the mapping would zero whatever memory lies there.)
func dropPages(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		size := tx.Size()
		if size <= 0 {
			return nil
		}
		if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(size), syscall.MADV_DONTNEED); e != 0 {
			return e
		}
		return nil
	})
}

// mappedResident is how much of the process's resident memory is file
// pages (the index's mapping and the program's own text), from
// /proc/self/statm: a cheap read, unlike the per-mapping smaps.
func mappedResident() (int64, bool) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	var size, resident, shared int64
	if _, err := fmt.Sscan(string(b), &size, &resident, &shared); err != nil {
		return 0, false
	}
	return shared * int64(os.Getpagesize()), true
}
