"""Validate every feed file of a feedgen output tree with independent readers:
the W3C feed validator (which knows RFC 5005) and feedparser for RSS and Atom,
and a JSON Schema of JSON Feed 1.1 (scripts/jsonfeed-1.1.schema.json) for
feed.json. Not run in CI: it needs a checkout of github.com/w3c/feedvalidator
and Debian's python3-feedparser, python3-jsonschema, python3-lxml,
python3-html5lib and python3-rdflib. scripts/validate.sh runs it over every
corpus.

    FEEDVALIDATOR=/path/to/feedvalidator python3 scripts/w3c-validate.py OUT BASE_URL

Prints each file with a warning or error (W3C compatibility level AA, as the
online validator: errors and warnings, not the informational notes), one
distinct message per file and kind (W3C: with its number of occurrences),
then one summary line per checker, counting every occurrence:

    RESULT <checker> files=N errors=E warnings=W

and a count of each message text, so that a corpus's results fit in a table.
"""
import collections, json, os, re, sys, urllib.parse

sys.path.insert(0, os.path.join(os.environ.get('FEEDVALIDATOR', 'feedvalidator'), 'src'))
import feedvalidator
from feedvalidator import compatibility
from feedvalidator.logging import Error, Warning
from feedvalidator.formatter.text_plain import Formatter
import feedparser
import jsonschema

root, base = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
schema = json.load(open(os.path.join(here, 'jsonfeed-1.1.schema.json')))
jsonschema.Draft7Validator.check_schema(schema)
jf = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
mtype = {'rss.xml': 'application/rss+xml', 'atom.xml': 'application/atom+xml'}
stats = {k: collections.Counter() for k in ('w3c', 'feedparser', 'jsonschema')}
kinds = collections.Counter()


def problem(checker, level, rel, msg):
    n, kind = 1, msg
    if checker == 'w3c':
        # "line L, column C: Message (N occurrences)": the validator reports
        # the first occurrence of each message per file; count them all.
        kind = msg.split(': ', 1)[-1]
        m = re.search(r' \((\d+) occurrences\)$', kind)
        if m:
            n, kind = int(m.group(1)), kind[:m.start()]
    stats[checker][level] += n
    kinds[(checker, level, kind)] += n
    print(rel, checker, level + ':', msg)


for dp, dn, fn in os.walk(root):
    dn.sort()
    for f in sorted(fn):
        if f not in ('rss.xml', 'atom.xml', 'feed.json'):
            continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, root)
        url = base + urllib.parse.quote(rel)
        data = open(p, 'rb').read()
        if f == 'feed.json':
            # Neither feedparser 6.0 nor the W3C validator knows JSON Feed.
            stats['jsonschema']['files'] += 1
            try:
                doc = json.loads(data)
            except ValueError as e:
                problem('jsonschema', 'errors', rel, 'not JSON: %s' % e)
                continue
            for e in sorted(jf.iter_errors(doc), key=lambda e: list(e.path)):
                problem('jsonschema', 'errors', rel, '/'.join(map(str, e.path)) + ': ' + e.message[:200])
            continue
        stats['feedparser']['files'] += 1
        fp = feedparser.parse(data, response_headers={'content-type': mtype[f]})
        if not fp.entries and (b'<item>' in data or b'<entry>' in data):
            problem('feedparser', 'errors', rel, 'no entries')
        if fp.bozo:
            problem('feedparser', 'errors', rel, 'bozo: %s' % fp.bozo_exception)
        stats['w3c']['files'] += 1
        try:
            events = feedvalidator.validateString(data, firstOccurrenceOnly=1, base=url)['loggedEvents']
        except feedvalidator.logging.ValidationFailure as vf:
            events = [vf.event]
        events = compatibility.AA(events)
        for ev, line in zip(events, Formatter(events)):
            problem('w3c', 'errors' if isinstance(ev, Error) else 'warnings', rel, line)

for k in ('w3c', 'feedparser', 'jsonschema'):
    s = stats[k]
    print('RESULT %s files=%d errors=%d warnings=%d' % (k, s['files'], s['errors'], s['warnings']))
for (checker, level, msg), n in sorted(kinds.items()):
    print('KIND %s %s %d %s' % (checker, level, n, msg))
