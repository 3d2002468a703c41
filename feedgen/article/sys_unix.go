//go:build unix

package article

import "syscall"

// syscallNonblock keeps open from blocking on a FIFO that has no writer; the
// file is then refused as not a regular file.
const syscallNonblock = syscall.O_NONBLOCK
