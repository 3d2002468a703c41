#!/bin/bash
# Start-up compression time and VmRSS of the daemon (BENCHMARKS.md, "Brotli").
# usage: scripts/brotli-mem.sh BINARY SOURCE_DIR PORT
set -u
bin=$1; src=$2; port=$3
log=$(mktemp)
"$bin" serve -src "$src" -addr "127.0.0.1:$port" -state "" 2>"$log" &
pid=$!
for _ in $(seq 1 600); do grep -q 'msg=compressed' "$log" && break; sleep 0.2; done
sleep 2
echo "$(grep -o 'msg=compressed.*' "$log" | head -1) VmRSS=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)kB"
kill "$pid"; wait "$pid" 2>/dev/null
rm -f "$log"
