#!/bin/bash
# bench/apply-nft.sh - run build/bench/dir_apply in a network namespace made
# for it, removed afterwards (also on failure or ^C).  Figures only.
#
#   bench/apply-nft.sh [dir_apply args: -s S -r R -n N]
#   LVSMON_BUILD=build-san bench/apply-nft.sh     (the sanitizer build)
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${LVSMON_BUILD:-$SRC/build}
NS=lvsmon-dirapply-$$

[ "$(id -u)" -eq 0 ] || { echo "apply-nft.sh: needs root" >&2; exit 2; }
[ -x "$BUILD/bench/dir_apply" ] ||
    { echo "apply-nft.sh: build $BUILD/bench/dir_apply first (make)" >&2
      exit 2; }
trap 'ip netns del "$NS" 2>/dev/null' EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || exit 1
uname -r | sed 's/^/kernel /'
ip netns exec "$NS" "$BUILD/bench/dir_apply" "$@"
