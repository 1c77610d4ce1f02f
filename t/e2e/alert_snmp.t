#!/bin/bash
# t/e2e/alert_snmp.t - the `snmp` alert sink: the policy's alarms reach
# snmptrapd as lvsmonAlarm notifications (through the private snmpd's
# trap2sink and informsink: each notification arrives twice, so alarms
# are counted by their lvsmonAlarmId).  rs2 fails: after alertafter = 3
# failed checks exactly one down alarm, one repeat (alertevery 1.5 s,
# numalerts 2) and no more, then one up alarm when rs2 is up again; no
# ungated lvsmonRealStateChange is sent while the sink exists.  An snmp
# sink without global.snmp is a config error that names the entry.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
ALARM=$SNMP_LVS.100.0.4			# lvsmonAlarm
REAL_CHANGE=$SNMP_LVS.100.0.1		# lvsmonRealStateChange
A=$SNMP_LVS.100.5			# lvsmonAlarmObjects

plan 16
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")

services()
{
	cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25;
              rise = 2; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10; },
      { address = "198.51.100.12"; port = 8080; weight = 10; } ); }
);
alerts = (
  { type = "snmp"; alertafter = 3; alertevery = 1.5; numalerts = 2;
    upalert = true; }
);
EOF
}

# No subagent, no snmp sink: the error names the entry and the key.
{ lab_conf_global "$P"; services; } >"$D/nosnmp.conf"
out=$("$LVSMON_BUILD/lvsmond" -t -f "$D/nosnmp.conf" 2>&1)
rc=$?
like "$rc: $out" \
    "^1: .*nosnmp\.conf:[0-9]+: alerts #1 \(snmp\): type: needs the SNMP subagent" \
    "an snmp sink without global.snmp: lvsmond -t exits 1 naming file:line and the entry"

snmp_up || bail_out "the private snmpd and snmptrapd did not start"
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P"; services; } >"$CONF"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with an snmp alert sink"
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
snmp_wait_subagent 5
ok $? "the subagent has registered with snmpd"
mark=$(wc -l <"$(snmp_traps)")

# alarm_ids SINCE [OID REGEX]...: how many distinct lvsmonAlarmId values
# the lvsmonAlarm lines after SINCE that match carry.
alarm_ids()
{
	local since=$1 l
	shift
	snmp_trap_lines "$since" "$ALARM" "$@" | while IFS= read -r l; do
		snmp_trap_value "$l" "$A.1.0"
		echo
	done | sort -u | grep -c .
}
have_alarms()	# have_alarms N SINCE [OID REGEX]...
{
	[ "$(alarm_ids "${@:2}")" -ge "$1" ]
}

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 is stopped and lvsmond sees it down"
wait_until 10 have_alarms 1 "$mark" "$A.3.0" 'down\(1\)'
ok $? "snmptrapd gets lvsmonAlarm kind down(1)"
line=$(snmp_trap_lines "$mark" "$ALARM" "$A.3.0" 'down\(1\)' | head -n 1)
note "${line:0:1000}"
is "$(snmp_trap_value "$line" "$A.2.0") $(snmp_trap_value "$line" "$A.6.0") $(
    snmp_trap_value "$line" "$A.7.0") $(snmp_trap_value "$line" "$A.4.0")" \
    "LvsmonRealDown web $R2 real(1)" \
    "it names the alarm, the service, the server and the subject"
like "$(snmp_trap_value "$line" "$A.9.0"): $(snmp_trap_value "$line" "$A.10.0")" \
    '^L4CON: .*ECONNREFUSED' "it carries the reason code and the check's message"
between "$(snmp_trap_value "$line" "$A.12.0")" 3 1000 \
    "it was decided after alertafter = 3 failed checks"
wait_until 10 have_alarms 1 "$mark" "$A.3.0" 'repeat\(2\)'
ok $? "one repeat(2) follows after alertevery"
sleep 2		# numalerts = 2: what must NOT come has had time to come
is "$(alarm_ids "$mark" "$A.3.0" 'down\(1\)|repeat\(2\)')" 2 \
    "exactly two alarms for the failure: the first and one repeat (numalerts)"

mark2=$(wc -l <"$(snmp_traps)")
lab_rs_start "$P" 2 || bail_out "rsd did not start again"
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up again"
wait_until 10 have_alarms 1 "$mark2" "$A.3.0" 'up\(3\)'
ok $? "snmptrapd gets lvsmonAlarm kind up(3)"
sleep 1		# a second up alarm would have come by now
is "$(alarm_ids "$mark" "$A.3.0" 'up\(3\)')" 1 "exactly one up alarm"
is "$(snmp_ntraps "$mark" "$REAL_CHANGE")" 0 \
    "no ungated lvsmonRealStateChange while an snmp sink is configured"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
