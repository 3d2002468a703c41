package source

import (
	"fmt"
	"io/fs"
	"os"
)

// OpenRegular opens the file name for reading and refuses what is not a
// regular file (a directory, a device, a FIFO) with an error that says
// which. The open itself never blocks, so a FIFO without a writer, or a
// file replaced by one between a stat and the open, is refused at once:
// articles and the images published beside them are read the same way.
func OpenRegular(name string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	return f, fi, nil
}
