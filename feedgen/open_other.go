//go:build !unix

package feedgen

// openNonblock is zero where FIFOs cannot block an open.
const openNonblock = 0
