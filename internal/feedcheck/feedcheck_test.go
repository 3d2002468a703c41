package feedcheck

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// names are the files the checker recognises; testdata holds a hand-written
// valid sample of each.
var names = []string{"rss.xml", "atom.xml", "feed.json", "feeds.opml", "index.html"}

func sample(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestValidSamples(t *testing.T) {
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			if err := Check(name, []byte(sample(t, name))); err != nil {
				t.Errorf("valid sample rejected:\n%v", err)
			}
			// The name may be a path, as when walking an output tree.
			if err := Check("out/tag/go/"+name, []byte(sample(t, name))); err != nil {
				t.Errorf("valid sample rejected under a directory:\n%v", err)
			}
		})
	}
}

// mutation breaks a valid sample by replacing old with new and expects a
// violation mentioning want. The table proves the checker can fail, rule by
// rule.
type mutation struct {
	rule     string
	old, new string
	want     string
}

func runMutations(t *testing.T, name string, muts []mutation) {
	t.Helper()
	base := sample(t, name)
	for _, m := range muts {
		t.Run(m.rule, func(t *testing.T) {
			if !strings.Contains(base, m.old) {
				t.Fatalf("test bug: %q not in testdata/%s", m.old, name)
			}
			body := strings.Replace(base, m.old, m.new, 1)
			err := Check(name, []byte(body))
			if err == nil {
				t.Fatalf("broken %s accepted", name)
			}
			if !strings.Contains(err.Error(), m.want) {
				t.Fatalf("error does not mention %q:\n%v", m.want, err)
			}
		})
	}
}

// TestHTMLTextEscaped: text escaped for HTML, as feedgen writes a plain-text
// summary into the RSS description, passes the bare "&" and "<" rule.
func TestHTMLTextEscaped(t *testing.T) {
	base := sample(t, "rss.xml")
	for _, desc := range []string{"R&amp;amp;D &amp;lt;2% &amp;#8230; &amp;#x2026;", "a &lt;b&gt;bold&lt;/b&gt; word"} {
		body := strings.Replace(base, "A summary of the first post.", desc, 1)
		if err := Check("rss.xml", []byte(body)); err != nil {
			t.Errorf("description %q rejected:\n%v", desc, err)
		}
	}
}

func TestRSSViolations(t *testing.T) {
	const item2 = "<title>First post</title>\n      <link>https://blog.example.com/posts/first/</link>\n      <description>A summary of the first post.</description>"
	runMutations(t, "rss.xml", []mutation{
		{"not well-formed", "</channel>", "", "not well-formed"},
		{"unknown entity", "Notes &amp; essays", "Notes&nbsp;essays", "not well-formed"},
		{"illegal char", "<title>Second post</title>", "<title>Second\x01post</title>", "U+0001 is not allowed"},
		{"invalid utf-8", "<title>Second post</title>", "<title>Second\xffpost</title>", "invalid UTF-8"},
		{"encoding", `encoding="UTF-8"`, `encoding="ISO-8859-1"`, "must be UTF-8"},
		{"version", `<rss version="2.0"`, `<rss version="0.92"`, `want version="2.0"`},
		{"channel title", "<title>Example Blog</title>", "<title> </title>", "channel: title is missing or empty"},
		{"channel link", "<link>https://blog.example.com/</link>", "<link>/</link>", "channel: link: \"/\" is not an absolute URL"},
		{"channel description", "<description>Notes &amp; essays</description>", "", "channel: description is missing"},
		{"language", "<language>en-us</language>", "<language>english</language>", "language \"english\""},
		{"2-digit year", "<lastBuildDate>Wed, 03 Jan 2024", "<lastBuildDate>Wed, 03 Jan 24", "4-digit year"},
		{"atom:link self missing", `<atom:link href="https://blog.example.com/rss.xml" rel="self" type="application/rss+xml"/>`, "", `missing atom:link rel="self"`},
		{"atom:link wrong namespace", `xmlns:atom="http://www.w3.org/2005/Atom"`, `xmlns:atom="http://www.w3.org/2005/Atom/"`, `missing atom:link rel="self"`},
		{"atom:link self type", `rel="self" type="application/rss+xml"`, `rel="self" type="text/xml"`, `want "application/rss+xml"`},
		{"atom:link self relative", `href="https://blog.example.com/rss.xml"`, `href="/rss.xml"`, "not an absolute URL"},
		{"atom:link self elsewhere", `href="https://blog.example.com/rss.xml"`, `href="https://blog.example.com/feed.xml"`, "does not point at the document"},
		{"item title and description", item2, "<link>https://blog.example.com/posts/first/</link>", "item 2: needs a non-empty title or description"},
		{"item link", "<link>https://blog.example.com/posts/first/</link>", "<link>posts/first/</link>", "item 2: link:"},
		{"guid missing", "<guid>https://blog.example.com/posts/second/</guid>", "", "item 1: guid is missing"},
		{"guid not URL without isPermaLink=false", `<guid isPermaLink="false">tag:`, `<guid>tag:`, `needs isPermaLink="false"`},
		{"guid isPermaLink value", `isPermaLink="false"`, `isPermaLink="no"`, `isPermaLink="no"`},
		{"guid duplicate", `<guid isPermaLink="false">tag:blog.example.com,2024:first</guid>`, "<guid>https://blog.example.com/posts/second/</guid>", "duplicates item 1"},
		{"pubDate invalid", "<pubDate>Mon, 01 Jan 2024 09:30:00 GMT</pubDate>", "<pubDate>2024-01-01T09:30:00Z</pubDate>", "item 2: pubDate:"},
		{"pubDate weekday", "<pubDate>Wed, 03 Jan 2024", "<pubDate>Thu, 03 Jan 2024", "day of week Thu does not match"},
		{"pubDate zone", "09:30:00 GMT", "09:30:00 UTC", "not allowed by RFC 822"},
		{"unsorted items", "Mon, 01 Jan 2024 09:30:00 GMT", "Fri, 05 Jan 2024 09:30:00 GMT", "not sorted newest first"},
		{"author without e-mail", "<author>jane@example.com (Jane Doe)</author>", "<author>Jane Doe</author>", "must contain an e-mail address"},
		{"empty category", "<category>go</category>", "<category></category>", "category is empty"},
		{"content namespace", `xmlns:content="http://purl.org/rss/1.0/modules/content/"`, `xmlns:content="http://purl.org/rss/1.0/modules/content"`, "<content:encoded> is in namespace"},
		{"dc namespace", `xmlns:dc="http://purl.org/dc/elements/1.1/"`, `xmlns:dc="http://purl.org/dc/elements/1.1"`, "<dc:creator> is in namespace"},
		{"undeclared prefix", ` xmlns:dc="http://purl.org/dc/elements/1.1/"`, "", "undeclared namespace prefix"},
		{"undefined element", "<dc:creator>John Roe</dc:creator>", "<creator>John Roe</creator>", "undefined element <creator>"},
		{"duplicate element", "<title>Second post</title>", "<title>Second post</title><title>Again</title>", "duplicate <title>"},
		{"enclosure length", `length="12345"`, `length="12 kB"`, "enclosure length"},
		{"enclosure type", ` type="audio/mpeg"`, "", "enclosure type"},
		{"enclosure url", `url="https://blog.example.com/a.mp3"`, `url="a.mp3"`, "enclosure url"},
		{"media:thumbnail url", `<media:thumbnail url="https://blog.example.com/img/a.png"/>`, `<media:thumbnail url="/img/a.png"/>`, "media:thumbnail url"},
		{"relative URL in content", `<a href="https://example.org/">`, `<a href="/about/">`, "relative URL"},
		{"relative img in content", `src="https://blog.example.com/img/a.png" alt=""`, `src="img/a.png" alt=""`, `<img src="img/a.png"> is a relative URL`},
		{"script in content", "<p>Hello", "<script>alert(1)</script><p>Hello", "<script> element is not allowed"},
		{"iframe in content", "<p>Hello", `<iframe src="https://evil.example/"></iframe><p>Hello`, "<iframe> element is not allowed"},
		{"on* attribute in content", `alt=""`, `alt="" onerror="steal()"`, "event-handler attribute"},
		{"javascript: URL in content", `href="#note"`, `href="JavaScript:alert(1)"`, "javascript URL"},
		{"data: URL in content", `src="https://blog.example.com/img/a.png" alt=""`, `src="data:image/png;base64,AAAA" alt=""`, "data URL"},
		{"author and dc:creator", "<author>jane@example.com (Jane Doe)</author>", "<author>jane@example.com (Jane Doe)</author><dc:creator>Jane</dc:creator>", "has both <author> and <dc:creator>"},
		{"non-ASCII URL", "<link>https://blog.example.com/posts/first/</link>", "<link>https://blog.example.com/posts/第一/</link>", "must be percent-encoded"},
		{"title with markup", "<title>First post</title>", "<title>First &lt;b&gt;post&lt;/b&gt;</title>", "item 2: title contains markup"},
		{"implausible old date", "Mon, 01 Jan 2024 09:30:00 GMT", "Thu, 01 Jan 1920 09:30:00 GMT", "before 1970"},
		{"enclosure length zero", `length="12345"`, `length="0"`, "not a positive integer"},
		{"language missing", "<language>en-us</language>", "", "language is missing"},
		{"numeric guid", `<guid isPermaLink="false">tag:blog.example.com,2024:first</guid>`, `<guid isPermaLink="false">42</guid>`, "not sufficiently unique"},
		{"relative URL in description", "A summary of the first post.", `See &lt;a href="/x"&gt;x&lt;/a&gt;`, "item 2: description: <a href=\"/x\"> is a relative URL"},
		// The W3C validator's "Invalid HTML": plain text put into the
		// description without HTML escaping (R&D, <2%).
		{"bare ampersand in description", "A summary of the first post.", "R&amp;D spending", `item 2: description: unescaped "&"`},
		{"bare less-than in description", "A summary of the first post.", "below &lt;2%", `item 2: description: unescaped "<"`},
		{"reference without semicolon in description", "A summary of the first post.", "AT&amp;amp T", `item 2: description: unescaped "&"`},
	})
}

func TestAtomViolations(t *testing.T) {
	const secondContent = `<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Hi <a href="https://example.org/">there</a></p></div></content>`
	runMutations(t, "atom.xml", []mutation{
		{"namespace", `xmlns="http://www.w3.org/2005/Atom"`, `xmlns="http://www.w3.org/2005/Atom/"`, "want <feed> in"},
		{"feed id missing", "<id>https://blog.example.com/</id>", "", "feed: id is missing"},
		{"feed id not IRI", "<id>https://blog.example.com/</id>", "<id>blog</id>", "feed: id: \"blog\" is not an absolute IRI"},
		{"feed title missing", "<title>Example Blog</title>", "", "feed: title: is missing"},
		{"empty updated", "<updated>2024-01-03T10:00:00Z</updated>\n  <link", "<updated></updated>\n  <link", "feed: updated: empty date"},
		{"updated not RFC 3339", "<updated>2024-01-03T10:00:00Z</updated>\n  <link", "<updated>Wed, 03 Jan 2024 10:00:00 GMT</updated>\n  <link", "not an RFC 3339 date-time"},
		{"self missing", `<link rel="self" type="application/atom+xml" href="https://blog.example.com/atom.xml"/>`, "", `missing link rel="self"`},
		{"self type", `rel="self" type="application/atom+xml"`, `rel="self" type="application/xml"`, `want "application/atom+xml"`},
		{"self relative", `href="https://blog.example.com/atom.xml"`, `href="atom.xml"`, "not an absolute URL"},
		{"feed alternate missing", `<link rel="alternate" type="text/html" href="https://blog.example.com/"/>`, "", `feed: missing link rel="alternate"`},
		{"author missing", `<author><name>Jane Doe</name><email>jane@example.com</email><uri>https://blog.example.com/about/</uri></author>`, "", "entry 1: no author"},
		{"author empty name", "<name>Jane Doe</name>", "<name></name>", "author: name is empty"},
		{"author email", "<email>jane@example.com</email>", "<email>jane</email>", "is not an e-mail address"},
		{"entry id duplicate", "<id>tag:blog.example.com,2024:first</id>", "<id>https://blog.example.com/posts/second/</id>", "duplicates entry 1"},
		{"entry id relative", "<id>tag:blog.example.com,2024:first</id>", "<id>/posts/first/</id>", "entry 2: id:"},
		{"entry title missing", "<title>Second post</title>", "", "entry 1: title: is missing"},
		{"entry updated missing", "<updated>2024-01-01T09:30:00Z</updated>", "", "entry 2: updated is missing"},
		{"published after updated", "2024-01-02T08:00:00+01:00", "2024-01-04T08:00:00+01:00", "published 2024-01-04T08:00:00+01:00 is after updated"},
		{"feed updated older than entry", "<updated>2024-01-01T09:30:00Z</updated>", "<updated>2024-02-01T09:30:00Z</updated>", "after the feed's updated"},
		{"entry alternate link", `<link href="https://blog.example.com/posts/first/"/>`, "", `entry 2: missing link rel="alternate"`},
		{"entry alternate relative", `<link href="https://blog.example.com/posts/first/"/>`, `<link href="/posts/first/"/>`, "entry 2: link rel=\"alternate\": href:"},
		{"duplicate alternate", `<link href="https://blog.example.com/posts/first/"/>`, `<link href="https://blog.example.com/posts/first/"/><link href="https://blog.example.com/p/1"/>`, "more than one alternate link"},
		{"category without term", `<category term="go" label="Go"/>`, `<category label="Go"/>`, "category without a non-empty term"},
		{"summary required", secondContent, "", "entry 2: summary is required when there is no content"},
		{"summary required with src", secondContent, `<content type="text/html" src="https://blog.example.com/posts/first/"/>`, "summary is required when content has src"},
		{"content type", `<content type="html">`, `<content type="markdown">`, `type "markdown" is not`},
		{"xhtml without div", `<div xmlns="http://www.w3.org/1999/xhtml">`, `<div>`, `type="xhtml" must contain exactly one <div`},
		{"undefined element", "<summary>A summary of the second post.</summary>", "<sumary>A summary of the second post.</sumary>", "undefined Atom element <sumary>"},
		{"duplicate element", "<title>Second post</title>", "<title>Second post</title><title>Again</title>", "duplicate <title>"},
		{"script in html content", "&lt;/p&gt;</content>", "&lt;script&gt;x()&lt;/script&gt;&lt;/p&gt;</content>", "<script> element is not allowed"},
		{"relative URL in html content", `href="https://example.org/"&gt;world`, `href="/world"&gt;world`, "entry 1: content: <a href=\"/world\"> is a relative URL"},
		{"relative URL in xhtml content", `<a href="https://example.org/">there</a>`, `<a href="there.html">there</a>`, "entry 2: content: <a href=\"there.html\"> is a relative URL"},
		{"non-canonical id", "<id>https://blog.example.com/posts/second/</id>", "<id>https://Blog.example.com/posts/second/</id>", "host must be lower case"},
		{"text title with markup", "<title>Second post</title>", "<title>Second &lt;b&gt;post&lt;/b&gt;</title>", `contains markup "<b>"`},
		{"implausible date", "<updated>2024-01-01T09:30:00Z</updated>", "<updated>1969-12-31T09:30:00Z</updated>", "before 1970"},
		{"onclick in xhtml content", `<p>Hi`, `<p onclick="x()">Hi`, "event-handler attribute"},
	})
}

func TestJSONViolations(t *testing.T) {
	runMutations(t, "feed.json", []mutation{
		{"not JSON", `"tags": ["go", "feeds"],`, `"tags": ["go", "feeds"],,`, "not valid JSON"},
		{"invalid utf-8", "Second post", "Second \xff post", "not valid UTF-8"},
		{"version", "https://jsonfeed.org/version/1.1", "https://jsonfeed.org/version/1", "version \"https://jsonfeed.org/version/1\""},
		{"title empty", `"title": "Example Blog"`, `"title": ""`, "title is missing or empty"},
		{"title type", `"title": "Example Blog"`, `"title": 7`, "title must be a string"},
		{"feed_url missing", `"feed_url": "https://blog.example.com/feed.json",`, "", "feed_url is missing"},
		{"feed_url relative", `"feed_url": "https://blog.example.com/feed.json"`, `"feed_url": "/feed.json"`, "feed_url: \"/feed.json\" is not an absolute URL"},
		{"home_page_url relative", `"home_page_url": "https://blog.example.com/"`, `"home_page_url": "blog.example.com"`, "home_page_url:"},
		{"language", `"language": "en"`, `"language": "en_US"`, `language "en_US"`},
		{"author not object", `"language": "en",`, `"language": "en", "author": "Jane",`, "author must be an object"},
		{"authors not objects", `"authors": [{"name": "Jane Doe"}]`, `"authors": ["Jane Doe"]`, "authors[0]: must be an object"},
		{"author without name or url", `"authors": [{"name": "Jane Doe"}]`, `"authors": [{}]`, "needs a non-empty name or url"},
		{"unknown member", `"description"`, `"descripton"`, `unknown member "descripton"`},
		{"duplicate member", `"language": "en",`, `"language": "en", "language": "fr",`, `member "language" appears twice`},
		{"items not array", `"items": [`, `"items": "none", "_items": [`, "items must be an array"},
		{"id empty", `"id": "tag:blog.example.com,2024:first"`, `"id": ""`, "item 2: id is empty"},
		{"id missing", `"id": "tag:blog.example.com,2024:first",`, "", "item 2: id is missing"},
		{"id not string", `"id": "tag:blog.example.com,2024:first"`, `"id": 42`, "id must be a string"},
		{"id duplicate", `"id": "tag:blog.example.com,2024:first"`, `"id": "https://blog.example.com/posts/second/"`, "duplicates item 1"},
		{"url relative", `"url": "https://blog.example.com/posts/first/"`, `"url": "/posts/first/"`, "item 2: url:"},
		{"image relative", `"image": "https://blog.example.com/img/a.png"`, `"image": "img/a.png"`, "item 1: image:"},
		{"no content", `"content_text": "Plain text body.",`, "", "needs content_html or content_text"},
		{"summary with HTML", `"summary": "A summary of the second post."`, `"summary": "A <b>bold</b> summary."`, "contains markup"},
		{"date_published", `"date_published": "2024-01-01T09:30:00+01:00"`, `"date_published": "2024-01-01 09:30"`, "date_published:"},
		{"date_modified before published", `"date_modified": "2024-01-03T11:00:00Z"`, `"date_modified": "2024-01-02T11:00:00Z"`, "date_modified is before date_published"},
		{"title with markup", `"title": "Second post"`, `"title": "Second <i>post</i>"`, "title contains markup"},
		{"tags not strings", `"tags": ["go", "feeds"]`, `"tags": ["go", 7]`, "tags must be an array of strings"},
		{"relative URL in content_html", `href=\"https://example.org/\"`, `href=\"/about\"`, "relative URL"},
		{"onclick in content_html", `<p>Hello`, `<p onclick=\"x()\">Hello`, "event-handler attribute"},
		{"script in content_html", `<p>Hello`, `<script>x()</script><p>Hello`, "<script> element"},
	})
	t.Run("items missing", func(t *testing.T) {
		err := Check("feed.json", []byte(`{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"https://x.example/feed.json"}`))
		if err == nil || !strings.Contains(err.Error(), "items is missing") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("not an object", func(t *testing.T) {
		err := Check("feed.json", []byte(`["https://jsonfeed.org/version/1.1"]`))
		if err == nil || !strings.Contains(err.Error(), "not a JSON object") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestOPMLViolations(t *testing.T) {
	runMutations(t, "feeds.opml", []mutation{
		{"version", `<opml version="2.0">`, `<opml version="1.0">`, `want version="2.0"`},
		{"title", "<title>Example Blog feeds</title>", "", "head: title is missing"},
		{"relative xmlUrl", `xmlUrl="https://blog.example.com/tag/go/rss.xml"`, `xmlUrl="tag/go/rss.xml"`, "outline 2: outline 1: xmlUrl:"},
		{"duplicate xmlUrl", `xmlUrl="https://blog.example.com/tag/go/rss.xml"`, `xmlUrl="https://blog.example.com/rss.xml"`, "duplicates outline 1"},
		{"missing xmlUrl", ` xmlUrl="https://blog.example.com/tag/go/rss.xml"`, "", `type="rss" outline without xmlUrl`},
		{"missing text", `<outline text="go" `, `<outline `, "text attribute is missing"},
		{"no outlines", `<outline text="Tags">`, `<outline text="Tags"><!--`, "not well-formed"},
		{"bad dateCreated", "Wed, 03 Jan 2024 10:00:00 GMT", "2024-01-03", "dateCreated:"},
	})
	t.Run("empty body", func(t *testing.T) {
		err := Check("feeds.opml", []byte(`<opml version="2.0"><head><title>x</title></head><body/></opml>`))
		if err == nil || !strings.Contains(err.Error(), "no <outline>") {
			t.Fatalf("got %v", err)
		}
	})
}

func TestHTMLViolations(t *testing.T) {
	runMutations(t, "index.html", []mutation{
		{"no title", "<title>Example Blog feeds</title>", "", "<title> is missing"},
		{"wrong type", `type="application/rss+xml"`, `type="text/xml"`, `type "text/xml" is not`},
		{"empty href", `href="feed.json"`, `href=""`, "has no href"},
	})
}

func TestFormatMismatch(t *testing.T) {
	err := Check("rss.xml", []byte(sample(t, "atom.xml")))
	if err == nil || !strings.Contains(err.Error(), `detected feed type "atom", want "rss"`) {
		t.Fatalf("atom served as rss.xml: got %v", err)
	}
	err = Check("atom.xml", []byte(sample(t, "rss.xml")))
	if err == nil || !strings.Contains(err.Error(), "want <feed>") {
		t.Fatalf("rss served as atom.xml: got %v", err)
	}
}

func TestDirectEntryPoints(t *testing.T) {
	for name, f := range map[string]func([]byte) error{
		"rss.xml": CheckRSS, "atom.xml": CheckAtom, "feed.json": CheckJSON, "feeds.opml": CheckOPML, "index.html": CheckHTML,
	} {
		if err := f([]byte(sample(t, name))); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := f(nil); name != "index.html" && err == nil {
			t.Errorf("%s: empty input accepted", name)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Check("style.css", []byte("body{}")); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("got %v, want ErrUnknownFormat", err)
	}
	// Other .xml files are classified by their root element.
	if err := Check("sitemap-feed.xml", []byte(sample(t, "atom.xml"))); err != nil {
		t.Fatalf("atom under another name: %v", err)
	}
}

func TestLangTags(t *testing.T) {
	for tag, want := range map[string]bool{
		"en": true, "en-us": true, "en-US": true, "zh-Hant-TW": true, "de-CH-1996": true,
		"es-419": true, "sl-rozaj-biske": true, "x-whatever": true, "en-x-private": true,
		"de-DE-u-co-phonebk": true, "zh-yue-HK": true,
		"": false, "english": false, "en_US": false, "e": false, "en-": false,
		"-en": false, "en--us": false, "en-x": false, "en-a": false, "toolongtag": false,
		"en-US-a-b": false,
	} {
		if got := plausibleLangTag(tag); got != want {
			t.Errorf("plausibleLangTag(%q) = %v, want %v", tag, got, want)
		}
	}
}

func TestRFC822(t *testing.T) {
	for s, ok := range map[string]bool{
		"Mon, 01 Jan 2024 09:30:00 +0000": true,
		"Mon, 01 Jan 2024 09:30:00 GMT":   true,
		"Sun, 31 Dec 2023 23:30:00 -0500": true,
		"Mon, 01 Jan 2024 04:30:00 EST":   true,
		"Mon, 01 Jan 2024 09:30:00 UTC":   false,
		"Tue, 01 Jan 2024 09:30:00 +0000": false,
		"Mon, 01 Jan 24 09:30:00 +0000":   false,
		"Mon, 1 Jan 2024 09:30:00 +0000":  false,
		"2024-01-01T09:30:00Z":            false,
		" Mon, 01 Jan 2024 09:30:00 GMT":  false,
		"":                                false,
	} {
		_, err := parseRFC822(s)
		if (err == nil) != ok {
			t.Errorf("parseRFC822(%q) error = %v, want ok=%v", s, err, ok)
		}
	}
	a, _ := parseRFC822("Mon, 01 Jan 2024 04:30:00 EST")
	b, _ := parseRFC822("Mon, 01 Jan 2024 09:30:00 GMT")
	if !a.Equal(b) {
		t.Errorf("EST not converted: %v vs %v", a, b)
	}
}

// FuzzCheck feeds arbitrary bytes to Check under every recognised name. It
// asserts only that the checker does not panic (or hang): a validator used
// as a test oracle must survive whatever a buggy generator emits.
func FuzzCheck(f *testing.F) {
	for _, name := range names {
		f.Add(sample(f, name))
	}
	f.Add(`<rss version="2.0"><channel><item><guid/></item></channel></rss>`)
	f.Add(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="xhtml"/></entry></feed>`)
	f.Add(`{"items":[null,{"authors":{}}],"author":[]}`)
	f.Add(`<?xml version="1.0" encoding="latin1"?><x/>`)
	f.Add("\xef\xbb\xbf<rss/>")
	f.Fuzz(func(t *testing.T, body string) {
		for _, name := range names {
			_ = Check(name, []byte(body))
		}
	})
}

func TestPlainTextEntities(t *testing.T) {
	for s, bad := range map[string]bool{"R&D": false, "&A;0": false, "AT&T;": false, "&amp;": true, "&#60;": true, "<b>x</b>": true} {
		if err := plainText(s); (err != nil) != bad {
			t.Errorf("plainText(%q) = %v, want error %v", s, err, bad)
		}
	}
}
