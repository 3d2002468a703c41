package feedgen

import (
	"html/template"
	"time"

	"feedgen/feedgen/archive"
	"feedgen/feedgen/doc"
	"feedgen/feedgen/internal/parallel"
	"feedgen/feedgen/render"
	"feedgen/index"
	"feedgen/layout"
	"feedgen/snapshot"
)

// output turns planned feeds into files: each feed in the three formats
// from its items' fragments, with its HTML page (pages.go), then the site
// index and the OPML list over all feeds. It holds the files, or hands
// them to Emit, and records in the state what each feed shows, so that a
// later run knows the feeds without rendering them. It is the job that
// writes the feeds' bytes, kept apart from the planner, which only
// decides, and from the archive's documents, which follow the archive.
type output struct {
	*shared
	arch       *archive.Docs               // their items stay in the state; the pages list their months
	feeds      map[layout.FeedKey]*feedOut // rendered, or known from the state
	gone       []layout.FeedKey            // feeds removed since the state last heard of them
	all        allItems                    // the global feed's rendered items, for the index page
	indexParts render.IndexCache           // the index page's rendered rows
	indexFile  *snapshot.File
	opmlFile   *snapshot.File
	listFiles  [2]*snapshot.File // the listing pages of categories and tags (sitefiles.go)
}

// feedOut is a rendered feed.
type feedOut struct {
	sig   [32]byte // of everything the feed's bytes depend on
	info  render.FeedInfo
	items []string // paths of the articles shown
	etags [3]string
	// lastMod is the Last-Modified time of the feed's files (lastmod.go).
	lastMod time.Time
	// files are the rendered files; nil for a feed known from the state
	// (index.Shown) or handed over by Emit, whose bytes are not held.
	files [3]*snapshot.File
	// page is the feed's HTML page, like files; none for the global feed,
	// whose page is the site index.
	page     *snapshot.File
	pageETag string
}

// load takes the feeds known from the state: what they showed, with their
// tags, to be planned again (and rendered only when they changed).
func (out *output) load(t *index.Tx) error {
	return t.EachShown(func(k layout.FeedKey, s index.Shown) error {
		out.dirty[k] = true
		out.feeds[k] = &feedOut{sig: s.Sig, etags: s.ETags, pageETag: s.PageETag, items: s.Items, lastMod: s.LastModified, info: render.FeedInfo{
			Key: k, Title: s.Title, Description: s.Description, Link: s.Link, Updated: s.Updated,
		}}
		return nil
	})
}

// forgetUnheld marks every feed to be planned again and drops those known
// only from a state that is gone (damaged).
func (out *output) forgetUnheld() {
	for k, f := range out.feeds {
		out.dirty[k] = true
		if f.files[0] == nil {
			delete(out.feeds, k)
		}
	}
}

// drop forgets feed k, which shows nothing any more.
func (out *output) drop(k layout.FeedKey) {
	if out.feeds[k] != nil {
		delete(out.feeds, k)
		out.gone = append(out.gone, k)
	}
}

// eachFile calls fn with the slot of every held file of the feeds, their
// pages, the site index and the OPML list.
func (out *output) eachFile(fn func(**snapshot.File)) {
	for _, f := range out.feeds {
		for i := range f.files {
			if f.files[i] != nil {
				fn(&f.files[i])
			}
		}
		if f.page != nil {
			fn(&f.page)
		}
	}
	for _, f := range []**snapshot.File{&out.indexFile, &out.opmlFile, &out.listFiles[0], &out.listFiles[1]} {
		if *f != nil {
			fn(f)
		}
	}
}

// render renders the planned feeds, in parallel (assembling and hashing are
// the expensive part), from the fragments the index keeps. With emit set,
// the files of each group of feeds are handed over in feed order and
// dropped.
func (out *output) render(jobs []*renderJob, emit func(*snapshot.File)) int {
	step := len(jobs)
	if emit != nil {
		step = 2 * max(1, parallel.Width())
	}
	for start := 0; start < len(jobs); start += step {
		group := jobs[start:min(len(jobs), start+step)]
		files := make([][3]*snapshot.File, len(group))
		pages := make([]jobPage, len(group))
		errs := make([]error, len(group))
		parallel.Run(len(group), func(i int) {
			files[i], pages[i], errs[i] = out.renderFeed(group[i])
		})
		for i, j := range group {
			if errs[i] != nil {
				out.log.Error("rendering a feed", "feed", j.key.Path(layout.RSS), "err", errs[i])
				continue
			}
			paths := doc.Paths(j.items)
			o := &feedOut{sig: j.sig, info: j.info, items: paths, files: files[i], page: pages[i].file, lastMod: files[i][0].ModTime}
			for f, file := range files[i] {
				o.etags[f] = file.ETag
			}
			if o.page != nil {
				o.pageETag = o.page.ETag
			}
			if j.key.Kind == layout.KindAll {
				out.all = allItems{sig: j.sig, count: len(paths), html: pages[i].items}
			}
			if emit != nil {
				for _, f := range files[i] {
					emit(f)
				}
				if o.page != nil {
					emit(o.page)
				}
				o.files, o.page = [3]*snapshot.File{}, nil
			}
			out.feeds[j.key] = o
		}
	}
	return len(jobs)
}

// jobPage is what renderFeed made of a feed's page: the page, or for the
// global feed the item list of the site index.
type jobPage struct {
	file  *snapshot.File
	items template.HTML
}

// renderFeed renders one feed in the three formats, and its page.
func (out *output) renderFeed(j *renderJob) ([3]*snapshot.File, jobPage, error) {
	var files [3]*snapshot.File
	var page jobPage
	old := out.feeds[j.key]
	lm := feedLastModified(old, j.info.Updated)
	paths := doc.Paths(j.items)
	err := out.ix.View(func(t *index.Tx) error {
		items, err := doc.Read(t, paths)
		if err != nil {
			return err
		}
		for _, f := range layout.Formats {
			body := items.Render(&out.cfg, f, j.info) // copies the parts out of the index
			var prev *snapshot.File
			if old != nil {
				prev = old.files[f]
			}
			files[f] = doc.Reuse(prev, j.key.Path(f), f.ContentType(), body, lm)
		}
		page.file, page.items, err = out.pageOf(j.key, j.info, items.Format(layout.JSON), old, lm)
		return err
	})
	return files, page, err
}

// remember records in the state what the rendered feeds show and forgets
// the feeds that are gone, so that a later build knows them without
// rendering them; and it drops the rendered items no feed shows any more,
// so that what the index keeps follows what is published, not the size of
// the archive. One transaction: each costs a synced commit.
func (out *output) remember(jobs []*renderJob) {
	shownBy := map[string]bool{}
	for _, o := range out.feeds {
		for _, p := range o.items {
			shownBy[p] = true
		}
	}
	out.arch.Shown(shownBy)
	var unshown []string
	for p := range out.frags {
		if !shownBy[p] {
			unshown = append(unshown, p)
		}
	}
	if len(jobs) == 0 && len(out.gone) == 0 && len(unshown) == 0 && !out.arch.Unrecorded() {
		return
	}
	_, err := out.ix.Update(func(t *index.Tx) error {
		for _, j := range jobs {
			o := out.feeds[j.key]
			if o == nil {
				continue
			}
			s := &index.Shown{Sig: o.sig, ETags: o.etags, PageETag: o.pageETag, Title: o.info.Title, Description: o.info.Description,
				Link: o.info.Link, Updated: o.info.Updated, Items: o.items, LastModified: o.lastMod}
			if err := t.PutShown(j.key, s); err != nil {
				return err
			}
		}
		for _, k := range out.gone {
			if err := t.PutShown(k, nil); err != nil {
				return err
			}
		}
		for _, p := range unshown {
			if err := t.DeleteFrag(p); err != nil {
				return err
			}
		}
		return out.arch.Remember(t)
	})
	if err != nil {
		out.log.Warn("state: cannot record the rendered feeds", "err", err)
		return
	}
	out.gone = out.gone[:0]
	out.arch.Recorded()
	for _, p := range unshown {
		delete(out.frags, p)
	}
}
