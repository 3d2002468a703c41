//go:build !linux

package main

import "errors"

// waitExited is only implemented on Linux, where /proc/PID/io exists.
func waitExited(pid int) error { return errors.New("not on Linux: no /proc/PID/io") }
