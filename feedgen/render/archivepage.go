package render

import (
	"bytes"
	"html/template"
	"slices"

	"feedgen/layout"
)

// The archive block of a feed's HTML page (the feed's own page, or the site
// index for the global feed), when the feed has RFC 5005 archive documents:
// an "Older articles" link to the newest archive document with the span of
// the archive, and a compact list of every month grouped by year, each
// linking to that month's document.
//
// The links go to the Atom documents. There are no per-month HTML pages:
// they would add a fourth file per feed and month to an output already 7–8
// times the corpus, and each would need the rendering and the caching rules
// the archive documents have. Atom is the format RFC 5005 was written for;
// the RSS and JSON Feed documents of a month sit beside it (rss.xml,
// feed.json), as the page says. Links are relative to the page, which sits
// in the feed's folder, as the archive folder does.

// archiveLinkFormat is the format the page's month links open.
const archiveLinkFormat = layout.Atom

// archiveYear is one year of the month list, newest month first.
type archiveYear struct {
	Year   int
	Months []archiveMonthLink
}

// archiveMonthLink is one month of the list.
type archiveMonthLink struct {
	Label, Title, Href string
}

// archiveBlockData is what archiveTmpl shows.
type archiveBlockData struct {
	Newest      string // href of the newest archive document
	First, Last string // the span, as "2006-01"
	Count       int
	Years       []archiveYear
	Other       string // the other formats' file names
}

var archiveTmpl = template.Must(template.New("archive").Parse(`<p class="archive"><a href="{{.Newest}}">Older articles</a> · archive: {{if eq .Count 1}}{{.Last}}{{else}}{{.First}} – {{.Last}}, {{.Count}} months{{end}} (Atom; {{.Other}} beside each)</p>
<details class="archive"><summary>Every month of the archive</summary>
<ul class="months">
{{range .Years}}<li>{{.Year}}:{{range .Months}} <a href="{{.Href}}" title="{{.Title}}">{{.Label}}</a>{{end}}</li>
{{end}}</ul>
</details>
`))

// archiveBlock renders the archive block of a page for a feed whose archive
// documents are of months (in any order; none gives ""). The page sits in
// the feed's folder.
func archiveBlock(months []layout.Month) template.HTML {
	if len(months) == 0 {
		return ""
	}
	ms := slices.Clone(months)
	slices.SortFunc(ms, func(a, b layout.Month) int { return b.Compare(a) }) // newest first
	ms = slices.Compact(ms)
	d := archiveBlockData{
		Newest: archiveHref(ms[0]), First: ms[len(ms)-1].String(), Last: ms[0].String(), Count: len(ms),
		Other: layout.RSS.FileName() + ", " + layout.JSON.FileName(),
	}
	for _, m := range ms {
		if len(d.Years) == 0 || d.Years[len(d.Years)-1].Year != m.Year {
			d.Years = append(d.Years, archiveYear{Year: m.Year})
		}
		y := &d.Years[len(d.Years)-1]
		y.Months = append(y.Months, archiveMonthLink{Label: m.String()[5:], Title: m.String(), Href: archiveHref(m)})
	}
	var b bytes.Buffer
	_ = archiveTmpl.Execute(&b, d)   // fixed template over plain values
	return template.HTML(b.String()) // rendered by archiveTmpl
}

// archiveHref is month m's archive document relative to the feed's folder:
// the feed key's archive path with the folder cut off.
func archiveHref(m layout.Month) string {
	k := layout.FeedKey{Kind: layout.KindAll}
	return k.ArchivePath(m, archiveLinkFormat)[1:] // "/archive/2026/11/atom.xml" without its slash
}
