package diskout

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"feedgen/layout"
	"feedgen/snapshot"
)

// bigFile is a file large enough for gzip to shrink, made compact: its
// identity bytes exist only in its gzip form.
func bigFile(path, word string) *snapshot.File {
	body := strings.Repeat("<item>"+word+"</item>\n", 300)
	f := snapshot.NewPlainFile(path, layout.TypeRSS, []byte(body), modTime).Compact()
	if !f.IsCompact() {
		panic("test file not compact")
	}
	return f
}

func mustBegin(t *testing.T, w *Writer) *Stream {
	t.Helper()
	s, err := w.Begin()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestStream proves the stream API does what Write does, file by file:
// Put reports whether it wrote, Finish removes the owned files no Put
// named (with emptied directories, sparing user files) and returns the
// same Result as a Write of the same set into an identical directory.
func TestStream(t *testing.T) {
	t.Parallel()
	extra := []*snapshot.File{
		file("/category/gone/rss.xml", "x"),
		file("/tag/shared/rss.xml", "x"),
	}
	first := append(baseFiles(), extra...)
	second := append(baseFiles()[1:], bigFile("/category/new/rss.xml", "new")) // drops /rss.xml and extra
	second[0] = file("/atom.xml", "ATOM")                                      // changed, same size

	wS, dirS := newWriter(t) // streamed
	wW, dirW := newWriter(t) // written whole, for comparison
	for _, dir := range []string{dirS, dirW} {
		writeFiles(t, dir, map[string]string{"tag/shared/notes.txt": "mine"})
	}
	for round, files := range [][]*snapshot.File{first, second} {
		st := mustBegin(t, wS)
		var written []string
		for _, f := range files {
			w, err := st.Put(f)
			if err != nil {
				t.Fatalf("round %d: Put %s: %v", round, f.Path, err)
			}
			if w {
				written = append(written, f.Path)
			}
		}
		res, err := st.Finish()
		if err != nil {
			t.Fatal(err)
		}
		want := mustWrite(t, wW, snap(files...))
		if res != want {
			t.Errorf("round %d: stream result %+v, Write result %+v", round, res, want)
		}
		if got, wantTree := strings.Join(tree(t, dirS), "\n"), strings.Join(tree(t, dirW), "\n"); got != wantTree {
			t.Errorf("round %d: streamed tree\n%s\nwritten tree\n%s", round, got, wantTree)
		}
		checkTree(t, dirS, snap(files...), false)
		switch round {
		case 0:
			if len(written) != len(first) {
				t.Errorf("round 0: Put wrote %v", written)
			}
		case 1:
			if strings.Join(written, ",") != "/atom.xml,/category/new/rss.xml" {
				t.Errorf("round 1: Put wrote %v, want the changed and the new file", written)
			}
			if res.Removed != 3 {
				t.Errorf("round 1: removed %d, want 3 (/rss.xml and the extras)", res.Removed)
			}
		}
	}
	got := strings.Join(tree(t, dirS), "\n")
	if strings.Contains(got, "category/gone") || !strings.Contains(got, "tag/shared/notes.txt") {
		t.Errorf("stale directory kept or user file removed:\n%s", got)
	}
}

// TestStreamCompact proves a compact file is written as its identity bytes,
// is recognised as unchanged both from memory and, by a new Writer, from
// the disk (compared by tag, without decompressing), and is rewritten when
// its bytes change at the same size.
func TestStreamCompact(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	f := bigFile("/rss.xml", "one")
	s := snap(f)
	if res := mustWrite(t, w, s); res != (Result{Written: 1}) {
		t.Fatalf("first write %+v", res)
	}
	checkTree(t, dir, s, false)
	if got, _ := os.ReadFile(filepath.Join(dir, "rss.xml")); len(got) != f.Size() || len(got) <= len(f.Gzip) {
		t.Fatalf("wrote %d bytes, want the %d identity bytes", len(got), f.Size())
	}
	ageAll(t, dir, s)
	for _, fresh := range []bool{false, true} {
		if fresh {
			w = writerIn(t, dir)
		}
		st := mustBegin(t, w)
		// A new File with the same bytes, as a rebuild would make.
		if wrote, err := st.Put(bigFile("/rss.xml", "one")); wrote || err != nil {
			t.Errorf("fresh=%v: unchanged compact file: wrote=%v err=%v", fresh, wrote, err)
		}
		if res, err := st.Finish(); err != nil || res != (Result{Unchanged: 1}) {
			t.Errorf("fresh=%v: %+v %v", fresh, res, err)
		}
		checkTree(t, dir, s, true)
	}
	g := bigFile("/rss.xml", "two") // same length, other bytes
	if g.Size() != f.Size() {
		t.Fatal("test needs equal sizes")
	}
	st := mustBegin(t, w)
	if wrote, err := st.Put(g); !wrote || err != nil {
		t.Errorf("changed compact file: wrote=%v err=%v", wrote, err)
	}
	if _, err := st.Finish(); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dir, snap(g), false)
}

// TestStreamLifecycle proves Put errors come back from Put and again from
// Finish, a stream holds the Writer until it ends, Abort removes nothing,
// and a finished stream refuses further use.
func TestStreamLifecycle(t *testing.T) {
	t.Parallel()
	w, dir := newWriter(t)
	mustWrite(t, w, snap(baseFiles()...))

	st := mustBegin(t, w)
	if _, err := st.Put(file("/../evil", "x")); err == nil || !strings.Contains(err.Error(), "unsafe path") {
		t.Errorf("Put of an unsafe path: %v", err)
	}
	if wrote, err := st.Put(file("/rss.xml", "new rss")); !wrote || err != nil {
		t.Errorf("Put: %v %v", wrote, err)
	}
	// Another write waits for the stream. Write starts by taking the
	// Writer's lock (Begin): while the stream holds it, no Write can run,
	// which the test checks without waiting on a clock.
	if w.mu.TryLock() {
		w.mu.Unlock()
		t.Fatal("the open stream does not hold the Writer: a Write could run")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := w.Write(snap(baseFiles()...)); err != nil {
			t.Error(err)
		}
	}()
	select {
	case <-done:
		t.Fatal("Write ran while a stream was open")
	default:
	}
	// Abort: /rss.xml stays written and nothing Put-less is removed.
	st.Abort()
	<-done // the Write can run now, and restores the base tree
	checkTree(t, dir, snap(baseFiles()...), false)

	st = mustBegin(t, w)
	_, _ = st.Put(file("/../evil", "x"))
	_, _ = st.Put(file("/rss.xml", "changed again"))
	st.Abort()
	if got, _ := os.ReadFile(filepath.Join(dir, "atom.xml")); string(got) != "atom" {
		t.Error("Abort removed a file")
	}

	st = mustBegin(t, w)
	_, _ = st.Put(file("/../evil", "x"))
	res, err := st.Finish()
	if err == nil || !strings.Contains(err.Error(), `"/../evil"`) {
		t.Errorf("Finish does not report the Put error: %v", err)
	}
	if res.Removed != len(baseFiles()) {
		t.Errorf("Finish removed %d, want every base file", res.Removed)
	}
	if _, err := st.Put(file("/rss.xml", "x")); !errors.Is(err, errEnded) {
		t.Errorf("Put after Finish: %v", err)
	}
	if _, err := st.Finish(); !errors.Is(err, errEnded) {
		t.Errorf("second Finish: %v", err)
	}
	st.Abort() // no-op, must not unlock twice
	if _, err := w.Write(snap(baseFiles()...)); err != nil {
		t.Fatal(err)
	}
}
