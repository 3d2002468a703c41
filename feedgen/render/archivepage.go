package render

import (
	"bytes"
	"fmt"
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
	Older, Span string // the link's text and what the archive spans
	Note        string // which format the month links open
	Summary     string // of the month list
	Years       []archiveYear
}

var archiveTmpl = template.Must(template.New("archive").Parse(`<p class="archive"><a href="{{.Newest}}">{{.Older}}</a> · {{.Span}} ({{.Note}})</p>
<details class="archive"><summary>{{.Summary}}</summary>
<ul class="months">
{{range .Years}}<li>{{.Year}}:{{range .Months}} <a href="{{.Href}}" title="{{.Title}}">{{.Label}}</a>{{end}}</li>
{{end}}</ul>
</details>
`))

// archiveBlock renders the archive block of a page for a feed whose archive
// documents are of months (in any order; none gives ""), in the page's
// language. The page sits in the feed's folder.
func archiveBlock(t messages, months []layout.Month) template.HTML {
	if len(months) == 0 {
		return ""
	}
	ms := newestFirst(months)
	d := archiveBlockData{
		Newest: archiveHref(ms[0]), Older: t.OlderArticles, Span: archiveSpan(t, ms),
		Note: fmt.Sprintf(t.ArchiveNote, layout.RSS.FileName()+", "+layout.JSON.FileName()), Summary: t.ArchiveMonths,
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

// archiveSpan says what an archive of months spans ("" for none).
func archiveSpan(t messages, months []layout.Month) string {
	if len(months) == 0 {
		return ""
	}
	ms := newestFirst(months)
	return t.ArchiveSpan(ms[len(ms)-1].String(), ms[0].String(), len(ms))
}

// newestFirst returns the months sorted newest first, each once.
func newestFirst(months []layout.Month) []layout.Month {
	ms := slices.Clone(months)
	slices.SortFunc(ms, func(a, b layout.Month) int { return b.Compare(a) }) // newest first
	return slices.Compact(ms)
}

// archiveHref is month m's archive document relative to the feed's folder:
// the feed key's archive path with the folder cut off.
func archiveHref(m layout.Month) string {
	k := layout.FeedKey{Kind: layout.KindAll}
	return k.ArchivePath(m, archiveLinkFormat)[1:] // "/archive/2026/11/atom.xml" without its slash
}
