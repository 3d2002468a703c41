package main

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// flagDefaults runs "feedgen CMD -h" and returns every flag it lists with
// the default it prints ("" when it prints none: a zero value or a default
// the text explains).
func flagDefaults(t *testing.T, cmd string) map[string]string {
	t.Helper()
	code, out, _ := runCmd(cmd, "-h")
	if code != 0 {
		t.Fatalf("%s -h: exit %d", cmd, code)
	}
	flags := map[string]string{}
	name := ""
	def := regexp.MustCompile(`\(default (.*)\)$`)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "  -") {
			name = strings.Fields(line)[0]
			flags[name] = ""
		} else if m := def.FindStringSubmatch(line); m != nil && name != "" {
			flags[name] = strings.Trim(m[1], `"`)
		}
	}
	return flags
}

// flagDocs returns the lines of the documents that may hold the flag
// tables, README.md and docs/*.md, each prefixed with its file name: the
// reference moves between them as the documentation grows.
func flagDocs(t *testing.T) (lines []string, files []string) {
	t.Helper()
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]string{"../../README.md"}, docs...) {
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(filepath.ToSlash(p), "../../")
		files = append(files, name)
		for _, line := range strings.Split(string(b), "\n") {
			lines = append(lines, name+"\x00"+line)
		}
	}
	return lines, files
}

// TestReadmeFlags keeps the flag tables of the documentation (README.md or
// docs/*.md, wherever they are) equal to the flags: every flag of build and
// serve is in a table, every flag a table names exists, and a default the
// table gives as a value is the one -h prints. Five branches added flags in
// one day; this is what keeps the tables from drifting.
func TestReadmeFlags(t *testing.T) {
	t.Parallel()
	lines, files := flagDocs(t)
	if len(files) == 0 {
		t.Skip("neither README.md nor docs/*.md beside the module")
	}
	all := map[string]string{}
	for _, cmd := range []string{"build", "serve"} {
		for f, d := range flagDefaults(t, cmd) {
			all[f] = d
		}
	}
	if len(all) < 20 {
		t.Fatalf("only %d flags read from -h: %v", len(all), all)
	}
	inTable := map[string]bool{}
	tick := regexp.MustCompile("`(-[a-z-]+)`")
	for _, tagged := range lines {
		file, line, _ := strings.Cut(tagged, "\x00")
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`-") {
			continue
		}
		var names []string
		for _, m := range tick.FindAllStringSubmatch(cells[1], -1) {
			names = append(names, m[1])
		}
		var defaults []string
		if c := strings.TrimSpace(cells[2]); len(names) == 1 {
			defaults = []string{c}
		} else {
			defaults = strings.Split(c, ", ")
		}
		for i, n := range names {
			d, ok := all[n]
			if !ok {
				t.Errorf("%s names %s, which neither build nor serve has", file, n)
				continue
			}
			inTable[n] = true
			if len(defaults) != len(names) || d == "" {
				continue // shared rows ("as for build"), and defaults -h explains in words
			}
			if want := "`" + d + "`"; defaults[i] != want {
				t.Errorf("%s: %s defaults to %s; -h says %s", file, n, defaults[i], want)
			}
		}
	}
	for f := range all {
		if !inTable[f] {
			t.Errorf("flag %s is in no flag table of %s", f, strings.Join(files, ", "))
		}
	}
}
