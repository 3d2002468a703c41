package feedgen

import (
	"feedgen/feedgen/article"
)

// load reads the whole tree into an empty index in one bulk load
// (index.Loader): nothing is compared, since the index knows no file, and
// the records are appended in key order at the end instead of inserted one
// file at a time. It returns index.ErrNotEmpty, having read nothing, when
// the index files articles already. The index then holds what tree would
// have filed, record for record.
func (s *scanner) load() (int, error) {
	l, err := s.ix.Load()
	if err != nil {
		return 0, err
	}
	defer l.Abort()
	n := 0
	met, err := s.readTree("", false, func(results []article.HeaderRead, _ []uint64) error {
		for _, r := range results {
			s.noteLink(r)
			if _, err := l.Put(r.Rel, entryOf(r)); err != nil {
				return wrapIndex(err)
			}
		}
		n += len(results)
		return nil
	})
	if err != nil {
		return 0, err
	}
	dirty, err := l.Commit()
	if err != nil {
		return 0, wrapIndex(err)
	}
	for k := range dirty {
		s.dirty[k] = true
	}
	return n + s.assets.sync("", met), nil
}
