//go:build !unix

package article

// syscallNonblock is zero where FIFOs cannot block an open.
const syscallNonblock = 0
