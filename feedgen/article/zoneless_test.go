package article

import (
	"testing"
	"time"
)

// TestDateWithoutZone: a date written without a zone is in the configured
// timezone, whichever decoder read it; a date that names its zone keeps it.
func TestDateWithoutZone(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	tests := []struct {
		name, src string
		loc       *time.Location
		want      string
	}{
		{"yaml date", "---\ntitle: x\ndate: 2024-05-08\n---\nb\n", shanghai, "2024-05-08T00:00:00+08:00"},
		{"yaml date, complex front matter", "---\ntitle: x\ndate: 2024-05-08\nextra: {a: [1, 2]}\n---\nb\n", shanghai, "2024-05-08T00:00:00+08:00"},
		{"yaml date and time", "---\ntitle: x\ndate: 2024-05-08 09:30:00\nextra: {a: 1}\n---\nb\n", shanghai, "2024-05-08T09:30:00+08:00"},
		{"yaml date, comment", "---\ntitle: x\ndate: 2024-05-08 # morning\n---\nb\n", shanghai, "2024-05-08T00:00:00+08:00"},
		{"yaml explicit Z", "---\ntitle: x\ndate: 2024-05-08T00:00:00Z\n---\nb\n", shanghai, "2024-05-08T00:00:00Z"},
		{"yaml explicit offset", "---\ntitle: x\ndate: 2024-05-08T09:30:00-05:00\nextra: {a: 1}\n---\nb\n", shanghai, "2024-05-08T09:30:00-05:00"},
		{"jekyll", "---\ntitle: x\ndate: 2024-05-08 09:30:00 +0100\n---\nb\n", shanghai, "2024-05-08T09:30:00+01:00"},
		{"toml date", "+++\ntitle = \"x\"\ndate = 2024-05-08\n+++\nb\n", shanghai, "2024-05-08T00:00:00+08:00"},
		{"toml offset", "+++\ntitle = \"x\"\ndate = 2024-05-08T09:30:00Z\n+++\nb\n", shanghai, "2024-05-08T09:30:00Z"},
		{"no timezone configured", "---\ntitle: x\ndate: 2024-05-08\n---\nb\n", nil, "2024-05-08T00:00:00Z"},
		{"last_modified_at", "---\ntitle: x\ndate: 2024-05-08 09:30:00 +0800\nlast_modified_at: 2024-05-09\n---\nb\n", shanghai, "2024-05-08T09:30:00+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("a.md", []byte(tt.src), ParseOptions{Location: tt.loc})
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Published.Format(time.RFC3339); got != tt.want {
				t.Errorf("published %s, want %s", got, tt.want)
			}
		})
	}
	a, err := Parse("a.md", []byte(tests[len(tests)-1].src), ParseOptions{Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Updated.Format(time.RFC3339); got != "2024-05-09T00:00:00+08:00" {
		t.Errorf("last_modified_at %s, want 2024-05-09T00:00:00+08:00", got)
	}
}
