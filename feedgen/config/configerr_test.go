package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigErrors proves that a bad -config file is explained in the
// file's words: the bad key with the valid ones, the kind of value wanted,
// and never a Go type name.
func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"typo", "titel: x\n", []string{`line 1: unknown key "titel"`, "valid keys: archive, base_url, categories, description, ", "timezone, title"}},
		{"category typo", "categories:\n  caijing:\n    titl: y\n", []string{`line 3: unknown key "titl" in a category`, "valid keys: description, link, title"}},
		{"not a number", "limit: many\n", []string{`line 1: "many" is not a whole number`}},
		{"list for a map", "categories: [a, b]\n", []string{"line 1: a list is not a map of category slugs"}},
		{"text for a category", "categories:\n  a: x\n", []string{`line 2: "x" is not a category's settings`}},
		{"several", "titel: x\nlimit: many\n", []string{`unknown key "titel"`, `"many" is not a whole number`}},
		{"syntax", "title: [\n", []string{"did not find expected node content"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "feedgen.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			var c Config
			err := LoadConfigFile(p, &c)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, p+": ") {
				t.Errorf("%q does not start with the file name", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			msg = strings.TrimPrefix(msg, p)
			for _, goName := range []string{"feedgen.", "fileConfig", "CategoryConfig", "map[", "unmarshal", "!!"} {
				if strings.Contains(msg, goName) {
					t.Errorf("%q shows Go's words (%q)", msg, goName)
				}
			}
		})
	}
}
