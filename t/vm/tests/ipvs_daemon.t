#!/bin/bash
# t/vm/tests/ipvs_daemon.t - lvsmond on IPVS: "auto" loads ip_vs and picks
# it, then the shared daemon scenario (t/scenarios/daemon.sh: split by
# weight, a failing server quiesced then restored, an operator's weight,
# kill -9 + restart keeping the table, its counters and an established
# connection), with the kernel's table read by ipvsadm.  The host runs
# the same scenario on nftables (t/e2e/daemon_nft.t).
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/scenarios/daemon.sh"
need_lab
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"

plan $((SCENARIO_DAEMON_TESTS + 1))

# Unload IPVS so that "auto" has to load it (best effort: a kernel with
# IPVS built in, or in use elsewhere, keeps it).
ipvsadm -C 2>/dev/null
for m in $(awk '$1 ~ /^ip_vs_/ { print $1 }' /proc/modules); do
	modprobe -r "$m" 2>/dev/null
done
modprobe -r ip_vs 2>/dev/null
unloaded=0
[ -e /proc/net/ip_vs ] || unloaded=1

# The config says "auto"; the kernel is read as IPVS.
SC_CONF_BACKEND=auto scenario_daemon ipvs
# The module comes back by the generic netlink lookup itself (ip_vs has
# the alias net-pf-16-proto-16-family-IPVS) or by auto's modprobe.
like "$(cat "$(lab_log "$SC_P")")" "backend ipvs: auto: kernel has IPVS" \
    "auto chose the ipvs backend$([ $unloaded = 1 ] &&
    echo ", loading ip_vs, which had been unloaded")" ||
    diag "$(grep -m 3 backend "$(lab_log "$SC_P")")"
