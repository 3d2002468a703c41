package index

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropInPlace says the mapped pages are dropped without reopening the
// file: cheap, and no lock keeps a request waiting.
const dropInPlace = true

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
	return db.View(dropTxPages)
}

// dropTxPages is dropPages for an open read transaction: its size bounds
// the part of the mapping in use, and the mapping cannot move while it is
// open.
func dropTxPages(tx *bolt.Tx) error {
	size := tx.Size()
	if size <= 0 {
		return nil
	}
	if _, _, e := syscall.Syscall(syscall.SYS_MADVISE, tx.DB().Info().Data, uintptr(size), syscall.MADV_DONTNEED); e != 0 {
		return fmt.Errorf("state: dropping mapped pages: %w", e)
	}
	return nil
}

// statm is /proc/self/statm, kept open: reading it again from offset 0
// gives the current figures for a few microseconds, where opening it each
// time costs tens.
var statm struct {
	once sync.Once
	f    *os.File
}

// mappedResident is how much of the process's resident memory is file
// pages (the index's mapping and the program's own text), from
// /proc/self/statm: a cheap read, unlike the per-mapping smaps.
func mappedResident() (int64, bool) {
	statm.once.Do(func() { statm.f, _ = os.Open("/proc/self/statm") })
	if statm.f == nil {
		return 0, false
	}
	var buf [128]byte
	n, err := statm.f.ReadAt(buf[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	// size resident shared text lib data dt, in pages: the third field.
	var field, shared int64
	seen := false
	for _, c := range buf[:n] {
		switch {
		case c == ' ' || c == '\n':
			if seen {
				field++
				seen = false
			}
		case c >= '0' && c <= '9':
			if field == 2 {
				shared = shared*10 + int64(c-'0')
			}
			seen = true
		default:
			return 0, false
		}
		if field > 2 {
			return shared * int64(os.Getpagesize()), true
		}
	}
	return 0, false
}
