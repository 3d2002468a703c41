#!/bin/sh
# bench.sh — run the feedgen end-to-end benchmark (cmd/feedbench).
#
# Installs wrk and nginx when missing (needed for the HTTP comparison), then
# runs "go run ./cmd/feedbench run" from the module root with the given
# flags. Examples:
#   scripts/bench.sh                                  # full run (~20 min)
#   scripts/bench.sh -sizes 1000,5000 -runs 2 -edits 5 # quick check
# The Markdown report is printed and appended to BENCHMARKS-results.md
# (change with -out).
set -eu
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null 2>&1 || ! command -v nginx >/dev/null 2>&1; then
	SUDO=
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
	$SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk nginx ||
		echo "bench.sh: could not install wrk/nginx; the HTTP comparison will be skipped" >&2
fi
exec go run ./cmd/feedbench run "$@"
