//go:build !unix && !windows

package index

var unwritableErrs []error
