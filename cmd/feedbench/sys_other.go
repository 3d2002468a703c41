//go:build !unix

package main

import "os"

// syncFS does nothing where there is no sync(2); the benchmark's figures
// are taken on Linux.
func syncFS() {}

// maxRSSKB is 0 where there is no ru_maxrss.
func maxRSSKB(*os.ProcessState) int64 { return 0 }
