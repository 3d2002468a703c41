package feedcheck

import (
	"fmt"
	"strings"
	"time"
)

// Namespaces of the RSS extension elements the checks know about.
const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsMedia   = "http://search.yahoo.com/mrss/"
	nsXHTML   = "http://www.w3.org/1999/xhtml"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
)

// duplicateSemantics pairs RSS elements with the Dublin Core element that
// means the same; the W3C validator warns when both are present
// (DuplicateSemantics), since readers then pick one arbitrarily.
var (
	channelDuplicateSemantics = [][2]string{
		{"managingEditor", "creator"}, {"language", "language"}, {"copyright", "rights"},
		{"pubDate", "date"}, {"webMaster", "publisher"},
	}
	itemDuplicateSemantics = [][2]string{
		{"author", "creator"}, {"pubDate", "date"}, {"category", "subject"}, {"source", "source"},
	}
)

// checkDuplicateSemantics reports an RSS element and its Dublin Core twin
// both present in n.
func checkDuplicateSemantics(r *report, scope string, n *xnode, pairs [][2]string) {
	for _, p := range pairs {
		if n.child("", p[0]) != nil && n.child(nsDC, p[1]) != nil {
			r.add(scope, "has both <%s> and <dc:%s>, which mean the same; keep one", p[0], p[1])
		}
	}
}

// rssChannelElements and rssItemElements are the un-namespaced elements RSS
// 2.0 defines; anything else without a namespace is an "undefined element"
// to the W3C validator. The value is whether the element may repeat.
var (
	rssChannelElements = map[string]bool{
		"title": false, "link": false, "description": false, "language": false,
		"copyright": false, "managingEditor": false, "webMaster": false,
		"pubDate": false, "lastBuildDate": false, "category": true,
		"generator": false, "docs": false, "cloud": false, "ttl": false,
		"image": false, "rating": false, "textInput": false, "skipHours": false,
		"skipDays": false, "item": true,
	}
	rssItemElements = map[string]bool{
		"title": false, "link": false, "description": false, "author": false,
		"category": true, "comments": false, "enclosure": true, "guid": false,
		"pubDate": false, "source": false,
	}
)

// wellKnownLocal maps the local names of common extension elements to the
// namespace they must be in, so that <content:encoded> bound to a wrong or
// misspelt namespace URI is caught (readers would silently ignore it).
var wellKnownLocal = map[string]struct{ ns, prefix string }{
	"encoded":   {nsContent, "content"},
	"creator":   {nsDC, "dc"},
	"thumbnail": {nsMedia, "media"},
}

func checkRSS(body []byte, fileName string) error {
	r := newReport("rss")
	gofeedItems := gofeedCheck(r, body, "rss")
	root := parseXML(r, body)
	if root == nil {
		return r.err()
	}
	if root.name.Local != "rss" || root.name.Space != "" {
		r.add("", "root element is <%s> (namespace %q), want <rss>", root.name.Local, root.name.Space)
		return r.err()
	}
	if v, _ := root.attr("", "version"); v != "2.0" {
		r.add("", `<rss version=%q>, want version="2.0"`, v)
	}
	chans := root.children("", "channel")
	if len(chans) != 1 {
		r.add("", "<rss> must contain exactly one <channel>, found %d", len(chans))
		if len(chans) == 0 {
			return r.err()
		}
	}
	for _, k := range root.kids {
		if k.name.Space == "" && k.name.Local != "channel" {
			r.add("", "undefined element <%s> in <rss>", k.name.Local)
		}
	}
	ch := chans[0]
	checkRSSChannel(r, ch, fileName)
	checkHistory(r, "channel", root, "rss", "application/rss+xml")
	if l := ch.child("", "language"); l == nil {
		if _, ok := root.attr(nsXML, "lang"); !ok {
			r.add("channel", "language is missing (readers and the W3C validator expect it)")
		}
	}

	items := ch.children("", "item")
	if gofeedItems >= 0 && gofeedItems != len(items) {
		r.add("gofeed", "saw %d items, the XML has %d", gofeedItems, len(items))
	}
	guids := map[string]int{}
	var prev time.Time
	prevIdx := 0
	for i, it := range items {
		scope := fmt.Sprintf("item %d", i+1)
		t := checkRSSItem(r, scope, it, guids, i+1)
		if t.IsZero() {
			continue
		}
		if !prev.IsZero() && t.After(prev) {
			r.add(scope, "items are not sorted newest first: pubDate %s is newer than item %d's %s",
				t.Format(time.RFC1123Z), prevIdx, prev.Format(time.RFC1123Z))
		}
		prev, prevIdx = t, i+1
	}
	return r.err()
}

// checkRSSChannel checks the channel's own elements (not its items).
func checkRSSChannel(r *report, ch *xnode, fileName string) {
	checkUndefined(r, "channel", ch, rssChannelElements)
	checkExtensions(r, "channel", ch)

	checkDuplicateSemantics(r, "channel", ch, channelDuplicateSemantics)
	if t := ch.child("", "title"); t == nil || strings.TrimSpace(t.text) == "" {
		r.add("channel", "title is missing or empty")
	} else if err := plainText(t.text); err != nil {
		r.add("channel", "title %v", err)
	}
	if l := ch.child("", "link"); l == nil {
		r.add("channel", "link is missing")
	} else if err := rssURL(l.text); err != nil {
		r.add("channel", "link: %v", err)
	}
	if d := ch.child("", "description"); d == nil || strings.TrimSpace(d.text) == "" {
		r.add("channel", "description is missing or empty")
	} else if err := plainText(d.text); err != nil {
		r.add("channel", "description %v", err)
	}
	if l := ch.child("", "language"); l != nil && !plausibleLangTag(l.text) {
		r.add("channel", "language %q is not a valid RFC 5646 language tag (e.g. en-us)", l.text)
	}
	for _, name := range []string{"pubDate", "lastBuildDate"} {
		if d := ch.child("", name); d != nil {
			if _, err := parseRFC822(d.text); err != nil {
				r.add("channel", "%s: %v", name, err)
			}
		}
	}
	for _, name := range []string{"managingEditor", "webMaster"} {
		if e := ch.child("", name); e != nil && !hasEmail(e.text) {
			r.add("channel", "%s %q must contain an e-mail address", name, e.text)
		}
	}
	for _, name := range []string{"docs"} {
		if e := ch.child("", name); e != nil {
			if err := rssURL(e.text); err != nil {
				r.add("channel", "%s: %v", name, err)
			}
		}
	}
	if e := ch.child("", "ttl"); e != nil && (!isNonNegInt(e.text) || strings.Trim(e.text, "0") == "") {
		r.add("channel", "ttl %q must be a positive whole number of minutes", e.text)
	}
	for _, c := range ch.children("", "category") {
		if strings.TrimSpace(c.text) == "" {
			r.add("channel", "category is empty")
		}
	}
	if img := ch.child("", "image"); img != nil {
		for _, name := range []string{"url", "title", "link"} {
			e := img.child("", name)
			if e == nil || strings.TrimSpace(e.text) == "" {
				r.add("channel: image", "%s is missing", name)
				continue
			}
			if name != "title" {
				if err := rssURL(e.text); err != nil {
					r.add("channel: image", "%s: %v", name, err)
				}
			}
		}
	}

	// The atom:link rel="self" is what the W3C validator and RSS Advisory
	// Board ask for so that a copy of the feed can find its origin.
	self := 0
	for _, l := range ch.children(nsAtom, "link") {
		rel, _ := l.attr("", "rel")
		href, _ := l.attr("", "href")
		if err := httpURL(href); err != nil {
			r.add("channel: atom:link", "href: %v", err)
		}
		if rel != "self" {
			continue
		}
		self++
		if typ, _ := l.attr("", "type"); typ != "application/rss+xml" {
			r.add("channel: atom:link", `rel="self" has type %q, want "application/rss+xml"`, typ)
		}
		checkSelfName(r, "channel: atom:link", href, fileName)
	}
	if self == 0 {
		r.add("channel", `missing atom:link rel="self" (namespace `+nsAtom+`)`)
	} else if self > 1 {
		r.add("channel", `%d atom:link rel="self" elements, want one`, self)
	}
}

// checkRSSItem checks one item and returns its parsed pubDate (zero when
// absent or invalid) for the ordering check.
func checkRSSItem(r *report, scope string, it *xnode, guids map[string]int, idx int) time.Time {
	checkUndefined(r, scope, it, rssItemElements)
	checkExtensions(r, scope, it)
	checkDuplicateSemantics(r, scope, it, itemDuplicateSemantics)

	title, desc := it.child("", "title"), it.child("", "description")
	if (title == nil || strings.TrimSpace(title.text) == "") && (desc == nil || strings.TrimSpace(desc.text) == "") {
		r.add(scope, "needs a non-empty title or description")
	}
	if title != nil {
		if err := plainText(title.text); err != nil {
			r.add(scope, "title %v", err)
		}
	}
	if desc != nil && desc.text != "" {
		checkHTML(r, join(scope, "description"), desc.text)
	}
	if l := it.child("", "link"); l != nil {
		if err := rssURL(l.text); err != nil {
			r.add(scope, "link: %v", err)
		}
	}
	if c := it.child("", "comments"); c != nil {
		if err := rssURL(c.text); err != nil {
			r.add(scope, "comments: %v", err)
		}
	}

	if g := it.child("", "guid"); g == nil {
		r.add(scope, "guid is missing")
	} else {
		perma, hasPerma := g.attr("", "isPermaLink")
		switch {
		case g.text == "":
			r.add(scope, "guid is empty")
		case strings.TrimSpace(g.text) != g.text:
			r.add(scope, "guid %q has surrounding white space", g.text)
		}
		if hasPerma && perma != "true" && perma != "false" {
			r.add(scope, `guid isPermaLink=%q, want "true" or "false"`, perma)
		}
		if g.text != "" && (!hasPerma || perma == "true") {
			if err := rssURL(g.text); err != nil {
				r.add(scope, `guid: %v; a guid that is not a permalink URL needs isPermaLink="false"`, err)
			}
		} else if len(g.text) < 9 && isDigit(g.text) {
			r.add(scope, "guid %q is a small number, not sufficiently unique across feeds", g.text)
		}
		if g.text != "" {
			if first, dup := guids[g.text]; dup {
				r.add(scope, "guid %q duplicates item %d's", g.text, first)
			} else {
				guids[g.text] = idx
			}
		}
	}

	var when time.Time
	if d := it.child("", "pubDate"); d != nil {
		t, err := parseRFC822(d.text)
		if err != nil {
			r.add(scope, "pubDate: %v", err)
		} else {
			when = t
		}
	}
	if a := it.child("", "author"); a != nil && !hasEmail(a.text) {
		r.add(scope, "author %q must contain an e-mail address (put names in dc:creator)", a.text)
	}
	for _, c := range it.children("", "category") {
		if strings.TrimSpace(c.text) == "" {
			r.add(scope, "category is empty")
		}
	}
	for _, e := range it.children("", "enclosure") {
		u, _ := e.attr("", "url")
		if err := rssURL(u); err != nil {
			r.add(scope, "enclosure url: %v", err)
		}
		if l, ok := e.attr("", "length"); !ok {
			r.add(scope, "enclosure length is missing")
		} else if !isNonNegInt(l) || strings.Trim(l, "0") == "" {
			r.add(scope, "enclosure length %q is not a positive integer (bytes)", l)
		}
		if t, ok := e.attr("", "type"); !ok || !isMIMEType(t) {
			r.add(scope, "enclosure type %q is missing or not a MIME type", t)
		}
	}
	if s := it.child("", "source"); s != nil {
		u, _ := s.attr("", "url")
		if err := rssURL(u); err != nil {
			r.add(scope, "source url: %v", err)
		}
	}
	for _, c := range it.children(nsContent, "encoded") {
		checkHTML(r, join(scope, "content:encoded"), c.text)
	}
	for _, c := range it.children(nsDC, "creator") {
		if strings.TrimSpace(c.text) == "" {
			r.add(scope, "dc:creator is empty")
		}
	}
	for _, m := range it.children(nsMedia, "thumbnail") {
		u, _ := m.attr("", "url")
		if err := httpURL(u); err != nil {
			r.add(scope, "media:thumbnail url: %v", err)
		}
	}
	return when
}

// checkUndefined reports un-namespaced children that the format does not
// define, and duplicates of elements that may appear only once.
func checkUndefined(r *report, scope string, n *xnode, known map[string]bool) {
	seen := map[string]bool{}
	for _, k := range n.kids {
		if k.name.Space != "" {
			continue
		}
		repeat, ok := known[k.name.Local]
		if !ok {
			r.add(scope, "undefined element <%s>", k.name.Local)
			continue
		}
		if seen[k.name.Local] && !repeat {
			r.add(scope, "duplicate <%s> element", k.name.Local)
		}
		seen[k.name.Local] = true
	}
}

// checkExtensions reports well-known extension elements bound to the wrong
// namespace.
func checkExtensions(r *report, scope string, n *xnode) {
	for _, k := range n.kids {
		if k.name.Space == "" || !strings.Contains(k.name.Space, ":") {
			continue // undeclared prefixes are reported by parseXML
		}
		if want, ok := wellKnownLocal[k.name.Local]; ok && k.name.Space != want.ns {
			r.add(scope, "<%s:%s> is in namespace %q, want %s", want.prefix, k.name.Local, k.name.Space, want.ns)
		}
	}
}
