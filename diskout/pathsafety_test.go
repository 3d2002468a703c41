package diskout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLegalOddNames proves that names which only look like traversals
// (percent-encoded dots and slashes, dots inside a name, a drive letter)
// are written as ordinary directories inside the output tree, and that
// their percent-encoded and backslash relatives are refused.
func TestLegalOddNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		ok   bool
	}{
		{"/tag/%2e%2e/rss.xml", true},
		{"/tag/%2E%2E/atom.xml", true},
		{"/tag/%2F/rss.xml", true},
		{"/tag/..%2f..%2fetc/rss.xml", true},
		{"/tag/%00/rss.xml", true},
		{"/tag/...x/rss.xml", true},
		{"/tag/C:/rss.xml", true},
		{"/tag/C:\\Windows/rss.xml", false},
		{"/tag/..\\..\\x/rss.xml", false},
		{"/tag/a\x00b/rss.xml", false},
		{"/tag/../../x/rss.xml", false},
		{"/tag/%2e%2e/../../rss.xml", false},
	}
	for _, tt := range tests {
		t.Run(strings.ToValidUTF8(tt.path, "?"), func(t *testing.T) {
			t.Parallel()
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			w := writerIn(t, dir)
			_, err := w.Write(snap(file(tt.path, "body"), file("/rss.xml", "good")))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			want := "out/,out/rss.xml"
			if tt.ok {
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tt.path[1:])))
				if err != nil || string(b) != "body" {
					t.Fatalf("file %s: %q %v", tt.path, b, err)
				}
				rel := "out/tag/" + strings.Split(tt.path, "/")[2]
				want = "out/,out/rss.xml,out/tag/," + rel + "/," + rel + "/" + filepath.Base(tt.path)
			}
			if got := strings.Join(tree(t, parent), ","); got != want {
				t.Errorf("tree: %s, want %s", got, want)
			}
		})
	}
}
