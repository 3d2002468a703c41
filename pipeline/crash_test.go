package pipeline

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"feedgen/diskout"
	"feedgen/internal/feedcheck"
	"feedgen/internal/soak"
)

// The crash test kills the real binary with SIGKILL at random moments
// while it writes its output tree and its state, and checks that no torn
// file is ever left behind and that the next clean build, from the state
// the kill left, writes exactly what a build without state writes. Full
// run:
//
//	FEEDGEN_CRASH_ITERATIONS=200 go test -run Crash -v ./pipeline/
//
// (half of the kills hit "feedgen build", half "feedgen serve -out").

// crashIterations is the number of kills: FEEDGEN_CRASH_ITERATIONS, or 20
// (CI: each kill costs three runs of the binary and a check of its tree
// under -race; each CI run draws a new seed).
func crashIterations(t *testing.T) int {
	if s := os.Getenv("FEEDGEN_CRASH_ITERATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 2 {
			t.Fatalf("FEEDGEN_CRASH_ITERATIONS=%q: want an integer of at least 2", s)
		}
		return n
	}
	return 20
}

// crashBase is the base URL every run uses, so that outputs compare.
const crashBase = "https://feeds.example.com/"

// buildBinary compiles cmd/feedgen into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "feedgen")
	cmd := exec.Command("go", "build", "-o", bin, "feedgen/cmd/feedgen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// crashRig holds what the kills share.
type crashRig struct {
	t        *testing.T
	bin      string
	src, out string
	fresh    string // the reference build's output
	state    string // the state directory of every run but the reference
	valid    map[[32]byte]bool
	kills    int
	runs     int
	// lastBuild is how long the last reference build took: the kill
	// delays are drawn from it, since a build over the same changes takes
	// about as long.
	lastBuild time.Duration
	torn      int // kills that left temp files behind
	r         *rand.Rand
}

// build runs feedgen build to completion and fails the test unless it
// exits 0.
func (c *crashRig) build(out string) {
	c.t.Helper()
	// The killed runs and the recovering build share a state directory, so
	// that a kill also hits the state's writes; the reference build keeps
	// none, so that it is what the articles alone give.
	state := c.state
	if out == c.fresh {
		state = ""
	}
	cmd := exec.Command(c.bin, "build", "-src", c.src, "-out", out, "-base-url", crashBase, "-allow-invalid", "-log-format", "json", "-state", state)
	if b, err := cmd.CombinedOutput(); err != nil {
		c.t.Fatalf("feedgen build -out %s: %v\n%s", out, err, b)
	}
}

// freshTree returns what a fresh build of the current source writes. The
// reference build runs the binary (so that a -race test binary does not
// slow it down) into a directory of its own that no run is ever killed in.
func (c *crashRig) freshTree() map[string][]byte {
	c.t.Helper()
	start := time.Now()
	c.build(c.fresh)
	c.lastBuild = time.Since(start)
	return readTree(c.t, c.fresh)
}

// checkAfterKill checks that every file under out is complete: no empty
// file, and each file either holds exactly a version known to be complete
// (known, typically the trees before and after the run), or is a
// well-formed document that feedcheck accepts (a torn file is neither).
// feedcheck is slow (tens of milliseconds a feed), so by default it runs
// on up to five unknown files per kill, and on every one when
// FEEDGEN_CRASH_ITERATIONS is set; the quick well-formedness check always
// runs. With strict, every file must be one of the known versions (a
// killed build has nothing in between). Leftover temp files are allowed
// and counted.
func (c *crashRig) checkAfterKill(what string, strict bool, known ...map[string][]byte) {
	c.t.Helper()
	temps, checked := 0, 0
	full := os.Getenv("FEEDGEN_CRASH_ITERATIONS") != ""
	for p, body := range readTree(c.t, c.out) {
		name := filepath.Base(p)
		if strings.HasPrefix(name, diskout.TempPrefix) {
			temps++
			continue
		}
		if len(body) == 0 {
			c.t.Fatalf("%s: %s is empty", what, p)
		}
		isKnown := false
		for _, k := range known {
			isKnown = isKnown || bytes.Equal(k[p], body)
		}
		sum := sha256.Sum256(body)
		if isKnown {
			continue
		}
		if strict {
			c.t.Fatalf("%s: %s (%d bytes) is neither the version before the run nor the one after it", what, p, len(body))
		}
		if c.valid[sum] {
			continue
		}
		if err := wellFormed(name, body); err != nil {
			c.t.Fatalf("%s: %s (%d bytes) is not a complete file: %v", what, p, len(body), err)
		}
		if full || checked < 5 {
			checked++
			if err := feedcheck.Check(p, body); err != nil {
				c.t.Fatalf("%s: %s (%d bytes) is not a complete file: %v", what, p, len(body), err)
			}
			c.valid[sum] = true
		}
	}
	if temps > 0 {
		c.torn++
	}
}

// wellFormed is a fast completeness check: XML parses to its last end
// tag, JSON is valid, HTML ends with its closing tag.
func wellFormed(name string, body []byte) error {
	switch filepath.Ext(name) {
	case ".json":
		if !json.Valid(body) {
			return errors.New("invalid JSON")
		}
	case ".xml", ".opml":
		d := xml.NewDecoder(bytes.NewReader(body))
		depth, roots := 0, 0
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			switch tok.(type) {
			case xml.StartElement:
				if depth == 0 {
					roots++
				}
				depth++
			case xml.EndElement:
				depth--
			}
		}
		if depth != 0 || roots != 1 {
			return fmt.Errorf("XML ends at depth %d with %d root elements", depth, roots)
		}
	case ".html":
		if !bytes.HasSuffix(bytes.TrimSpace(body), []byte("</html>")) {
			return errors.New("HTML does not end with </html>")
		}
	default:
		return errors.New("unexpected file")
	}
	return nil
}

// recover runs a clean build over out and checks that it removed every
// temp file and left exactly want, what a fresh build writes.
func (c *crashRig) recover(what string, want map[string][]byte) {
	c.t.Helper()
	c.build(c.out)
	got := readTree(c.t, c.out)
	for p := range got {
		if strings.HasPrefix(filepath.Base(p), diskout.TempPrefix) {
			c.t.Fatalf("%s: the clean build left the temp file %s", what, p)
		}
	}
	if d := diffTrees("fresh build", want, "rebuilt after kill", got); d != "" {
		c.t.Fatalf("%s: the clean build after the kill differs from a fresh build: %s", what, d)
	}
}

// killAfter starts cmd, sends it SIGKILL after delay (unless it exited
// first) and reports whether the kill happened.
func killAfter(t *testing.T, cmd *exec.Cmd, delay time.Duration) bool {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return false
	case <-time.After(delay):
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the process did not die 20s after SIGKILL")
	}
	return true
}

func TestCrashSafety(t *testing.T) {
	parallel(t)
	if testing.Short() {
		t.Skip("builds and kills the binary many times")
	}
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGKILL")
	}
	n := crashIterations(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d, %d kills", seed, n)
	bin := buildBinary(t)
	// 300 articles in the full run; 150 by default, to keep CI under
	// half a minute (the kill windows scale with the build time anyway).
	articles := 150
	if os.Getenv("FEEDGEN_CRASH_ITERATIONS") != "" {
		articles = 300
	}
	// Half of the kills hit "feedgen build", half "feedgen serve -out",
	// each half in crashChains chains. A chain shares nothing with the
	// others but the binary (its own articles, drawn from seed+chain,
	// output, reference and state), so the chains run at once: each is a
	// sequence of runs of the binary that only its own results order.
	var subs []subtest
	for k, kind := range []string{"Build", "Serve"} {
		kills := n / 2
		if kind == "Serve" {
			kills = n - n/2
		}
		chains := min(crashChains, kills)
		for i := range chains {
			want := kills / chains
			if i < kills%chains {
				want++
			}
			chainSeed := seed + uint64(1000*k+i)
			subs = append(subs, subtest{fmt.Sprintf("%s%d", kind, i+1), func(t *testing.T) {
				c, mut := newCrashRig(t, bin, articles, chainSeed)
				if kind == "Build" {
					c.killBuilds(mut, want)
				} else {
					c.killServes(mut, want)
				}
				c.report(want)
			}})
		}
	}
	runAtOnce(t, subs)
}

// crashChains is how many chains of kills of each kind run at once.
const crashChains = 2

// killBuilds kills "feedgen build" until want runs were killed before
// they finished (or after twice that many runs): after each kill the
// output holds only complete files of the version before or after the
// run, and a clean build recovers it.
func (c *crashRig) killBuilds(mut *soak.Mutator, want int) {
	t := c.t
	prev := readTree(t, c.out)
	for i := 0; c.kills < want && i < 2*want; i++ {
		// Change the newest articles so that the build rewrites
		// feeds, and remember what a fresh build of them writes.
		if err := mut.Edit(5); err != nil {
			t.Fatal(err)
		}
		next := c.freshTree()
		delay := time.Duration(c.r.Int64N(int64(c.lastBuild) * 7 / 10))
		cmd := exec.Command(c.bin, "build", "-src", c.src, "-out", c.out, "-base-url", crashBase, "-allow-invalid", "-state", c.state)
		what := fmt.Sprintf("build kill %d after %v", i, delay.Round(time.Millisecond))
		c.runs++
		if killAfter(t, cmd, delay) {
			c.kills++
		}
		c.checkAfterKill(what, true, prev, next)
		c.recover(what, next)
		prev = next
	}
}

// killServes kills "feedgen serve -out" want times while articles change
// under it: after each kill the output holds only complete files, and a
// clean build recovers it.
func (c *crashRig) killServes(mut *soak.Mutator, want int) {
	t := c.t
	prev := readTree(t, c.out)
	for i := 0; c.kills < want; i++ {
		stop := make(chan struct{})
		edited := make(chan error, 1)
		go func() {
			// Keep the daemon rewriting: a few articles every 20ms.
			for {
				select {
				case <-stop:
					edited <- nil
					return
				case <-time.After(20 * time.Millisecond):
				}
				if err := mut.Edit(2); err != nil {
					edited <- err
					return
				}
			}
		}()
		// Between the first write (startup) and well into the
		// incremental updates. A serve starts with a full build, as
		// long as the last reference build (the machine's load, with
		// other tests running, changes over the run).
		delay := c.lastBuild/4 + time.Duration(c.r.Int64N(int64(c.lastBuild)))
		cmd := exec.Command(c.bin, "serve", "-src", c.src, "-out", c.out, "-addr", "127.0.0.1:0",
			"-base-url", crashBase, "-debounce", "10ms", "-max-delay", "100ms", "-state", c.state)
		stderr, _ := cmd.StderrPipe()
		go func() { _, _ = io.Copy(io.Discard, bufio.NewReader(stderr)) }()
		what := fmt.Sprintf("serve kill %d after %v", i, delay.Round(time.Millisecond))
		c.runs++
		if killAfter(t, cmd, delay) {
			c.kills++
		} else {
			t.Fatalf("%s: feedgen serve exited by itself", what)
		}
		close(stop)
		if err := <-edited; err != nil {
			t.Fatal(err)
		}
		next := c.freshTree()
		c.checkAfterKill(what, false, prev, next)
		c.recover(what, next)
		prev = next
	}
}

// newCrashRig generates articles (from seed) in a directory of t's and
// builds them once into the output directory, which calibrates the kills
// (lastBuild), and returns the rig and the articles' mutator.
func newCrashRig(t *testing.T, bin string, articles int, seed uint64) (*crashRig, *soak.Mutator) {
	t.Helper()
	tmp := t.TempDir()
	c := &crashRig{
		t:     t,
		bin:   bin,
		src:   filepath.Join(tmp, "src"),
		out:   filepath.Join(tmp, "out"),
		fresh: filepath.Join(tmp, "fresh"),
		state: filepath.Join(tmp, "state"),
		valid: map[[32]byte]bool{},
		r:     rand.New(rand.NewPCG(seed, 1)), // the kills' delays
	}
	mut, err := soak.Generate(c.src, articles, seed)
	if err != nil {
		t.Fatal(err)
	}
	// Calibrate: the kills are spread over the length of a whole build.
	start := time.Now()
	c.build(c.out)
	c.lastBuild = time.Since(start)
	t.Logf("seed %d: a full build of %d articles takes %v", seed, articles, c.lastBuild.Round(time.Millisecond))
	return c, mut
}

// report logs what the kills did and fails the test unless want of them
// hit a run before it finished.
func (c *crashRig) report(want int) {
	c.t.Helper()
	c.t.Logf("%d kills in %d runs; %d left temp files behind, all removed by the next build; %d files checked with feedcheck",
		c.kills, c.runs, c.torn, len(c.valid))
	if c.kills < want {
		c.t.Errorf("only %d of %d runs were killed before they finished; the kill window is miscalibrated", c.kills, want)
	}
}
