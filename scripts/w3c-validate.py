"""Validate every RSS and Atom file of a feedgen output tree with the W3C
feed validator (which knows RFC 5005) and feedparser. Not run in CI: it needs
a checkout of github.com/w3c/feedvalidator and Debian's python3-feedparser,
python3-lxml, python3-html5lib and python3-rdflib.

    FEEDVALIDATOR=/path/to/feedvalidator python3 scripts/w3c-validate.py OUT BASE_URL

Reports each file with a warning or error (compatibility level AA, as the
online validator) and a count.
"""
import sys, os
sys.path.insert(0, os.path.join(os.environ.get('FEEDVALIDATOR', 'feedvalidator'), 'src'))
import feedvalidator
from feedvalidator import compatibility
from feedvalidator.formatter.text_plain import Formatter
import feedparser, urllib.parse
root, base = sys.argv[1], sys.argv[2]
bad = 0; n = 0
for dp, dn, fn in os.walk(root):
    for f in sorted(fn):
        if f not in ('rss.xml', 'atom.xml', 'feed.json'):
            continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, root)
        url = base + urllib.parse.quote(rel)
        data = open(p, 'rb').read()
        n += 1
        if f == 'feed.json':
            continue  # neither feedparser 6.0 nor the W3C validator knows JSON Feed
        fp = feedparser.parse(data, response_headers={'content-type': {'rss.xml':'application/rss+xml','atom.xml':'application/atom+xml','feed.json':'application/json'}[f]})
        if not fp.entries and b'<item>' in data: print(rel, 'feedparser: no entries'); bad += 1
        if fp.bozo:
            print(rel, 'feedparser bozo:', fp.bozo_exception); bad += 1
        if f == 'feed.json':
            continue  # the W3C validator knows no JSON Feed
        try:
            events = feedvalidator.validateString(data, firstOccurrenceOnly=1, base=url)['loggedEvents']
        except feedvalidator.logging.ValidationFailure as vf:
            events = [vf.event]
        events = compatibility.AA(events)
        out = Formatter(events)
        if out:
            bad += 1
            print(rel); print('\n'.join(out))
print(n, 'files,', bad, 'with problems')
