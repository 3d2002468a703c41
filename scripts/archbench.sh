#!/bin/sh
# archbench.sh — the daemon with -archive (RFC 5005): memory after start and
# after 20 edits of archived articles, restart time to the first 200, and the
# first request of a cold archive document. Figures in BENCHMARKS.md
# ("Archived feeds: the daemon").
#
#   scripts/archbench.sh BIN CORPUS WORKDIR [PORT]
#
# BIN is a feedgen binary, CORPUS a benchmark corpus (cmd/feedbench corpus),
# WORKDIR a scratch directory (emptied: the corpus is copied there, since the
# edits change it). Linux only (/proc).
set -eu
BIN=$1 CORPUS=$2 WORK=$3 PORT=${4:-18431}
URL=http://127.0.0.1:$PORT
rm -rf "$WORK"
mkdir -p "$WORK"
cp -r "$CORPUS" "$WORK/src"

now() { date +%s.%N; }
cpu() { awk '{print $14+$15}' "/proc/$PID/stat"; }
rss() { awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{printf "VmRSS %.0f MiB (peak %.0f MiB)", r/1024, h/1024}' "/proc/$PID/status"; }
# idle waits until the daemon has used no CPU for 3 s (its scan, rendering
# and compression are done).
idle() {
	last=$(cpu)
	while sleep 3; do
		c=$(cpu)
		[ "$c" = "$last" ] && return
		last=$c
	done
}
start() {
	t0=$(now)
	"$BIN" serve -src "$WORK/src" -state "$WORK/state" -archive -addr "127.0.0.1:$PORT" >>"$WORK/log" 2>&1 &
	PID=$!
	until curl -fso /dev/null "$URL/rss.xml"; do sleep 0.02; done
	echo "$1: first 200 after $(echo "$(now) - $t0" | bc) s"
	idle
	echo "$1: idle after $(echo "$(now) - $t0" | bc) s, $(rss)"
}
stop() { kill -TERM "$PID"; wait "$PID" || true; }

start "fresh start"
i=0
for f in $(ls "$WORK/src" | awk 'NR % 397 == 1' | head -20); do
	printf '\n\nedit %d\n' "$i" >>"$WORK/src/$f"
	i=$((i + 1))
	sleep 1
done
idle
echo "after $i edits of spread-out (mostly archived) articles: $(rss)"
stop
start "restart (warm state)"
# The newest archive document of the global feed, then an older one: both
# cold (nothing asked for them since the start).
newest=$(curl -fs "$URL/atom.xml" | grep -o 'href="[^"]*" rel="prev-archive"' | head -1 | sed 's/href="\([^"]*\)".*/\1/')
older=$(curl -fs "$URL${newest#*127.0.0.1:$PORT}" | grep -o 'href="[^"]*" rel="prev-archive"' | head -1 | sed 's/href="\([^"]*\)".*/\1/')
for u in "$older" "$older"; do
	p=${u#*127.0.0.1:$PORT}
	curl -fso /dev/null -H 'Accept-Encoding: br, gzip' -w "GET $p (br): %{http_code} %{size_download} B in %{time_total} s\n" "$URL$p"
done
echo "after the archive requests: $(rss)"
stop
du -sh "$WORK/state" | sed 's/^/state: /'
