//go:build unix

package index

import "syscall"

var unwritableErrs = []error{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG, syscall.EROFS}
