//go:build unix

package source

import "syscall"

// openNonblock keeps open from blocking on a FIFO that has no writer; the
// file is then refused as not a regular file.
const openNonblock = syscall.O_NONBLOCK

// openNoFollow makes open refuse a symbolic link instead of following it.
const openNoFollow = syscall.O_NOFOLLOW
