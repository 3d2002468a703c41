package feedcheck

import (
	"strings"
	"testing"
)

// archiveRSS and archiveAtom turn the valid samples into valid RFC 5005
// archive documents; the table then breaks them rule by rule.
func archiveRSS(t *testing.T) string {
	s := sample(t, "rss.xml")
	s = strings.Replace(s, `<rss version="2.0"`, `<rss version="2.0" xmlns:fh="`+NSHistory+`"`, 1)
	return strings.Replace(s, `<atom:link href="https://blog.example.com/rss.xml" rel="self" type="application/rss+xml"/>`,
		`<atom:link href="https://blog.example.com/archive/2024/01/rss.xml" rel="self" type="application/rss+xml"/>
    <atom:link href="https://blog.example.com/rss.xml" rel="current" type="application/rss+xml"/>
    <atom:link href="https://blog.example.com/archive/2023/12/rss.xml" rel="prev-archive" type="application/rss+xml"/>
    <atom:link href="https://blog.example.com/archive/2024/02/rss.xml" rel="next-archive" type="application/rss+xml"/>
    <fh:archive/>`, 1)
}

func archiveAtom(t *testing.T) string {
	s := sample(t, "atom.xml")
	s = strings.Replace(s, `<feed xmlns="http://www.w3.org/2005/Atom"`, `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:fh="`+NSHistory+`"`, 1)
	return strings.Replace(s, `<link rel="self" type="application/atom+xml" href="https://blog.example.com/atom.xml"/>`,
		`<link rel="self" type="application/atom+xml" href="https://blog.example.com/archive/2024/01/atom.xml"/>
  <link rel="current" type="application/atom+xml" href="https://blog.example.com/atom.xml"/>
  <link rel="prev-archive" type="application/atom+xml" href="https://blog.example.com/archive/2023/12/atom.xml"/>
  <fh:archive/>`, 1)
}

func TestHistoryRules(t *testing.T) {
	rss, atom := archiveRSS(t), archiveAtom(t)
	for name, body := range map[string]string{"rss.xml": rss, "atom.xml": atom} {
		if err := Check(name, []byte(body)); err != nil {
			t.Fatalf("valid archive %s rejected:\n%v", name, err)
		}
	}
	cases := []struct {
		rule, name, body, old, new, want string
	}{
		{"no current", "rss.xml", rss, `rel="current"`, `rel="related"`, `without a link rel="current"`},
		{"relative prev", "rss.xml", rss, `href="https://blog.example.com/archive/2023/12/rss.xml"`, `href="/archive/2023/12/rss.xml"`, `rel="prev-archive": href`},
		{"wrong type", "atom.xml", atom, `rel="prev-archive" type="application/atom+xml"`, `rel="prev-archive" type="application/rss+xml"`, `want "application/atom+xml"`},
		{"two prev", "atom.xml", atom, `<fh:archive/>`, `<link rel="prev-archive" type="application/atom+xml" href="https://blog.example.com/x.xml"/><fh:archive/>`, `2 link rel="prev-archive"`},
		{"archive not empty", "rss.xml", rss, `<fh:archive/>`, `<fh:archive>yes</fh:archive>`, `fh:archive must be empty`},
		{"unknown fh element", "atom.xml", atom, `<fh:archive/>`, `<fh:archive/><fh:archived/>`, `undefined element fh:archived`},
		{"archive and complete", "atom.xml", atom, `<fh:archive/>`, `<fh:archive/><fh:complete/>`, `fh:archive and fh:complete together`},
		{"next-archive outside an archive", "rss.xml", rss, `<fh:archive/>`, ``, `not an archive`},
		{"prev points at self", "atom.xml", atom, `href="https://blog.example.com/archive/2023/12/atom.xml"`, `href="https://blog.example.com/archive/2024/01/atom.xml"`, `both point at`},
		{"wrong namespace", "rss.xml", rss, `xmlns:fh="` + NSHistory + `"`, `xmlns:fh="http://example.com/history"`, `not an archive`},
	}
	for _, c := range cases {
		t.Run(c.rule, func(t *testing.T) {
			if !strings.Contains(c.body, c.old) {
				t.Fatalf("test bug: %q not in the sample", c.old)
			}
			err := Check(c.name, []byte(strings.Replace(c.body, c.old, c.new, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a violation mentioning %q", err, c.want)
			}
		})
	}
}

func TestLinks(t *testing.T) {
	h, err := Links("rss", []byte(archiveRSS(t)))
	want := History{Archive: true, Self: "https://blog.example.com/archive/2024/01/rss.xml", Current: "https://blog.example.com/rss.xml",
		Prev: "https://blog.example.com/archive/2023/12/rss.xml", Next: "https://blog.example.com/archive/2024/02/rss.xml"}
	if err != nil || h != want {
		t.Errorf("Links(rss) = %+v, %v; want %+v", h, err, want)
	}
	h, err = Links("json", []byte(`{"next_url": "https://e.example/archive/2024/01/feed.json"}`))
	if err != nil || h != (History{Prev: "https://e.example/archive/2024/01/feed.json"}) {
		t.Errorf("Links(json) = %+v, %v", h, err)
	}
	if _, err := Links("atom", []byte("<feed")); err == nil {
		t.Error("Links accepted broken XML")
	}
}
