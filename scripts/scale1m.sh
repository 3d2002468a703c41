#!/bin/bash
# scale1m.sh — the 1M-article figures of BENCHMARKS.md ("The 1M run"): first
# build and rebuilds with a state, cat, a daemon restarted from that state
# (time to the first answer, memory after start and after 100 edits, edit
# latency), and the same edits on 1k articles for the latency ratio.
#
#   scripts/scale1m.sh [WORKDIR]      (default ./bench-out)
#
# The corpora come from "go run ./cmd/feedbench corpus -n N -workdir WORKDIR"
# (1M: 8.8 GB, 2.5 min). It takes about 15 minutes here. Linux only (/proc).
set -eu
W=${1:-bench-out}
cd "$(dirname "$0")/.."
B=$W/bin/feedgen-scale
go build -o "$B" ./cmd/feedgen
C=$W/corpus/n1000000-s1
C1=$W/corpus/n1000-s1
ST=$W/state/scale-n1000000
OUT=$W/out/scale-n1000000
echo "== $(date -u +%FT%TZ) revision $(git rev-parse --short HEAD)"

# rss PID: the memory figures of a process.
rss() { grep -E "VmHWM|VmRSS|RssAnon|RssFile" /proc/$1/status | tr -s ' \n' ' '; echo; }

rm -rf "$ST" "$OUT"
"$B" build -src "$C" -out "$OUT" -state "$ST" -base-url http://b/ 2>/dev/null &
P=$!; start=$(date +%s.%N); peak=0; anon=0; file=0
while kill -0 $P 2>/dev/null; do
  read -r a f < <(awk '/RssAnon/{a=$2} /RssFile/{f=$2} END{print a+0, f+0}' /proc/$P/status 2>/dev/null || echo "0 0")
  [ "$a" -gt "$anon" ] && anon=$a; [ "$f" -gt "$file" ] && file=$f; [ $((a+f)) -gt "$peak" ] && peak=$((a+f))
  sleep 1
done
wait $P
echo "first build: $(echo "$(date +%s.%N) - $start" | bc) s; sampled peak VmRSS ${peak} kB (RssAnon max ${anon} kB, RssFile max ${file} kB); state $(stat -c %s "$ST/index.db") bytes"
for i in 1 2 3; do
  /usr/bin/time -f "rebuild: %e s, peak RSS %M kB" "$B" build -src "$C" -out "$OUT" -state "$ST" -base-url http://b/ 2>&1 | tail -1
done
/usr/bin/time -f "cat: %e s" sh -c 'find "$1" -type f -print0 | xargs -0 cat > /dev/null' sh "$C"

# daemon DIR STATE PORT: start, time to the first 200 and to gzip, memory.
daemon() {
  start=$(date +%s.%N)
  "$B" serve -src "$1" -state "$2" -addr 127.0.0.1:$3 -base-url http://b/ > "$W/logs/scale-serve-$3.log" 2>&1 &
  DP=$!
  until curl -sf -o /dev/null http://127.0.0.1:$3/rss.xml; do sleep 0.05; done
  echo "first 200: $(echo "$(date +%s.%N) - $start" | bc) s"
  until [ "$(curl -s -H 'Accept-Encoding: gzip' -o /dev/null -w '%header{content-encoding}' http://127.0.0.1:$3/rss.xml)" = gzip ]; do sleep 0.1; done
  echo "gzip ready: $(echo "$(date +%s.%N) - $start" | bc) s"
  sleep 3; rss $DP
}

# edits DIR PORT N: N edits of new articles dated after every other one;
# the latency is from the rename to the title in /rss.xml.
edits() {
  lat=()
  for i in $(seq 1 "$3"); do
    f=$1/zz-edit-$((i % 5)).txt
    t0=$(date +%s%N)
    printf -- "---\ntitle: \"edit marker %d\"\ndate: 2031-01-01 00:%02d:00 +0800\ncategories: caijing\ntags: bench\n---\n<p>edit %d</p>\n\n<http://news.example.com/edit/%d.html>\n" \
      "$i" $((i % 60)) "$i" $((i % 5)) > "$f.tmp" && mv "$f.tmp" "$f"
    until curl -s http://127.0.0.1:$2/rss.xml | grep -q "edit marker $i<"; do sleep 0.002; done
    lat+=($(( ($(date +%s%N) - t0) / 1000000 )))
  done
  printf '%s\n' "${lat[@]}" | sort -n | awk '{a[NR]=$1} END {print "edit latency ms: min", a[1], "median", a[int(NR/2)+1], "p90", a[int(NR*0.9)], "max", a[NR]}'
  sleep 3; rss $DP
  rm -f "$1"/zz-edit-*
}

echo "-- 1M, restarted with the state of the builds above"
daemon "$C" "$ST" 8911; edits "$C" 8911 100; kill $DP; wait $DP || true
echo "-- 1k, first start, then a restart"
rm -rf "$W/state/scale-n1000"
daemon "$C1" "$W/state/scale-n1000" 8912; edits "$C1" 8912 100; kill $DP; wait $DP || true
daemon "$C1" "$W/state/scale-n1000" 8912; kill $DP; wait $DP || true
echo "== done $(date -u +%FT%TZ)"
