#!/bin/sh
# Validation sweep: build each corpus with and without "-hub -archive" and run
# every feed, archive document and HTML page through independent checkers; then
# let newsboat read RSS and Atom feeds (with hub links) and archive documents
# from a "feedgen serve" on loopback. Prints one table row per corpus, mode
# and checker: files, errors, warnings. Not run in CI (see docs/testing.md, "Validation sweep").
#
#   scripts/validate.sh [WORKDIR]
#
# Needs: go; Debian's python3-feedparser python3-jsonschema python3-lxml
# python3-html5lib python3-rdflib tidy newsboat sqlite3 curl; and a checkout of
# the W3C feed validator (github.com/w3c/feedvalidator) named by FEEDVALIDATOR
# (default WORKDIR/feedvalidator; cloned there when absent, which needs network).
# Corpora: seeds/ (its feedgen.yaml), SHARED_SEEDS (default ../shared/seeds)
# and FEEDBENCH_CORPUS (default bench-out/corpus/n1000-s1), each when
# present. Modes: plain; hub (-hub https://hub.example.com/ -archive); for
# seeds/ also archive5 and archive12 (the same with -limit 5 and -limit 12, so
# that the small corpus has archive documents: several months, and one).
# Exit status 1 when any checker reports an error, or a warning other than the
# three known ones that do not come from feedgen's writing (see below).
set -eu
cd "$(dirname "$0")/.."
repo=$(pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
FEEDVALIDATOR=${FEEDVALIDATOR:-$work/feedvalidator}
export FEEDVALIDATOR
if [ ! -d "$FEEDVALIDATOR/src/feedvalidator" ]; then
	git clone -q --depth 1 https://github.com/w3c/feedvalidator "$FEEDVALIDATOR"
fi
py=/usr/bin/python3 # Debian's, which has the packages above
base=https://feeds.example.org/
go build -o "$work/feedgen" ./cmd/feedgen
go build -o "$work/checktree" ./scripts/checktree

corpora="seeds"
shared=${SHARED_SEEDS:-../shared/seeds}
[ -d "$shared" ] && corpora="$corpora shared"
corpus=${FEEDBENCH_CORPUS:-bench-out/corpus/n1000-s1}
[ -d "$corpus" ] && corpora="$corpora $(basename "$corpus")"

src_of() {
	case $1 in
	seeds) echo "-src seeds -config seeds/feedgen.yaml" ;;
	shared) echo "-src $shared" ;;
	*) echo "-src $corpus" ;;
	esac
}

bad=0
table="$work/results.md"
echo "| corpus | mode | checker | files | errors | warnings |" >"$table"
echo "|---|---|---|---|---|---|" >>"$table"
row() { # corpus mode log: turn RESULT lines into table rows
	grep '^RESULT' "$3" | while read -r _ checker files errors warnings rest; do
		echo "| $1 | $2 | $checker | ${files#files=} | ${errors#errors=} | ${warnings#warnings=} |"
	done >>"$table"
	if grep '^RESULT' "$3" | grep -v 'errors=0 warnings=' | grep -q .; then bad=1; fi
	# A warning fails the sweep unless it is one of these, each explained in
	# docs/testing.md ("Validation sweep"): they come from the articles (a date in
	# the future, two articles with the same date) or are inherent in a
	# one-document RFC 5005 archive, not from how feedgen writes a feed.
	if grep '^RESULT' "$3" | grep -v 'warnings=0' | grep -qv '^RESULT w3c '; then bad=1; fi
	if grep '^KIND' "$3" | grep -v -e '^KIND w3c warnings [0-9]* Implausible date$' \
		-e '^KIND w3c warnings [0-9]* Two entries with the same value for atom:updated$' \
		-e '^KIND w3c warnings [0-9]* Archive incomplete$' | grep -q .; then bad=1; fi
}
for c in $corpora; do
	modes="plain hub"
	[ "$c" = seeds ] && modes="plain hub archive5 archive12"
	for m in $modes; do
		case $m in
		plain) extra="" ;;
		hub) extra="-hub https://hub.example.com/ -archive" ;;
		archive5) extra="-hub https://hub.example.com/ -archive -limit 5" ;;
		archive12) extra="-hub https://hub.example.com/ -archive -limit 12" ;;
		esac
		out="$work/$c-$m"
		rm -rf "$out"
		# shellcheck disable=SC2046
		"$work/feedgen" build $(src_of "$c") $extra -out "$out" -state "" -base-url "$base" 2>"$out.build.log"
		"$py" scripts/w3c-validate.py "$out" "$base" >"$out.feeds.log" 2>&1 || true
		"$py" scripts/html-validate.py "$out" >"$out.html.log" 2>&1 || true
		"$work/checktree" "$out" >"$out.own.log" 2>&1 || true
		cat "$out.feeds.log" "$out.html.log" "$out.own.log" >"$out.log"
		row "$c" "$m" "$out.log"
		grep '^KIND' "$out.feeds.log" | sed "s/^/$c $m /" || true
	done
done

# newsboat: every document must reach its cache with all its items.
addr=127.0.0.1:18931
u=http://$addr
"$work/feedgen" serve -src seeds -config seeds/feedgen.yaml -limit 5 -archive -hub https://hub.example.com/ \
	-addr $addr -state "" -out "$work/serve-out" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
i=0
until curl -sf -o /dev/null "$u/rss.xml"; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "feedgen serve did not start; see $work/serve.log" >&2; exit 1; }
	sleep 0.2
done
nb="$work/newsboat"
rm -rf "$nb" && mkdir -p "$nb"
printf 'auto-reload no\n' >"$nb/config"
nbfiles=0 nberr=0
for f in rss.xml atom.xml archive/2024/05/rss.xml archive/2024/05/atom.xml archive/2024/04/rss.xml \
	archive/2024/04/atom.xml category/gangkou/rss.xml category/gangkou/atom.xml; do
	nbfiles=$((nbfiles + 1))
	echo "$u/$f" >"$nb/urls"
	rm -f "$nb/cache.db"
	HOME=$nb newsboat -u "$nb/urls" -c "$nb/cache.db" -C "$nb/config" -x reload >/dev/null 2>&1
	want=$(curl -s "$u/$f" | grep -c -E '<item>|<entry>')
	got=$(sqlite3 "$nb/cache.db" "select count(*) from rss_item where title != '' and content != '' and pubDate > 0")
	if [ "$got" != "$want" ] || [ "$want" = 0 ]; then
		echo "newsboat: $f: $got complete items, want $want"
		nberr=$((nberr + 1))
	fi
done
echo "| seeds | archive5 (serve) | newsboat | $nbfiles | $nberr | 0 |" >>"$table"
# WebSub discovery by HTTP (WebSub 4): a feed names its hub and itself in Link.
hdr=$(curl -sI "$u/atom.xml")
lerr=0
echo "$hdr" | grep -qi '^link: <https://hub.example.com/>; rel="hub"' || { echo "Link: no rel=hub"; lerr=1; }
echo "$hdr" | grep -qi "^link: <$u/atom.xml>; rel=\"self\"" || { echo "Link: no rel=self"; lerr=1; }
echo "| seeds | archive5 (serve) | Link headers | 1 | $lerr | 0 |" >>"$table"
[ $lerr = 0 ] || bad=1
[ $nberr = 0 ] || bad=1
echo
cat "$table"
echo "logs in $work"
exit $bad
