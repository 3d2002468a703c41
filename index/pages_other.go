//go:build !linux

package index

import (
	"errors"

	bolt "go.etcd.io/bbolt"
)

// errNoDrop makes DropPages reopen the file instead, which unmaps it.
var errNoDrop = errors.New("not supported")

// dropPages is done by reopening the file on systems where it is not
// written for madvise.
func dropPages(*bolt.DB) error { return errNoDrop }

// mappedResident is not known here: Trim drops by count instead.
func mappedResident() (int64, bool) { return 0, false }
