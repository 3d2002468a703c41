package serve

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
)

// TestByteCache: what the cache keeps and what it does not, key by key.
func TestByteCache(t *testing.T) {
	t.Parallel()
	calls := map[string]int{}
	var mu sync.Mutex
	body := func(key string, n int, err error) func() ([]byte, error) {
		return func() ([]byte, error) {
			mu.Lock()
			calls[key]++
			mu.Unlock()
			return bytes.Repeat([]byte(key), n), err
		}
	}
	c := newByteCache(10)
	boom := errors.New("boom")
	steps := []struct {
		key     string
		n       int
		err     error
		calls   int // productions of key so far
		entries int
		bytes   int64
	}{
		{"a", 4, nil, 1, 1, 4},
		{"a", 4, nil, 1, 1, 4},   // a hit
		{"b", 4, nil, 1, 2, 8},   // both fit
		{"a", 4, nil, 1, 2, 8},   // a is now the most recent
		{"c", 4, nil, 1, 2, 8},   // b, the least recent, goes
		{"b", 4, nil, 2, 2, 8},   // produced again; a goes
		{"big", 4, nil, 1, 2, 8}, // 12 bytes: returned, not kept
		{"big", 4, nil, 2, 2, 8}, // so produced again
		{"e", 1, boom, 1, 2, 8},  // a failure is returned, not kept
		{"e", 1, boom, 2, 2, 8},  // so tried again
		{"", 1, nil, 1, 2, 8},    // no key: never kept
		{"", 1, nil, 2, 2, 8},
		{"c", 4, nil, 1, 2, 8}, // still there
	}
	for i, s := range steps {
		b, err := c.get(s.key, body(s.key, s.n, s.err))
		if !errors.Is(err, s.err) || (err == nil && !bytes.Equal(b, bytes.Repeat([]byte(s.key), s.n))) {
			t.Fatalf("step %d (%s): %q, %v", i, s.key, b, err)
		}
		if calls[s.key] != s.calls {
			t.Errorf("step %d (%s): produced %d times, want %d", i, s.key, calls[s.key], s.calls)
		}
		if n, used := c.stats(); n != s.entries || used != s.bytes {
			t.Errorf("step %d (%s): %d entries, %d bytes; want %d, %d", i, s.key, n, used, s.entries, s.bytes)
		}
	}
	// "ten" is 3 bytes: with c (4, most recent) and b (4) that is 11, over
	// 10, so the least recent, b, goes.
	if _, err := c.get("ten", body("ten", 1, nil)); err != nil {
		t.Fatal(err)
	}
	if n, used := c.stats(); n != 2 || used != 7 || c.m["b"] != nil || c.m["c"] == nil {
		t.Errorf("after ten: %d entries, %d bytes, b kept %v", n, used, c.m["b"] != nil)
	}

	// Nothing is kept with max <= 0.
	off := newByteCache(-1)
	for range 2 {
		if _, err := off.get("a", body("off", 1, nil)); err != nil {
			t.Fatal(err)
		}
	}
	if n, used := off.stats(); n != 0 || used != 0 || calls["off"] != 2 {
		t.Errorf("disabled: %d entries, %d bytes, %d productions", n, used, calls["off"])
	}
}

// TestByteCacheSingleFlight: callers that miss one key at the same time
// share one production, kept (get) or not (shared), error included.
func TestByteCacheSingleFlight(t *testing.T) {
	t.Parallel()
	for _, keep := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			c := newByteCache(1 << 10)
			gate := make(chan struct{})
			var calls int
			produce := func() ([]byte, error) {
				calls++ // only ever one producer at a time: checked below
				<-gate
				return []byte("body"), errors.New("late")
			}
			var wg sync.WaitGroup
			got := make([]error, 8)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var b []byte
					if keep {
						b, got[i] = c.get("k", produce)
					} else {
						b, got[i] = c.shared("k", produce)
					}
					if string(b) != "body" {
						t.Errorf("caller %d: %q", i, b)
					}
				}()
			}
			synctest.Wait() // one producing, seven waiting for it
			close(gate)
			wg.Wait()
			for i, err := range got {
				if err == nil || err.Error() != "late" {
					t.Errorf("keep %v, caller %d: %v", keep, i, err)
				}
			}
			if calls != 1 {
				t.Errorf("keep %v: %d productions for 8 callers, want 1", keep, calls)
			}
			if n, _ := c.stats(); n != 0 || len(c.m) != 0 || len(c.flights) != 0 {
				t.Errorf("keep %v: a failure left %d entries, %d pending, %d flights", keep, n, len(c.m), len(c.flights))
			}
		})
	}
}
