//go:build !unix

package feedgen

import "errors"

// mkfifo reports that this system has no named pipes in the file system.
func mkfifo(string) error { return errors.ErrUnsupported }
