package websub

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

func sub(topic, cb string, expires time.Time) Subscription {
	return Subscription{Topic: topic, Callback: cb, Secret: "s", Lease: 3600, Expires: expires.UTC().Truncate(time.Second)}
}

// TestStorePersists: what was put survives a reopen; deletions and expiry
// too; the counts follow.
func TestStorePersists(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "websub.db")
	now := time.Now()
	s := OpenStore(path, nil)
	for _, x := range []Subscription{
		sub("https://f/rss.xml", "https://a.example/1", now.Add(time.Hour)),
		sub("https://f/rss.xml", "https://a.example/2", now.Add(time.Hour)),
		sub("https://f/atom.xml", "https://b.example/1", now.Add(-time.Second)),
		sub("https://f/feed.json", "https://a.example/3", now.Add(time.Hour)),
	} {
		if err := s.Put(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Put(sub("https://f/rss.xml", "https://a.example/1", now.Add(2*time.Hour))); err != nil { // renewal
		t.Fatal(err)
	}
	if ok, err := s.Delete("https://f/feed.json", "https://a.example/3"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = OpenStore(path, nil)
	defer s.Close()
	if pt, ph, total := s.Counts("https://f/rss.xml", "a.example"); pt != 2 || ph != 2 || total != 3 {
		t.Fatalf("counts after reopen: topic %d host %d total %d, want 2 2 3", pt, ph, total)
	}
	got, ok := s.Get("https://f/rss.xml", "https://a.example/1")
	if !ok || !got.Expires.Equal(now.Add(2*time.Hour).UTC().Truncate(time.Second)) || got.Secret != "s" {
		t.Fatalf("renewed subscription after reopen: %+v %v", got, ok)
	}
	if a := s.Active("https://f/atom.xml", now); len(a) != 0 {
		t.Fatalf("expired subscription active: %+v", a)
	}
	gone, err := s.Expire(now)
	if err != nil || len(gone) != 1 || gone[0].Callback != "https://b.example/1" {
		t.Fatalf("expire: %+v %v", gone, err)
	}
	s.Close()
	s = OpenStore(path, nil)
	if _, _, total := s.Counts("", ""); total != 2 {
		t.Fatalf("total after expiry and reopen: %d, want 2", total)
	}
}

// TestStoreBadFile: a file that is not a subscriptions file starts empty
// with one log line and is set aside; the new file works.
func TestStoreBadFile(t *testing.T) {
	t.Parallel()
	for name, content := range map[string][]byte{
		"garbage":  bytes.Repeat([]byte("not a bbolt file "), 1000),
		"zeroed":   make([]byte, 64<<10),
		"one byte": {1},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "websub.db")
			if err := os.WriteFile(path, content, 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			s := OpenStore(path, slog.New(slog.NewTextHandler(&logs, nil)))
			defer s.Close()
			if n := strings.Count(logs.String(), "unusable"); n != 1 {
				t.Fatalf("%d log lines about the file, want 1:\n%s", n, logs.String())
			}
			if err := s.Put(sub("https://f/rss.xml", "https://a.example/1", time.Now().Add(time.Hour))); err != nil {
				t.Fatal(err)
			}
			if s.db == nil {
				t.Fatal("kept in memory only; want a new file")
			}
			if _, err := os.Stat(path + ".bad"); err != nil {
				t.Fatalf("bad file not set aside: %v", err)
			}
		})
	}
}

// TestStoreTruncatedFile: a real subscriptions file cut short (a disk
// that lost its tail) starts empty with one log line, without a crash.
func TestStoreTruncatedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "websub.db")
	s := OpenStore(path, nil)
	for i := range 200 { // several pages of 1 KB callbacks
		if err := s.Put(sub("https://f/rss.xml", "https://a.example/"+strings.Repeat("x", 1000)+strconv.Itoa(i), time.Now().Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int64{fi.Size() / 2, 4096 * 3, 100} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s := OpenStore(path, slog.New(slog.NewTextHandler(&logs, nil)))
		_, _, n := s.Counts("", "")
		if err := s.Put(sub("https://f/atom.xml", "https://b.example/", time.Now().Add(time.Hour))); err != nil {
			t.Errorf("size %d: the store is not usable after opening: %v", size, err)
		}
		s.Close()
		if n != 0 && !strings.Contains(logs.String(), "unusable") {
			// bbolt may read a consistent older tree; then nothing is lost
			// that it did not have.
			t.Logf("size %d: %d subscriptions read", size, n)
		}
		if strings.Count(logs.String(), "level=WARN") > 1 {
			t.Errorf("size %d: more than one warning:\n%s", size, logs.String())
		}
	}
}

// TestStoreLockedFile: a file held by another process is left alone; the
// store works in memory.
func TestStoreLockedFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" { // written for flock; Windows locking is not exercised here
		t.Skip()
	}
	path := filepath.Join(t.TempDir(), "websub.db")
	a := OpenStore(path, nil)
	defer a.Close()
	b := OpenStore(path, nil)
	defer b.Close()
	if b.db != nil {
		t.Fatal("second store opened a held file")
	}
	if err := b.Put(sub("https://f/rss.xml", "https://a.example/1", time.Now().Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path + ".bad"); err == nil {
		t.Fatal("a held file was set aside as bad")
	}
}
