package soak

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Mutator applies random file operations to an article tree. It is not
// safe for concurrent use; one goroutine drives it.
type Mutator struct {
	// Dir is the root of the tree.
	Dir string
	// Target is the article count the mutator keeps the tree near (within
	// ±10 %), so that a long run neither empties nor bloats it.
	Target int
	// Counts is how many operations of each kind ran.
	Counts map[string]int

	r    *rand.Rand
	next int // serial of the next new article
	rev  int // revision counter, makes every edit visible
}

// op is one kind of operation and its relative weight.
type op struct {
	name   string
	weight int
	run    func(m *Mutator, s *treeState) error
}

var ops = []op{
	{"create", 14, (*Mutator).create},
	{"modify", 20, (*Mutator).modify},
	{"save-rename", 10, (*Mutator).saveRename},
	{"save-backup", 5, (*Mutator).saveBackup},
	{"partial-write", 5, (*Mutator).partialWrite},
	{"delete", 10, (*Mutator).delete},
	{"rename", 10, (*Mutator).rename},
	{"invalid", 8, (*Mutator).invalid},
	{"copy", 2, (*Mutator).copyFile},
	{"mkdir", 4, (*Mutator).mkdir},
	{"rmdir", 4, (*Mutator).rmdir},
	{"move-dir", 2, (*Mutator).moveDir},
	{"junk", 3, (*Mutator).junk},
}

// treeState is the tree as one walk saw it.
type treeState struct {
	articles []string // absolute paths
	dirs     []string // absolute, excluding the root
	junk     []string
}

func isArticle(name string) bool {
	switch filepath.Ext(name) {
	case ".txt", ".md":
		return !strings.HasPrefix(name, ".")
	}
	return false
}

func (m *Mutator) scan() (*treeState, error) {
	s := &treeState{}
	err := filepath.WalkDir(m.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case p == m.Dir:
		case d.IsDir():
			s.dirs = append(s.dirs, p)
		case isArticle(d.Name()):
			s.articles = append(s.articles, p)
		default:
			s.junk = append(s.junk, p)
		}
		return nil
	})
	return s, err
}

// Step applies one random operation and returns its name. An error means
// the file system refused something it should not have.
func (m *Mutator) Step() (string, error) {
	if m.Counts == nil {
		m.Counts = map[string]int{}
	}
	s, err := m.scan()
	if err != nil {
		return "scan", err
	}
	var o op
	switch n := len(s.articles); {
	case n < m.Target*9/10:
		o = ops[0] // create
	case n > m.Target*11/10:
		o = ops[5] // delete
	default:
		total := 0
		for _, x := range ops {
			total += x.weight
		}
		k := m.r.IntN(total)
		for _, x := range ops {
			if k < x.weight {
				o = x
				break
			}
			k -= x.weight
		}
	}
	m.Counts[o.name]++
	if err := o.run(m, s); err != nil {
		return o.name, fmt.Errorf("%s: %w", o.name, err)
	}
	return o.name, nil
}

// Edit rewrites n random existing articles with new content whose dates
// are the newest in the tree, so that every feed they are in changes (the
// crash test needs each build to rewrite files).
func (m *Mutator) Edit(n int) error {
	s, err := m.scan()
	if err != nil {
		return err
	}
	for range n {
		if len(s.articles) == 0 {
			return nil
		}
		p := pick(m.r, s.articles)
		m.rev++
		body := Article(m.r, m.serialOf(p), m.rev)
		// Move the date to the future of every generated one so that the
		// article lands at the head of its feeds.
		date := dateBase.AddDate(4, 0, 0).Add(time.Duration(m.rev) * time.Minute)
		body = replaceLine(body, "date: ", "date: "+date.Format("2006-01-02 15:04:05 -0700"))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func replaceLine(s, prefix, line string) string {
	i := strings.Index(s, "\n"+prefix)
	if i < 0 {
		return s
	}
	j := strings.IndexByte(s[i+1:], '\n')
	return s[:i+1] + line + s[i+1+j:]
}

// serialOf recovers the serial from a file name made by Generate or
// create, so that an edit keeps the article's id; other names get a new
// serial.
func (m *Mutator) serialOf(p string) int {
	var n int
	if _, err := fmt.Sscanf(filepath.Base(p), "%d_", &n); err == nil {
		return n
	}
	m.next++
	return m.next
}

func (m *Mutator) newName(dir string) (string, int) {
	m.next++
	return filepath.Join(dir, fmt.Sprintf("%05d_%08x%s", m.next, m.r.Uint32(), pick(m.r, []string{".txt", ".txt", ".md"}))), m.next
}

func (m *Mutator) anyDir(s *treeState) string {
	if len(s.dirs) == 0 || m.r.IntN(3) == 0 {
		return m.Dir
	}
	return pick(m.r, s.dirs)
}

func (m *Mutator) content(p string) []byte {
	m.rev++
	return []byte(Article(m.r, m.serialOf(p), m.rev))
}

func (m *Mutator) create(s *treeState) error {
	p, serial := m.newName(m.anyDir(s))
	m.rev++
	return os.WriteFile(p, []byte(Article(m.r, serial, m.rev)), 0o644)
}

func (m *Mutator) modify(s *treeState) error {
	if len(s.articles) == 0 {
		return m.create(s)
	}
	p := pick(m.r, s.articles)
	return os.WriteFile(p, m.content(p), 0o644)
}

// saveRename is how vim (writebackup) and most IDEs save: a temporary file
// beside the article, renamed over it.
func (m *Mutator) saveRename(s *treeState) error {
	if len(s.articles) == 0 {
		return m.create(s)
	}
	p := pick(m.r, s.articles)
	tmp := filepath.Join(filepath.Dir(p), "."+filepath.Base(p)+".swp")
	if err := os.WriteFile(tmp, m.content(p), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// saveBackup is how emacs saves: the old file becomes name~, the new one
// is written under the name, and the backup is removed.
func (m *Mutator) saveBackup(s *treeState) error {
	if len(s.articles) == 0 {
		return m.create(s)
	}
	p := pick(m.r, s.articles)
	if err := os.Rename(p, p+"~"); err != nil {
		return err
	}
	if err := os.WriteFile(p, m.content(p), 0o644); err != nil {
		return err
	}
	return os.Remove(p + "~")
}

// partialWrite truncates an article and writes it in two halves with a
// pause between, so that the daemon may read a torn article.
func (m *Mutator) partialWrite(s *treeState) error {
	if len(s.articles) == 0 {
		return m.create(s)
	}
	p := pick(m.r, s.articles)
	data := m.content(p)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	half := len(data) / 2
	if _, err := f.Write(data[:half]); err != nil {
		f.Close()
		return err
	}
	time.Sleep(time.Duration(1+m.r.IntN(20)) * time.Millisecond)
	if _, err := f.Write(data[half:]); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (m *Mutator) delete(s *treeState) error {
	if len(s.articles) == 0 {
		return nil
	}
	return os.Remove(pick(m.r, s.articles))
}

func (m *Mutator) rename(s *treeState) error {
	if len(s.articles) == 0 {
		return nil
	}
	p := pick(m.r, s.articles)
	// Keep the serial prefix so a later edit keeps the article's id.
	serial := m.serialOf(p)
	q := filepath.Join(m.anyDir(s), fmt.Sprintf("%05d_%08x%s", serial, m.r.Uint32(), filepath.Ext(p)))
	return os.Rename(p, q)
}

// invalid makes an article (existing or new) invalid in one of the ways
// docs/testing.md lists.
func (m *Mutator) invalid(s *treeState) error {
	p := ""
	if len(s.articles) > 0 && m.r.IntN(4) > 0 {
		p = pick(m.r, s.articles)
	} else {
		p, _ = m.newName(m.anyDir(s))
	}
	var data []byte
	switch m.r.IntN(6) {
	case 0:
		data = nil // empty
	case 1:
		data = []byte("---\ntitle: \"unclosed front matter\"\ndate: 2024-01-01\n<p>正文</p>\n")
	case 2:
		data = []byte("---\ndate: 2024-01-01\ncategories: keji\n---\n<p>没有标题</p>\n")
	case 3:
		data = []byte("---\ntitle: \"坏日期\"\ndate: 2024-13-45 99:99\n---\n<p>x</p>\n")
	case 4:
		data = []byte{0x00, 0x01, 0xff, 0xfe, 'b', 'i', 'n', 0x00}
	default:
		data = []byte("---\ntitle: [unterminated\n---\n<p>x</p>\n")
	}
	return os.WriteFile(p, data, 0o644)
}

// copyFile duplicates an article: two files with one id, of which the
// smaller path wins.
func (m *Mutator) copyFile(s *treeState) error {
	if len(s.articles) == 0 {
		return nil
	}
	p := pick(m.r, s.articles)
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	q, _ := m.newName(m.anyDir(s))
	return os.WriteFile(q, data, 0o644)
}

func (m *Mutator) mkdir(s *treeState) error {
	parent := m.anyDir(s)
	if rel, _ := filepath.Rel(m.Dir, parent); strings.Count(rel, string(filepath.Separator)) >= 2 {
		parent = m.Dir
	}
	d := filepath.Join(parent, fmt.Sprintf("d%04x", m.r.IntN(1<<16)))
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	for i := m.r.IntN(4); i > 0 && len(s.articles) > 0; i-- {
		p := pick(m.r, s.articles)
		if strings.HasPrefix(d, p) {
			continue
		}
		if err := os.Rename(p, filepath.Join(d, filepath.Base(p))); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// rmdir removes an empty directory, or one holding at most three files
// (rm -r).
func (m *Mutator) rmdir(s *treeState) error {
	dirs := slices.Clone(s.dirs)
	m.r.Shuffle(len(dirs), func(i, j int) { dirs[i], dirs[j] = dirs[j], dirs[i] })
	for _, d := range dirs {
		n := 0
		_ = filepath.WalkDir(d, func(string, fs.DirEntry, error) error { n++; return nil })
		if n <= 4 {
			return os.RemoveAll(d)
		}
	}
	return nil
}

func (m *Mutator) moveDir(s *treeState) error {
	if len(s.dirs) == 0 {
		return nil
	}
	d := pick(m.r, s.dirs)
	return os.Rename(d, filepath.Join(filepath.Dir(d), fmt.Sprintf("m%04x", m.r.IntN(1<<16))))
}

// junk creates or removes files that are not articles and must change
// nothing: images, editor swap files, hidden files.
func (m *Mutator) junk(s *treeState) error {
	if len(s.junk) > 0 && m.r.IntN(2) == 0 {
		return os.Remove(pick(m.r, s.junk))
	}
	h := fmt.Sprintf("%04x", m.r.IntN(1<<16))
	name := pick(m.r, []string{h + ".jpg", "." + h + ".txt", h + ".txt.swp", h + ".txt~", "#" + h + ".txt#", h + ".tmp", h + ".txt.part"})
	return os.WriteFile(filepath.Join(m.anyDir(s), name), []byte("not an article\n"), 0o644)
}
