package feedgen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestZZExplore3(t *testing.T) {
	for _, n := range []string{"nested", "fm", "big"} {
		dir := t.TempDir()
		var data string
		switch n {
		case "nested":
			data = "---\ntitle: nested\ndate: 2023-01-01\n---\n" + strings.Repeat("<div>", 100000) + "deep" + strings.Repeat("</div>", 100000) + "\n"
		case "cats":
			var b strings.Builder
			for i := 0; i < 1000; i++ {
				fmt.Fprintf(&b, " c%05d", i)
			}
			data = "---\ntitle: cats\ndate: 2023-01-01\ncategories:" + b.String() + "\n---\n<p>x</p>\n"
		case "fm":
			data = "---\ntitle: fm\ndate: 2023-01-01\ndescription: " + strings.Repeat("a", 1<<20) + "\n---\n<p>x</p>\n"
		case "big":
			data = "---\ntitle: big\ndate: 2023-01-01\n---\n<p>" + strings.Repeat("x", 50<<20) + "</p>\n"
		}
		os.WriteFile(filepath.Join(dir, n+".txt"), []byte(data), 0o644)
		cfg := testConfig(t)
		cfg.Limit = 0
		start := time.Now()
		g, s := generate(t, dir, cfg)
		fmt.Println(n, time.Since(start), g.Problems(), s.Len())
		tot := 0
		for _, p := range s.Paths() {
			tot += len(s.Get(p).Body)
		}
		fmt.Println("bytes", tot, len(s.Get("/index.html").Body))
	}
}
