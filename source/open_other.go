//go:build !unix

package source

// openNonblock is zero where FIFOs cannot block an open.
const openNonblock = 0

// openNoFollow is zero where open cannot refuse a symbolic link: callers
// then look before they open (OpenRegularNoFollow).
const openNoFollow = 0
