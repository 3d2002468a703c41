"""Check every HTML page (index.html) of a feedgen output tree with two
independent HTML checkers: html5lib, the WHATWG HTML parser (every parse
error), and HTML Tidy (its errors and warnings). Not run in CI: it needs
Debian's python3-html5lib and tidy. scripts/validate.sh runs it.

    python3 scripts/html-validate.py OUT

Tidy 5.6 (Debian 12) predates three <img> attributes of the HTML standard
that the pages use (loading, decoding, referrerpolicy); its "proprietary
attribute" warning for those is counted apart as "outdated", not as a
warning. Prints each problem and "RESULT <checker> files=N errors=E
warnings=W" per checker.
"""
import collections, os, re, subprocess, sys

import html5lib

root = sys.argv[1]
# Attributes of the WHATWG HTML standard newer than tidy 5.6's tables.
NEWER = ('loading', 'decoding', 'referrerpolicy')
stats = {k: collections.Counter() for k in ('html5lib', 'tidy')}

for dp, dn, fn in os.walk(root):
    dn.sort()
    if 'index.html' not in fn:
        continue
    p = os.path.join(dp, 'index.html')
    rel = os.path.relpath(p, root)
    data = open(p, 'rb').read()
    stats['html5lib']['files'] += 1
    parser = html5lib.HTMLParser(strict=False)
    parser.parse(data, transport_encoding='utf-8')
    for pos, code, params in parser.errors:
        stats['html5lib']['errors'] += 1
        print(rel, 'html5lib error: line %d col %d: %s %s' % (pos[0], pos[1], code, params or ''))
    stats['tidy']['files'] += 1
    out = subprocess.run(['tidy', '-q', '-e', '-utf8', p], capture_output=True, text=True).stderr
    for line in out.splitlines():
        m = re.match(r'line \d+ column \d+ - (Warning|Error): (.*)', line)
        if not m:
            continue
        level, msg = m.groups()
        if level == 'Warning' and re.fullmatch(r'<img> proprietary attribute "(%s)"' % '|'.join(NEWER), msg):
            stats['tidy']['outdated'] += 1
            continue
        stats['tidy']['errors' if level == 'Error' else 'warnings'] += 1
        print(rel, 'tidy', line)

for k, s in stats.items():
    extra = ' outdated=%d' % s['outdated'] if k == 'tidy' else ''
    print('RESULT %s files=%d errors=%d warnings=%d%s' % (k, s['files'], s['errors'], s['warnings'], extra))
