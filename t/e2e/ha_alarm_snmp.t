#!/bin/bash
# t/e2e/ha_alarm_snmp.t - a failover with an `snmp` alert sink: the alert
# policy decides what goes out, so the backup d2 that takes over sends
# lvsmonAlarm for the role (subject director(4), kind notice(6), state
# master, message "backup -> master: peer dead") and for the dead peer
# (subject peer(5), kind down(1), server 192.0.2.1), and no ungated
# lvsmonDirectorRoleChange (the rule of lvsmonRealStateChange and
# lvsmonServiceQuorumChange, t/e2e/alert_snmp.t).  Lab: t/ha.sh, as
# t/e2e/ha_notify.t.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=ha$$
ROLE_CHANGE=$SNMP_LVS.100.0.3		# lvsmonDirectorRoleChange
ALARM=$SNMP_LVS.100.0.4			# lvsmonAlarm
A=$SNMP_LVS.100.5			# lvsmonAlarmObjects

plan 8
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")

ha_conf "$P" 1 150 true >"$D/d1.conf"
{ ha_conf "$P" 2 100 true |
    awk -v b="  $(snmp_conf_block)" '{ print } /^global = \{/ { print b }'
echo 'alerts = ( { type = "snmp"; } );'
} >"$D/d2.conf"

ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf"
ok $? "d2 starts with global.snmp and an snmp alert sink" || exit
check "d1 is master, d2 backup" eval 'wait_until 10 ha_role_is "$P" 1 master &&
    wait_until 10 ha_role_is "$P" 2 backup'
snmp_wait_subagent 10
ok $? "d2's subagent has registered with snmpd"
mark=$(wc -l <"$(snmp_traps)")

d1pid=$(cat "$D/d1.bg")
kill -KILL "$d1pid"
ip -n "$P-d1" link set eth0 down
ip -n "$P-d1" link set eth1 down
wait "$d1pid" 2>/dev/null
rm -f "$D/d1.bg"
check "d2 becomes master" wait_until 10 ha_role_is "$P" 2 master

wait_until 10 snmp_have_traps 2 "$mark" "$ALARM" "$A.4.0" 'director\(4\)' \
    "$A.3.0" 'notice\(6\)' "$A.8.0" master
ok $? "snmptrapd has lvsmonAlarm: subject director(4), kind notice(6)," \
    "state master (trap and inform)"
line=$(snmp_trap_lines "$mark" "$ALARM" "$A.4.0" 'director\(4\)' | head -n 1)
note "${line:0:1200}"
is "$(snmp_trap_value "$line" "$A.2.0"): $(snmp_trap_value "$line" "$A.10.0")" \
    "LvsmonDirectorRole: backup -> master: peer dead" \
    "... named LvsmonDirectorRole, message backup -> master: peer dead"
wait_until 10 snmp_have_traps 2 "$mark" "$ALARM" "$A.4.0" 'peer\(5\)' \
    "$A.3.0" 'down\(1\)' "$A.7.0" 192.0.2.1
ok $? "... and lvsmonAlarm subject peer(5), kind down(1), server 192.0.2.1"
is "$(snmp_ntraps "$mark" "$ROLE_CHANGE")" 0 \
    "no ungated lvsmonDirectorRoleChange while the snmp sink exists"
