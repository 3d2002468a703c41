//go:build !linux

package index

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// dropInPlace says the mapped pages are dropped by reopening the file.
const dropInPlace = false

// errNoDrop makes dropAll reopen the file instead, which unmaps it.
var errNoDrop = errors.New("not supported")

// dropPages is done by reopening the file on systems where it is not
// written for madvise.
func dropPages(*bolt.DB) error { return errNoDrop }

// dropTxPages does nothing here: mappedResident is not known, so Tx.trim
// never calls it.
func dropTxPages(*bolt.Tx) error { return nil }

// mappedResident is not known here: the index reopens its file by count
// instead.
func mappedResident() (int64, bool) { return 0, false }
