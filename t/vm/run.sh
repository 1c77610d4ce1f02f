#!/bin/bash
# t/vm/run.sh - run one command in the IPVS test guest and relay its output.
#
#   t/vm/run.sh [-t SECS] [-m MiB] [-c CONSOLE_LOG] CMD [ARG...]
#
# Boots Debian's kernel under qemu (TCG: this host has no KVM) with the
# image of t/vm/build.sh, runs CMD ARG... with bash in the guest from the
# repository's top directory (CMD is a path relative to it, e.g.
# t/vm/guest.sh), prints CMD's stdout here as it comes, and exits with
# CMD's exit status.  The guest sees the host's / read-only (t/vm/init),
# so CMD runs this tree's build as it is; it writes only to the guest's
# own /tmp.
#
#   -t SECS      hard bound on the whole boot-run-poweroff (default 300);
#                past it qemu is killed and the exit status is 124
#   -m MiB       guest memory (default 1024; ASan programs want room)
#   -c FILE      keep the guest's console (kernel, CMD's stderr) in FILE;
#                by default it goes to this script's stderr
#
# Passed into the guest: LVSMON_BUILD, ASAN_OPTIONS, UBSAN_OPTIONS,
# LSAN_OPTIONS, CMOCKA_MESSAGE_OUTPUT, LVSMON_VM_* and BENCH_* when set
# (absolute paths under /tmp /var /run /root, which the guest has of its
# own, become /host/PATH; so does the tree when it lives there).
# Exit 2 (with "vm: why" on stderr) when the guest cannot be had here;
# 125 when it booted but gave no RC line (console tail on stderr).
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
TMO=300
MEM=1024
CONSOLE=""
while getopts t:m:c: o; do
	case $o in
	t) TMO=$OPTARG ;;
	m) MEM=$OPTARG ;;
	c) CONSOLE=$OPTARG ;;
	*) echo "usage: $0 [-t SECS] [-m MiB] [-c FILE] CMD [ARG...]" >&2
	   exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-t SECS] [-m MiB] CMD [ARG...]" >&2
	exit 2; }

img=$("$SRC/t/vm/build.sh") || exit $?
VMLINUX=$(sed -n 's/^VMLINUX=//p' <<<"$img")
INITRD=$(sed -n 's/^INITRD=//p' <<<"$img")
MODULES=$(sed -n 's/^MODULES=//p' <<<"$img")

# The job lives on the host (the guest reads it through the share); its
# directory must not be under a path the guest shadows (/tmp is the
# guest's own tmpfs), so it goes next to the image.
JOBS=$(dirname "$(dirname "$MODULES")")
JOBS=${JOBS%/root/lib}/jobs
mkdir -p "$JOBS" || exit 1
JD=$(mktemp -d "$JOBS/job.XXXXXX") || exit 1
QPID=""
cleanup()
{
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill -KILL "$QPID" 2>/dev/null
		wait "$QPID" 2>/dev/null
	fi
	rm -rf "$JD"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest has its own /tmp /var /run /root: a host path under one of
# them is read through the share, at /host/PATH.
gpath()
{
	case $1 in
	/tmp|/tmp/*|/var|/var/*|/run|/run/*|/root|/root/*) echo "/host$1" ;;
	*) echo "$1" ;;
	esac
}
{
	echo "cd $(printf '%q' "$(gpath "$SRC")") || exit 96"
	for v in LVSMON_BUILD ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS \
	    CMOCKA_MESSAGE_OUTPUT $(compgen -v | grep -E '^(LVSMON_VM_|BENCH_)'); do
		[ -n "${!v+x}" ] || continue
		val=${!v}
		[ "${val:0:1}" = / ] && val=$(gpath "$val")
		echo "export $v=$(printf '%q' "$val")"
	done
	printf 'exec bash'
	printf ' %q' "$@"
	echo
} >"$JD/job.sh"
: >"$JD/tap"
[ -n "$CONSOLE" ] || CONSOLE=/dev/stderr

# -accel tcg: no /dev/kvm on this host (a VM without nested
# virtualisation); TCG is also what CI has.  One vCPU: MTTCG on two host
# cores measured slower (notes/ipvs-vm.md).
timeout -k 5 "$TMO" qemu-system-x86_64 -accel tcg -cpu max -m "$MEM" \
    -smp 1 -nodefaults -no-user-config -display none -no-reboot \
    -serial stdio -serial "file:$JD/tap" \
    -kernel "$VMLINUX" -initrd "$INITRD" \
    -virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap" \
    -append "console=ttyS0 panic=-1 quiet loglevel=3 lvsmon.job=$JD/job.sh lvsmon.modules=$MODULES" \
    </dev/null >"$CONSOLE" 2>&1 &
QPID=$!
# Relay the job's output as it comes (tail stops when qemu is gone).
tail -n +1 -f --pid="$QPID" "$JD/tap" 2>/dev/null |
    tr -d '\r' | grep -v --line-buffered '^RC=[0-9]*$'
wait "$QPID"
qrc=$?
QPID=""
rc=$(tr -d '\r' <"$JD/tap" | sed -n 's/^RC=\([0-9]*\)$/\1/p' | tail -n 1)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm: the guest ran out of its $TMO s and was stopped" >&2
	exit 124
fi
if [ -z "$rc" ]; then
	echo "vm: the guest gave no RC line (qemu exit $qrc)" >&2
	[ "$CONSOLE" != /dev/stderr ] && tail -n 30 "$CONSOLE" >&2
	exit 125
fi
exit "$rc"
