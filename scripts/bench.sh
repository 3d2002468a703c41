#!/bin/sh
# bench.sh — run the feedgen end-to-end benchmark (cmd/feedbench).
#
# Installs wrk and nginx when missing and the HTTP section is to run, then
# runs "go run ./cmd/feedbench run" from the module root with the given
# flags. The Markdown report is printed and appended to
# BENCHMARKS-results.md (change with -out). Examples:
#
#   scripts/bench.sh -sizes 1000,5000 -runs 2 -edits 5 -restarts 1   # quick check
#
# Full run (1k–100k, every section; about 30 min on 2 cores):
#
#   scripts/bench.sh -workdir WORKDIR -sizes 1000,10000,50000,100000 -runs 3 -out BENCHMARKS-run.md
#
# 1M articles (6.9 GiB in one flat directory). Generate the corpus first, once
# (2.5 min here; it is cached under -workdir and reused while its marker
# corpus/n1000000-s1.ok is there):
#
#   go run ./cmd/feedbench corpus -n 1000000 -workdir WORKDIR
#
# then run only the sections that matter at that size; the daemon and restart
# sections also run at 1k, for the 1M / 1k update-latency ratio. Cold-cache
# runs and strace counts are left out (-cold=false -strace=false): at 1M a
# cold cat alone takes ~6 min here, and the system calls per article are
# those of 100k. With feedgen before the state directory (063953d) one 1M build took ~4 min
# and 6 GB, the daemon ~6 min to start; the whole command took 24 min. With the state, the first
# build takes ~8 min; scripts/scale1m.sh measures the state-specific 1M figures in ~15 min.
# Run it detached (setsid nohup) from a shell that may go away:
#
#   scripts/bench.sh -workdir WORKDIR -sizes 1000000 -daemon-sizes 1000,1000000 -sections build,daemon,restart -runs 1 -cold=false -strace=false -build-timeout 30m -out BENCHMARKS-1M.md
#
# Against a feedgen built elsewhere (say the branch that adds -state), add
# -bin /path/to/feedgen. Without -state the state-specific rows are skipped.
set -eu
cd "$(dirname "$0")/.."
# wrk and nginx are only needed when the HTTP section runs.
http=yes
prev=
for a in "$@"; do
	case "$a" in
	-skip-http | -skip-http=true | --skip-http | --skip-http=true) http=no ;;
	-sections=* | --sections=*) case "$a" in *http* | *all*) ;; *) http=no ;; esac ;;
	esac
	if [ "$prev" = -sections ] || [ "$prev" = --sections ]; then
		case "$a" in *http* | *all*) ;; *) http=no ;; esac
	fi
	prev=$a
done
if [ "$http" = yes ] && { ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; }; then
	SUDO=
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
	$SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk nginx ||
		echo "bench.sh: could not install wrk/nginx; the HTTP comparison will be skipped" >&2
fi
exec go run ./cmd/feedbench run "$@"
