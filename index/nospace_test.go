package index

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestUnwritableFallsBack: a state whose disk refuses writes (as reported
// by a failed transaction) is left as it is, and the index goes on in an
// empty temporary state, saying so once; other damage is rebuilt in place.
func TestUnwritableFallsBack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cause    error
		fallBack bool
	}{
		{fmt.Errorf("write index.db: %w", syscall.ENOSPC), true},
		{errors.Join(errors.New("state"), syscall.EDQUOT), true},
		{syscall.EROFS, true},
		{errors.New("damaged state: unexpected fault address"), false},
	} {
		t.Run(tc.cause.Error(), func(t *testing.T) {
			dir := t.TempDir()
			var logs bytes.Buffer
			x, err := Open(Options{Dir: dir, Source: "/src", Scan: "s", Render: "r", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			kept := filepath.Join(dir, FileName)
			before, err := os.Stat(kept)
			if err != nil {
				t.Fatal(err)
			}
			if x.Temporary() {
				t.Fatal("Temporary() before any fault")
			}
			if err := x.Reset(tc.cause); err != nil {
				t.Fatal(err)
			}
			if x.Temporary() != tc.fallBack {
				t.Errorf("Temporary() = %v after Reset(%v), want %v", x.Temporary(), tc.cause, tc.fallBack)
			}
			moved := filepath.Dir(x.Path()) != dir
			if moved != tc.fallBack {
				t.Fatalf("state at %s after Reset(%v); fall back: %v, want %v", x.Path(), tc.cause, moved, tc.fallBack)
			}
			if !x.Fresh {
				t.Error("the index after Reset is not fresh")
			}
			if _, err := x.Update(func(t *Tx) error { return t.b(bMeta).Put([]byte("probe"), []byte{1}) }); err != nil {
				t.Errorf("the index after Reset cannot be written: %v", err)
			}
			if !tc.fallBack {
				return
			}
			after, err := os.Stat(kept)
			if err != nil || !os.SameFile(before, after) {
				t.Errorf("the kept state was replaced or removed (%v)", err)
			}
			if n := bytes.Count(logs.Bytes(), []byte("event=state_unwritable")); n != 1 {
				t.Errorf("logged %d times, want once:\n%s", n, logs.String())
			}
			tmp := filepath.Dir(x.Path())
			x.Close()
			if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary state %s not removed by Close (%v)", tmp, err)
			}
		})
	}
}
