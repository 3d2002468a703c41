package feedgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"feedgen/internal/sitetest"
	"feedgen/snapshot"
)

// BenchmarkLazyArchiveColdRequest is what the daemon spends on the first
// request of an archive document that no request asked for since it
// started (serve's lazy cache then holds it): rendering the document from
// the item fragments in the state and compressing it in the coding asked
// for. The month has 290 archived items of about 8 KB of text each, the
// size of a month's document of the 10 000-article benchmark corpus
// (about 2.3 MB per format).
func BenchmarkLazyArchiveColdRequest(b *testing.B) {
	dir := b.TempDir()
	para := "<p>" + strings.Repeat("记者从华东某省保险行业协会获悉，今年一季度以来农业保险案件平均结案时间压缩至三天以内。", 30) + "</p>\n"
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 300 {
		d := start.Add(time.Duration(i) * 2 * time.Hour)
		s := fmt.Sprintf("---\ntitle: 文章 %d\ndate: %s\ncategories: c%d\ntags: t%d\n---\n%s%s\n<https://e.example/%d>\n",
			i, d.Format("2006-01-02 15:04:05 -0700"), i%3, i%2, para, para, i)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.txt", i)), []byte(s), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cfg := sitetest.Config(b)
	cfg.Limit, cfg.Archive = 10, true
	g, err := New(dir, cfg, Options{LazyArchives: true})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	if _, err := g.Scan(); err != nil {
		b.Fatal(err)
	}
	s := g.Snapshot().Snapshot
	for _, c := range []struct {
		name, path string
		compress   func([]byte) []byte
	}{
		{"rss/identity", "/archive/2024/01/rss.xml", nil},
		{"rss/gzip", "/archive/2024/01/rss.xml", snapshot.Compress},
		{"rss/br", "/archive/2024/01/rss.xml", snapshot.CompressBrotli},
		{"json/br", "/archive/2024/01/feed.json", snapshot.CompressBrotli},
	} {
		f := s.Get(c.path)
		if f == nil || !f.IsLazy() {
			b.Fatalf("%s: not a lazy file", c.path)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(f.Size()))
			for b.Loop() {
				body, err := f.Identity()
				if err != nil {
					b.Fatal(err)
				}
				if c.compress != nil {
					c.compress(body)
				}
			}
		})
	}
}
