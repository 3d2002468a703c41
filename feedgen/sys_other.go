//go:build !unix

package feedgen

// syscallNonblock is zero where FIFOs cannot block an open.
const syscallNonblock = 0
