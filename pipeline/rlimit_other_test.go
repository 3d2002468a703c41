//go:build !unix

package pipeline

import (
	"math"
	"testing"
)

// raiseNoFile reports no limit on open files, which this system does not
// set per process the way RLIMIT_NOFILE does.
func raiseNoFile(testing.TB) uint64 { return math.MaxUint64 }
