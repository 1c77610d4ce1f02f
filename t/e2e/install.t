#!/bin/bash
# t/e2e/install.t - `make install` lays out what a packager and an operator
# expect: the two programs, three man pages that render without warnings, a
# systemd unit that systemd-analyze accepts, an example config the installed
# lvsmond accepts, and the MIB.  Installs into a temporary PREFIX.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
ROOT=$(cd "$T/.." && pwd)
: "${LVSMON_BUILD:=$ROOT/build}"
case "$LVSMON_BUILD" in
*build-san) MODE=san ;;
*) MODE=release ;;
esac

D=$(mktemp -d "${TMPDIR:-/tmp}/lvsmon-install.XXXXXX") || bail_out "mktemp"
cleanup() { rm -rf "$D"; }
T_EXIT_HOOKS+=(cleanup)

plan 13

make -s -C "$ROOT" install MODE=$MODE PREFIX="$D/usr" UNITDIR="$D/unit" \
    MIBDIR="$D/mibs" >"$D/make.log" 2>&1
ok $? "make install into a temporary PREFIX succeeds" ||
	diag "$(tail -5 "$D/make.log")"

missing=""
for f in usr/sbin/lvsmond usr/sbin/lvsmonctl usr/share/man/man8/lvsmond.8 \
    usr/share/man/man8/lvsmonctl.8 usr/share/man/man5/lvsmond.conf.5 \
    unit/lvsmond.service usr/share/lvsmon/lvsmond.conf.example \
    mibs/LVS-MIB.txt; do
	[ -f "$D/$f" ] || missing="$missing $f"
done
is "$missing" "" "programs, man pages, unit, example config and MIB are installed"

like "$(grep '^ExecStart=' "$D/unit/lvsmond.service")" "^ExecStart=$D/usr/sbin/lvsmond -n" \
    "the unit starts the installed lvsmond"

if command -v systemd-analyze >/dev/null; then
	out=$(MANPATH="$D/usr/share/man:" systemd-analyze verify \
	    "$D/unit/lvsmond.service" 2>&1)
	ok $? "systemd-analyze verify accepts the unit" || diag "$out"
else
	skip 1 "systemd-analyze is not installed"
fi
like "$(grep '^CapabilityBoundingSet=' "$D/unit/lvsmond.service")" \
    "CAP_NET_ADMIN CAP_NET_RAW$" "the unit keeps only NET_ADMIN and NET_RAW"
is "$(grep -E '^(Type|NotifyAccess)=' "$D/unit/lvsmond.service" | tr '\n' ' ')" \
    "Type=notify NotifyAccess=main " "the unit waits for lvsmond's READY=1"
is "$(grep '^ExecReload=' "$D/unit/lvsmond.service")" \
    'ExecReload=/bin/kill -HUP $MAINPID' "systemctl reload sends SIGHUP"
like "$(grep -E '^(SecureBits|NoNewPrivileges|ProtectSystem)=' \
    "$D/unit/lvsmond.service" | tr '\n' ' ')" \
    "^SecureBits=noroot noroot-locked NoNewPrivileges=yes ProtectSystem=strict $" \
    "the unit is hardened: noroot, no new privileges, a read-only system"
if command -v systemd-analyze >/dev/null &&
    systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	out=$(systemd-analyze security --offline=true --threshold=40 \
	    "$D/unit/lvsmond.service" 2>&1)
	ok $? "systemd-analyze security rates the unit's exposure at most 4.0" ||
	    diag "$(tail -3 <<<"$out")"
	note "$(grep -o 'Overall exposure level.*' <<<"$out")"
else
	skip 1 "systemd-analyze security --offline is not available"
fi

if command -v man >/dev/null; then
	for p in man8/lvsmond.8 man8/lvsmonctl.8 man5/lvsmond.conf.5; do
		out=$(LC_ALL=C.UTF-8 MANPAGER=cat man --warnings -l \
		    "$D/usr/share/man/$p" 2>&1 >"$D/page.txt")
		[ -z "$out" ] && grep -q "DESCRIPTION" "$D/page.txt"
		ok $? "man -l renders $p without warnings" || diag "$out"
	done
else
	skip 3 "man is not installed"
fi

out=$(sed "s|/run/lvsmon/|$D/|; s|/var/lib/lvsmon/|$D/|" \
    "$D/usr/share/lvsmon/lvsmond.conf.example" >"$D/ex.conf" &&
    "$D/usr/sbin/lvsmond" -t -f "$D/ex.conf" 2>&1)
like "$out" "configuration .* ok" "the installed lvsmond accepts the example config"
