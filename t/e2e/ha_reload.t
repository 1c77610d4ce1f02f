#!/bin/bash
# t/e2e/ha_reload.t - the director block and reload: removed from the
# master's file, failover is off there (VIPs released, a leaving heartbeat
# so the backup takes over at once); put back, the director starts as at
# start and, with the higher priority and preempt, is master again; an
# unchanged block through a reload changes nothing.  Lab: t/ha.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=hr$$
plan 7
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
ha_conf "$P" 1 150 true >"$D/d1.conf"
ha_conf "$P" 2 100 true >"$D/d2.conf"
cp "$D/d1.conf" "$D/d1.full"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
wait_until 10 eval 'ha_role_is "$P" 1 master && ha_role_is "$P" 2 backup'

ha_ctl "$P" 1 reload >/dev/null
sleep 1
check "an unchanged block through a reload: roles and VIP as they were" \
    eval 'ha_role_is "$P" 1 master && ha_role_is "$P" 2 backup &&
    ha_has_vip "$P" 1'

# the block removed (from "director = {" to its "};")
sed '/^director = {/,/^};/d' "$D/d1.full" >"$D/d1.conf"
ha_ctl "$P" 1 reload >/dev/null
check "block removed: d1 says failover is off" wait_until 5 eval \
    'ha_ctl "$P" 1 role | grep -q "failover off"'
check "its VIP is released" wait_until 5 eval '! ha_has_vip "$P" 1'
check "and d2 took over" wait_until 5 ha_role_is "$P" 2 master
like "$(ha_ctl "$P" 2 role)" "master since .*: peer left" \
    "at once: d1 said it was leaving"

cp "$D/d1.full" "$D/d1.conf"
ha_ctl "$P" 1 reload >/dev/null
check "block back: d1 is master again (priority 150, preempt)" \
    wait_until 10 ha_role_is "$P" 1 master
check "d2 backup, d1 holds the VIP" \
    wait_until 5 eval 'ha_role_is "$P" 2 backup && ha_has_vip "$P" 1'
