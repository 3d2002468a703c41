package diskout

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"feedgen/snapshot"
)

// writeFile puts f at rel unless it already holds f's identity bytes, and
// reports whether it wrote.
func (w *Writer) writeFile(root *os.Root, rel string, f *snapshot.File) (bool, error) {
	name := filepath.FromSlash(rel)
	fi, err := root.Lstat(name)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Size() == int64(f.Size()):
		// The size check is the cheap filter; the in-memory record avoids
		// reading the file back on every rebuild after the first.
		if prev, ok := w.onDisk[rel]; ok && prev != "" && prev == f.ETag {
			return false, nil
		}
		if w.trusted(rel, fi, f.ETag) {
			return false, nil
		}
		if old, err := root.ReadFile(name); err == nil && sameBytes(old, f) {
			return false, nil
		}
	case err == nil, errors.Is(err, fs.ErrNotExist):
		// Different size, not a regular file (replaced by the rename, which
		// never follows a symlink), or missing: write.
	default:
		return false, err
	}
	if dir := filepath.Dir(name); dir != "." {
		if err := w.fault(OpMkdir, rel); err != nil {
			return false, err
		}
		if err := root.MkdirAll(dir, 0o755); err != nil {
			return false, err
		}
	}
	return true, w.replace(root, rel, f)
}

// sameBytes reports whether old is f's identity bytes. A compact file is
// compared by tag (the tag is a hash of the identity bytes), which spares
// decompressing it; a plain file by its bytes, which is cheaper than hashing.
func sameBytes(old []byte, f *snapshot.File) bool {
	if f.IsCompact() || f.IsLazy() {
		return f.ETag != "" && snapshot.ETagOf(old) == f.ETag
	}
	return bytes.Equal(old, f.Body)
}

// replace writes f's identity bytes to a temp file beside name and renames
// it over name, so that readers and crashes see either the old or the new
// file, whole.
func (w *Writer) replace(root *os.Root, rel string, f *snapshot.File) (err error) {
	name := filepath.FromSlash(rel)
	if err := w.fault(OpCreate, rel); err != nil {
		return err
	}
	tmp, tmpName, err := createTemp(root, filepath.Dir(name))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = root.Remove(tmpName)
		}
	}()
	var out io.Writer = tmp
	if ferr := w.fault(OpWrite, rel); ferr != nil {
		out = &cutWriter{w: tmp, err: ferr}
	}
	if _, err := f.WriteIdentity(out); err != nil {
		return err
	}
	// Sync before rename: otherwise the rename can reach the disk before
	// the data and a crash leaves an empty file under the final name.
	if err := w.fault(OpSync, rel); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	// CreateTemp-style files are 0600; published files must be readable
	// by the web server user. Chmod is not subject to the umask.
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := w.fault(OpRename, rel); err != nil {
		return err
	}
	return root.Rename(tmpName, name)
}

// createTemp is os.CreateTemp(dir, TempPrefix+"*") confined to root.
func createTemp(root *os.Root, dir string) (*os.File, string, error) {
	for range 100 {
		name := filepath.Join(dir, TempPrefix+strconv.FormatUint(rand.Uint64(), 36))
		f, err := root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, name, err
	}
	return nil, "", fmt.Errorf("%s: cannot create a unique temp file", dir)
}

// syncDir flushes a directory, which makes the renames in it durable.
func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// writeError names the published file a failed write was for, with the
// cause alone: the operation and the temporary file's name that the os
// package adds mean nothing to the user ("writing public/rss.xml: no space
// left on device"). The cause stays wrapped, for errors.Is.
func writeError(dir, rel string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	} else if le := (*os.LinkError)(nil); errors.As(err, &le) {
		err = le.Err
	}
	return fmt.Errorf("writing %s: %w", filepath.Join(dir, filepath.FromSlash(rel)), err)
}
