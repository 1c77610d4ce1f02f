#!/bin/bash
# bench/ipvs-apply.sh - the apply figures of the ipvs and the nft backends,
# side by side, from one boot of the IPVS guest (t/vm/: this host's kernel
# has no IPVS).  Figures only; nothing passes or fails.
#
#   bench/ipvs-apply.sh [-s SERVICES]      (default 1000: 10,000 reals)
#
# In the guest, for each backend in turn: build/bench/dir_apply -b B (sync,
# adoption, one change, all 10,000 weights in one apply, read_stats,
# flush) in a namespace of its own, then bench/apply --backend B
# --skip-dir (lvsmond: verdict -> kernel, operator -> kernel) at
# BENCH_VERDICT_SERVICES services (default 100; 1,000 services of checks
# swamp one emulated CPU).  Needs the optimised build (make build).
#
# Under TCG every guest instruction is emulated: absolute figures are
# several times the same kernel's on hardware, and syscall-heavy paths
# (one netlink message per change) are hit harder than memory-heavy ones.
# Compare the two backends within one run, not with host figures.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
S=1000
if [ "${1:-}" = -s ]; then S=$2; shift 2; fi

if [ "${1:-}" != --guest ]; then
	[ "$(id -u)" -eq 0 ] || { echo "ipvs-apply.sh: needs root" >&2; exit 2; }
	for f in build/bench/dir_apply build/lvsmond build/lvsmonctl; do
		[ -x "$SRC/$f" ] || { echo "ipvs-apply.sh: $f is not built" \
		    "(make build)" >&2; exit 2; }
	done
	BENCH_S=$S exec "$SRC/t/vm/run.sh" -t 1500 -m 2048 \
	    -c "${TMPDIR:-/tmp}/ipvs-apply.console" bench/ipvs-apply.sh --guest
fi

# --- in the guest ---
S=${BENCH_S:-1000}
V=${BENCH_VERDICT_SERVICES:-100}
modprobe ip_vs 2>/dev/null
echo "lvsmon bench/ipvs-apply.sh  guest kernel $(uname -r), qemu TCG," \
    "$(nproc) vCPU, $(awk '/MemTotal/ { print int($2 / 1024) }' \
    /proc/meminfo) MiB"
for b in ipvs nft; do
	ns=dirapply-$b
	ip netns add "$ns" || exit 1
	echo "== $b: build/bench/dir_apply -s $S"
	ip netns exec "$ns" build/bench/dir_apply -b "$b" -s "$S" -n 100 |
	    sed 's/^/  /'
	ip netns del "$ns"
	echo "== $b: bench/apply --services $V (lvsmond)"
	python3 bench/apply --backend "$b" --services "$V" --flips 5 \
	    --admin 5 --skip-dir 2>&1 | sed 's/^/  /'
done
