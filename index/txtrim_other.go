//go:build !linux

package index

import bolt "go.etcd.io/bbolt"

// dropTxPages does nothing here: mappedResident is not known, so Tx.Trim
// never calls it.
func dropTxPages(*bolt.Tx) error { return nil }
