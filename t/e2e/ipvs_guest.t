#!/bin/bash
# t/e2e/ipvs_guest.t - the IPVS backend's tests, in a qemu guest.
#
# This host's kernel has no IPVS; Debian's kernel has.  t/vm/build.sh
# makes a guest of it (cached outside the tree), t/vm/run.sh boots it once
# and runs t/vm/guest.sh, which runs every t/vm/tests/*.t inside and
# prints one TAP stream; this relays it (diagnostics to stderr).
#
# Skips, with the reason, when there is no qemu, no static busybox, not
# root, or the kernel package cannot be downloaded.  Bounded: the guest is
# killed after LVSMON_VM_TIMEOUT seconds (default 1200: the nine guest
# tests take about 9 minutes on a quiet host, more when it is busy).
T=$(cd "$(dirname "$0")/.." && pwd)
SRC=$(cd "$T/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
: "${LVSMON_BUILD:=$SRC/build}"
export LVSMON_BUILD
[ -x "$LVSMON_BUILD/t/tools/dirctl" ] ||
    { echo "1..0 # SKIP no $LVSMON_BUILD/t/tools/dirctl (make first)"; exit 0; }

img=$("$SRC/t/vm/build.sh" 2>&1)
rc=$?
if [ $rc = 2 ]; then
	echo "1..0 # SKIP ${img##*vm: }"
	exit 0
elif [ $rc != 0 ]; then
	echo "Bail out!  the guest image: $img"
	exit 255
fi

# Optimised test tools for the guest (see t/vm/guest.sh), next to the
# image: the guest reads them through its share of the host's /.
CACHE=$(sed -n 's/^VMLINUX=//p' <<<"$img")
TOOLS=$(mktemp -d "$(dirname "$CACHE")/tools.XXXXXX") || exit 1
CONS=$(mktemp /tmp/ipvs_guest.console.XXXXXX)
trap 'rm -rf "$TOOLS" "$CONS"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -o "$TOOLS/tally" "$SRC/t/tools/tally.c" &&
cc -std=c11 -D_GNU_SOURCE -O2 -o "$TOOLS/rsd" "$SRC/t/tools/rsd.c" &&
cc -std=c11 -D_GNU_SOURCE -O2 -I"$SRC" -o "$TOOLS/dirctl" \
    "$SRC/t/tools/dirctl.c" "$SRC"/director/*.c \
    $(pkg-config --cflags --libs libnftnl libmnl libnl-genl-3.0 \
    libnl-route-3.0) ||
    { echo "Bail out!  cannot compile the guest's tools"; exit 255; }
export LVSMON_VM_TOOLS=$TOOLS

start=$SECONDS
"$SRC/t/vm/run.sh" -t "${LVSMON_VM_TIMEOUT:-1200}" -c "$CONS" \
    t/vm/guest.sh | while IFS= read -r l; do
	case $l in
	"#> "*)	echo "# ${l#\#> }" >&2 ;;
	*)	echo "$l" ;;
	esac
done
rc=${PIPESTATUS[0]}
echo "# guest: boot, tests and poweroff in $((SECONDS - start)) s"
if [ "$rc" -ge 124 ]; then
	echo "# the guest's console ends:" >&2
	tail -n 30 "$CONS" | sed 's/^/# /' >&2
fi
exit "$rc"
