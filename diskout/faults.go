package diskout

import "io"

// Op names a step of replacing a file, for fault injection.
type Op string

// The steps of an atomic replacement, in order.
const (
	OpMkdir  Op = "mkdir"  // creating the file's folder
	OpCreate Op = "create" // creating the temporary file
	OpWrite  Op = "write"  // writing its bytes (a fault here cuts the write in the middle)
	OpSync   Op = "sync"   // flushing it to the disk
	OpRename Op = "rename" // renaming it over the published name
)

// FaultFunc decides whether the step op on the slash path rel (relative to
// the output directory) fails, and with what error; nil lets it run. It
// stands for the faults a real disk gives (ENOSPC, EIO, EDQUOT) where they
// are hard to cause, so the tests of every OS exercise the same recovery.
type FaultFunc func(op Op, rel string) error

// SetFaults makes every later write consult f before each step (nil: no
// faults). For tests.
func (w *Writer) SetFaults(f FaultFunc) {
	w.mu.Lock()
	w.faults = f
	w.mu.Unlock()
}

// fault returns the injected error for op on rel, if any.
func (w *Writer) fault(op Op, rel string) error {
	if w.faults == nil {
		return nil
	}
	return w.faults(op, rel)
}

// cutWriter writes half of what it is given and then fails, as a write
// does when the disk fills up in the middle of a file.
type cutWriter struct {
	w   io.Writer
	err error
}

// Write writes the first half of p and returns the injected error.
func (c *cutWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p[:len(p)/2])
	if err != nil {
		return n, err
	}
	return n, c.err
}
