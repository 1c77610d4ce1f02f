#!/bin/bash
# t/vm/tests/ha_sync.t - failover on IPVS: the master director runs the
# kernel's connection sync daemon as master, the backup as backup
# (director.sync); a connection through the master appears in the
# backup's connection table; after kill -9 of the master (links down) the
# backup's daemon turns master and the established connection carries on
# through it.  Two directors in namespaces of the guest (t/ha.sh).
#
# Runs in the IPVS guest (t/e2e/ipvs_guest.t); needs ipvsadm.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"
modprobe ip_vs 2>/dev/null

P=hs$$
plan 7
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
export HA_BACKEND=ipvs
X='sync = { interface = "eth0"; syncid = 7; };'
ha_conf "$P" 1 150 true "$X" 0.3 4 >"$D/d1.conf"
ha_conf "$P" 2 100 true "$X" 0.3 4 >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
wait_until 20 ha_role_is "$P" 1 master
wait_until 20 ha_role_is "$P" 2 backup

daemons()
{
	ip netns exec "$P-d$1" ipvsadm -L --daemon 2>&1
}
check "the master runs the sync daemon as master" \
    wait_until 10 eval 'daemons 1 | grep -q "master sync daemon (mcast=eth0, syncid=7"'
check "the backup runs it as backup" \
    wait_until 10 eval 'daemons 2 | grep -q "backup sync daemon (mcast=eth0, syncid=7"'

# a long download through the master: 8 lines, one a second
ip netns exec "$P-cli" "$LVSMON_BUILD/t/tools/tally" --hold 8 -t 4000 \
    "$HA_VIP4:$HA_PORT" >"$D/hold.out" 2>&1 &
hold=$!
_lab_track "$P" "$hold"
check "the backup's table has the connection (synced from the master)" \
    wait_until 10 eval 'ip netns exec "$P-d2" ipvsadm -Lnc |
    grep -q "ESTABLISHED.*$HA_VIP4:$HA_PORT"'

d1pid=$(cat "$D/d1.bg")
kill -KILL "$d1pid"
ip -n "$P-d1" link set eth0 down
ip -n "$P-d1" link set eth1 down
{ wait "$d1pid"; } 2>/dev/null
rm -f "$D/d1.bg"
check "the backup becomes master" wait_until 15 ha_role_is "$P" 2 master
check "and its sync daemon master" \
    wait_until 10 eval 'daemons 2 | grep -q "master sync daemon"'
wait_until 30 eval '! kill -0 '"$hold"' 2>/dev/null'
wait "$hold" 2>/dev/null
out=$(cat "$D/hold.out")
like "$out" "complete yes" \
    "the download that started through the dead master completed" ||
    diag "$out"
like "$out" "server rs1" "served by rs1 all along"
