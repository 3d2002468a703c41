#!/bin/sh
# install-weed.sh — builds SeaweedFS's `weed`, the S3-compatible server that
# the object storage tests (package bucket, pipeline's -publish tests) start on
# loopback, and caches it outside the repository, keyed by version. Does
# nothing when the binary is there already. Prints the binary's path.
#
#   scripts/install-weed.sh            # then: go test ./bucket/
#
# The tests find the binary at $FEEDGEN_WEED, else at the path printed here.
# `go install` refuses the module (its go.mod has replace directives), so the
# module is downloaded through the Go module proxy and built from a writable
# copy. It is a large program: the first build takes tens of minutes on two
# cores.
set -eu
VERSION=${FEEDGEN_WEED_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}
CACHE=${FEEDGEN_WEED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/feedgen-weed}
BIN=$CACHE/weed-$VERSION
if [ -x "$BIN" ]; then
  echo "$BIN"
  exit 0
fi
mkdir -p "$CACHE"
WORK=$(mktemp -d "$CACHE/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# Outside any module, so that the download does not touch this one's go.mod.
DIR=$(cd "$WORK" && GOFLAGS=-mod=mod go mod download -json "github.com/seaweedfs/seaweedfs@$VERSION" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
if [ -z "$DIR" ] || [ ! -d "$DIR" ]; then
  echo "install-weed.sh: cannot download github.com/seaweedfs/seaweedfs@$VERSION" >&2
  exit 1
fi
# The module cache is read-only; the build writes nothing into the source,
# but a copy keeps any tool that does from failing.
cp -R "$DIR" "$WORK/src"
chmod -R u+w "$WORK/src"
echo "install-weed.sh: building weed $VERSION (this takes a while)" >&2
(cd "$WORK/src" && go build -o "$WORK/weed" ./weed)
mv "$WORK/weed" "$BIN" # whole or not at all: a cut-short build leaves no binary
echo "$BIN"
