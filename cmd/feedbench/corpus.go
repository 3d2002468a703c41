package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// corpusVersion names the generator's output format. It is stored in the
// cache marker, so changing the generator (and this constant) makes cached
// corpora be regenerated.
const corpusVersion = "feedbench-corpus-v1"

// Corpus shape. Sizes are of the whole article file, in bytes.
const (
	medianSize   = 6500  // median article size
	sizeSigma    = 0.45  // sigma of the log-normal size distribution
	minSize      = 3072  // sizes are clamped to [minSize, maxSize]
	maxSize      = 24576 //
	stockShare   = 0.30  // share of articles with the stock image prefix
	dateSpanDays = 3 * 365
	siteHost     = "news.example.com"
)

// cst is the +0800 offset every article date is written with.
var cst = time.FixedZone("CST", 8*3600)

// dateBase is the earliest article date.
var dateBase = time.Date(2022, 1, 1, 0, 0, 0, 0, cst)

// zipfCum is the cumulative Zipf (s = 1) weight of the categories, scaled
// so that the last element is 1.
var zipfCum = func() []float64 {
	c := make([]float64, len(categories))
	sum := 0.0
	for k := range categories {
		sum += 1 / float64(k+1)
		c[k] = sum
	}
	for k := range c {
		c[k] /= sum
	}
	return c
}()

// mix is splitmix64: it turns (seed, index) into well-spread PCG state, so
// that neighbouring articles get unrelated random streams.
func mix(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// articleRand is the random stream of article i. Every article has its own
// stream, so the corpus does not depend on generation order or parallelism.
func articleRand(seed uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed^0x5DEECE66D), mix(seed+uint64(i)*0x100000001B3)))
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

// articleHead draws, from the random stream r of article i, what decides
// the article's identity: its category, date and file name. It is the first
// thing genArticle draws, so articleName can find a file name without
// rendering the article or listing the directory.
func articleHead(r *rand.Rand, i int) (category, time.Time, string) {
	u := r.Float64()
	cat := categories[len(categories)-1]
	for k, c := range zipfCum {
		if u < c {
			cat = categories[k]
			break
		}
	}
	date := dateBase.Add(time.Duration(r.Int64N(dateSpanDays*86400)) * time.Second)
	name := fmt.Sprintf("%06d_%016x.txt", i, r.Uint64())
	return cat, date, name
}

// articleName is the file name of article i of the corpus with seed.
func articleName(seed uint64, i int) string {
	_, _, name := articleHead(articleRand(seed, i), i)
	return name
}

// genArticle renders article i of the corpus with the given seed into buf
// (reset first) and returns its file name and the grown buffer. File names
// are numbered in index order while dates are drawn at random, so file
// name order and date order are unrelated.
func genArticle(seed uint64, i int, buf []byte) (string, []byte) {
	r := articleRand(seed, i)
	buf = buf[:0]

	cat, date, name := articleHead(r, i)
	target := int(math.Exp(math.Log(medianSize) + sizeSigma*r.NormFloat64()))
	target = min(max(target, minSize), maxSize)
	stock := r.Float64() < stockShare

	// Front matter.
	buf = append(buf, "---\nlayout: post\ntitle: \""...)
	buf = append(buf, pick(r, titleSubjects)...)
	buf = append(buf, pick(r, titleActions)...)
	buf = append(buf, pick(r, titleObjects)...)
	if r.IntN(3) == 0 {
		buf = append(buf, " "...)
		buf = append(buf, pick(r, titleTails)...)
	}
	buf = append(buf, "\"\ndate: "...)
	buf = date.AppendFormat(buf, "2006-01-02 15:04:05 -0700")
	buf = append(buf, "\ncategories: "...)
	buf = append(buf, cat.slug...)
	buf = append(buf, "\ntags: "...)
	buf = append(buf, cat.name...)
	buf = append(buf, "新闻\n---\n"...)

	// Body.
	if stock {
		var q, code string
		if r.IntN(2) == 0 {
			code = strconv.Itoa(600000 + r.IntN(4000))
			q = "1." + code
		} else {
			code = fmt.Sprintf("%06d", 1+r.IntN(3000))
			q = "0." + code
		}
		buf = fmt.Appendf(buf, stockPrefix, q, code)
	}
	source := pick(r, sources)
	infoCode := date.Format("20060102150405") + fmt.Sprintf("%06d", i)
	// The tail is about 250 bytes; paragraphs end early when the size is
	// reached, so sizes are met to within a sentence.
	limit := target - 250
	for len(buf) < limit {
		if r.IntN(10) == 0 {
			buf = append(buf, "<p><strong>"...)
			buf = append(buf, pick(r, titleObjects)...)
			buf = append(buf, pick(r, titleTails)...)
			buf = append(buf, "</strong></p>\n"...)
			continue
		}
		buf = append(buf, "<p>"...)
		for s := 2 + r.IntN(5); s > 0 && len(buf) < limit; s-- {
			for k := range 3 + r.IntN(6) {
				if k > 0 {
					buf = append(buf, "，"...)
				}
				buf = append(buf, pick(r, phrases)...)
			}
			buf = append(buf, "。"...)
		}
		buf = append(buf, "</p>\n"...)
	}
	buf = append(buf, "<p class=\"em_media\">（文章来源："...)
	buf = append(buf, source...)
	buf = append(buf, "）</p>\n\n<http://"+siteHost+"/html_News/NewsShare.html?infoCode=NW"...)
	buf = append(buf, infoCode...)
	buf = append(buf, ">\n\n[返回"...)
	buf = append(buf, cat.name...)
	buf = append(buf, "新闻](//"+siteHost+"/category/"...)
	buf = append(buf, cat.slug...)
	buf = append(buf, ".html)｜[返回首页](//"+siteHost+"/)"...)
	return name, buf
}

// writeCorpus writes articles 0..n-1 into dir, which must exist, using all
// CPUs. It returns the number of bytes written.
func writeCorpus(dir string, n int, seed uint64) (int64, error) {
	workers := runtime.GOMAXPROCS(0)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		total int64
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 32<<10)
			var bytes int64
			for i := w; i < n; i += workers {
				var name string
				name, buf = genArticle(seed, i, buf)
				if err := os.WriteFile(filepath.Join(dir, name), buf, 0o644); err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				bytes += int64(len(buf))
			}
			mu.Lock()
			total += bytes
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, first
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// corpusInfo describes a corpus on disk.
type corpusInfo struct {
	Dir       string
	N         int
	Seed      uint64
	Bytes     int64
	Generated bool          // generated by this run (not taken from the cache)
	GenTime   time.Duration // generation time, when Generated
}

// markerPath is the cache marker of a corpus directory. It lives next to
// the directory, never inside it, so feedgen never sees it.
func markerPath(dir string) string { return dir + ".ok" }

func markerText(n int, seed uint64) string {
	return fmt.Sprintf("%s n=%d seed=%d\n", corpusVersion, n, seed)
}

// ensureCorpus returns the cached corpus of n articles for seed under
// workdir/corpus, generating it first when the cache marker is missing or
// stale. Whoever modifies a cached corpus must remove the marker first and
// write it back (writeMarker) once the corpus is restored.
func ensureCorpus(workdir string, n int, seed uint64, logw io.Writer) (corpusInfo, error) {
	dir := filepath.Join(workdir, "corpus", fmt.Sprintf("n%d-s%d", n, seed))
	ci := corpusInfo{Dir: dir, N: n, Seed: seed}
	if b, err := os.ReadFile(markerPath(dir)); err == nil && string(b) == markerText(n, seed) {
		sz, err := dirBytes(dir)
		ci.Bytes = sz
		return ci, err
	}
	fmt.Fprintf(logw, "generating corpus of %d articles in %s\n", n, dir)
	if err := os.RemoveAll(dir); err != nil {
		return ci, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ci, err
	}
	start := time.Now()
	sz, err := writeCorpus(dir, n, seed)
	if err != nil {
		return ci, err
	}
	ci.Bytes, ci.Generated, ci.GenTime = sz, true, time.Since(start)
	return ci, writeMarker(dir, n, seed)
}

func writeMarker(dir string, n int, seed uint64) error {
	return os.WriteFile(markerPath(dir), []byte(markerText(n, seed)), 0o644)
}

// dirBytes is the total size of the regular files directly in dir. It
// reads the directory in batches, so that a corpus of a million files is
// never listed in memory at once.
func dirBytes(dir string) (int64, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	for {
		ents, err := f.ReadDir(4096)
		for _, e := range ents {
			if !e.Type().IsRegular() {
				continue
			}
			fi, err := e.Info()
			if err != nil {
				return 0, err
			}
			total += fi.Size()
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// hasEntries reports whether dir exists and has at least one entry. It
// reads one entry, not the whole listing.
func hasEntries(dir string) (bool, error) {
	f, err := os.Open(dir)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.ReadDir(1)
	if err == io.EOF {
		return false, nil
	}
	return err == nil, err
}

// cmdCorpus implements "feedbench corpus".
func cmdCorpus(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("feedbench corpus", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 50000, "number of articles")
	out := fs.String("out", "", "output `directory` (created; must be empty unless -force)")
	workdir := fs.String("workdir", "", "instead of -out: generate into the corpus cache of \"feedbench run -workdir `DIR`\" (DIR/corpus/nN-sSEED, plus its marker), so that run reuses it; a valid cached corpus is kept")
	seed := fs.Uint64("seed", 1, "random seed: the same seed and -n give byte-identical files")
	force := fs.Bool("force", false, "delete -out first if it exists")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if (*out == "") == (*workdir == "") || fs.NArg() > 0 || *n < 1 {
		fmt.Fprintln(stderr, "feedbench corpus: give exactly one of -out and -workdir")
		fs.Usage()
		return errUsage
	}
	if *workdir != "" {
		ci, err := ensureCorpus(*workdir, *n, *seed, stderr)
		if err != nil {
			return err
		}
		if ci.Generated {
			fmt.Fprintf(stdout, "wrote %d articles (%s) to %s in %s\n", *n, fmtBytes(ci.Bytes), ci.Dir, ci.GenTime.Round(time.Millisecond))
		} else {
			fmt.Fprintf(stdout, "%s: cached corpus of %d articles (%s) kept\n", ci.Dir, *n, fmtBytes(ci.Bytes))
		}
		return nil
	}
	if *force {
		if err := os.RemoveAll(*out); err != nil {
			return err
		}
	} else if full, err := hasEntries(*out); err != nil {
		return err
	} else if full {
		return fmt.Errorf("%s is not empty (use -force to replace it)", *out)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	total, err := writeCorpus(*out, *n, *seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d articles (%s) to %s in %s\n", *n, fmtBytes(total), *out, time.Since(start).Round(time.Millisecond))
	return nil
}

// errUsage reports bad command-line usage (exit status 2).
var errUsage = errors.New("usage")

// fmtBytes formats a byte count with a binary unit.
func fmtBytes(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return strconv.FormatInt(b, 10) + " B"
}

// frontMatterValue returns the value of key in the front matter of an
// article file, without surrounding quotes; "" if absent.
func frontMatterValue(data []byte, key string) string {
	s := string(data)
	if !strings.HasPrefix(s, "---\n") {
		return ""
	}
	end := strings.Index(s[4:], "\n---")
	if end < 0 {
		return ""
	}
	for line := range strings.SplitSeq(s[4:4+end], "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.Trim(strings.TrimSpace(v), `"`)
		}
	}
	return ""
}
