//go:build unix

package feedgen

import "syscall"

// openNonblock keeps opening an asset from blocking on a FIFO that has no
// writer; the file is then refused as not a regular file.
const openNonblock = syscall.O_NONBLOCK
