package index

import (
	"fmt"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

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
