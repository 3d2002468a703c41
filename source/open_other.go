//go:build !unix

package source

// openNonblock is zero where FIFOs cannot block an open.
const openNonblock = 0
