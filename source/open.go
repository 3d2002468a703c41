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
	return openRegular(name, 0)
}

// OpenRegularNoFollow is OpenRegular for a file that must not be a
// symbolic link, in one open with no lstat before it: most article files
// are regular files, and a first build opens every one. ok is false when
// the file could not be opened so (a symbolic link, not a regular file, an
// error, or a system whose open cannot refuse links): the caller then
// looks at it first and opens it the careful way, which says why.
func OpenRegularNoFollow(name string) (f *os.File, fi fs.FileInfo, ok bool) {
	if openNoFollow == 0 {
		return nil, nil, false
	}
	f, fi, err := openRegular(name, openNoFollow)
	return f, fi, err == nil
}

func openRegular(name string, flags int) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|openNonblock|flags, 0)
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
