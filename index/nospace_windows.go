package index

import "syscall"

// ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL and ERROR_WRITE_PROTECT.
var unwritableErrs = []error{syscall.Errno(39), syscall.Errno(112), syscall.Errno(19)}
