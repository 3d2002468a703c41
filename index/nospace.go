package index

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// unwritable reports whether err says the state's disk refuses writes for
// lack of room (full, over quota, file too large) or because it is
// read-only: recreating the state in the same place would only fail again.
func unwritable(err error) bool {
	for _, e := range unwritableErrs {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// fallBack leaves the state directory alone and goes on with an empty
// temporary state elsewhere, for the rest of the run: the state is a cache,
// so a disk that refuses its writes must cost speed, never publishing. The
// kept file is not touched: bbolt's transactions leave it as its last
// commit, which the next run checks like any other state.
func (x *Index) fallBack(cause error) error {
	x.opts.Logger.Warn("state: cannot be written; running with a temporary state until the next start",
		"path", x.path, "reason", strings.ReplaceAll(cause.Error(), "\n", ": "), "event", "state_unwritable")
	if x.db != nil {
		x.db.Close()
		x.db = nil
	}
	tmp, err := os.MkdirTemp("", "feedgen-state-")
	if err != nil {
		return fmt.Errorf("state %s: %w; temporary state: %w", x.path, cause, err)
	}
	x.temp, x.path, x.bulk = tmp, filepath.Join(tmp, FileName), false
	x.fellBack.Store(true)
	if err := x.open(); err != nil {
		x.removeTemp()
		return fmt.Errorf("temporary state %s: %w", x.path, err)
	}
	x.Fresh = true
	return nil
}

// Temporary reports whether the index runs on a temporary state although
// a state directory was asked for: the directory is in use by another
// feedgen or its disk refused writes. Publishing is unaffected; a restart
// costs a full read of the source. Safe to call from any goroutine.
func (x *Index) Temporary() bool { return x.fellBack.Load() }
