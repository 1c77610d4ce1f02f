#!/bin/bash
# t/e2e/snmp_trap.t - a receiver learns of a failure without polling:
# stopping a real server makes lvsmond send lvsmonRealStateChange through
# snmpd to snmptrapd (as a trap and as an inform) with the service, the
# server's address and port, old and new state and the reason; a server
# that comes back while snmpd is stopped is announced once snmpd is back
# (queued); losing every server sends lvsmonServiceQuorumChange.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
REAL_CHANGE=$SNMP_LVS.100.0.1		# lvsmonRealStateChange
QUORUM_CHANGE=$SNMP_LVS.100.0.2		# lvsmonServiceQuorumChange

plan 21
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25;
              rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10; },
      { address = "198.51.100.12"; port = 8080; weight = 10; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a global.snmp block" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
snmp_wait_subagent 5
ok $? "within 5 s the subagent has registered with snmpd"

S=$(lab_ctl "$P" show --json | perl -MJSON::PP -e '
    print decode_json(join "", <STDIN>)->{services}[0]{id}')
I2=$S.$(lab_field "$P" web "$R2" id)

RS=$SNMP_LVS.100.3.1		# lvsmonRealEntry

# The notifications of the start are in; from here on, count.
wait_until 5 snmp_have_traps 2 0 "$REAL_CHANGE" "$RS.3.$I2" "C6 33 64 0C" \
    "$RS.5.$I2" 'up\(3\)'
mark=$(wc -l <"$(snmp_traps)")

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 is stopped and lvsmond sees it down"
wait_until 5 snmp_have_traps 2 "$mark" "$REAL_CHANGE" "$RS.3.$I2" \
    "C6 33 64 0C" "$RS.5.$I2" 'down\(1\)'
ok $? "in 5 s snmptrapd has rs2's lvsmonRealStateChange to down, twice" \
    "(trap and inform)"
line=$(snmp_trap_lines "$mark" "$REAL_CHANGE" "$RS.5.$I2" 'down\(1\)' | head -n 1)
note "${line:0:1200}"
is "$(snmp_trap_value "$line" "$SNMP_LVS.100.2.1.2.$S")" web \
    "it names the service: lvsmonServiceName = web"
is "$(snmp_trap_value "$line" "$RS.2.$I2") $(snmp_trap_value "$line" "$RS.3.$I2") $(
    snmp_trap_value "$line" "$RS.4.$I2")" "ipv4(1) C6 33 64 0C 8080" \
    "it carries the server's address 198.51.100.12 (InetAddress) and port 8080"
like "$(snmp_trap_value "$line" "$RS.6.$I2") -> $(snmp_trap_value "$line" "$RS.5.$I2")" \
    '^(up\(3\)|falling\(4\)) -> down\(1\)$' \
    "it carries the old state (up or falling) and the new state down"
like "$(snmp_trap_value "$line" "$RS.13.$I2"): $(snmp_trap_value "$line" "$RS.14.$I2")" \
    '^l4con\([0-9]+\): .*(refused|REFUSED)' \
    "it carries the reason (l4con) and the check's message (refused)"
is "$(snmp_trap_value "$line" "$RS.10.$I2")" 0 \
    "it carries the effective weight the server now has: 0"

# snmpd away: the state change is queued, and sent once snmpd is back.
snmpd_stop
mark=$(wc -l <"$(snmp_traps)")
lab_rs_start "$P" 2 || bail_out "rsd did not start again"
lab_wait_state "$P" 10 web up "$R2"
ok $? "with snmpd stopped, rs2 is started again and lvsmond sees it up"
is "$(snmp_ntraps "$mark" "$REAL_CHANGE" "$RS.3.$I2" "C6 33 64 0C")" 0 \
    "no notification can arrive while snmpd is stopped"
snmpd_start
ok $? "snmpd starts again on the same port and AgentX socket"
t0=${EPOCHREALTIME/./}
wait_until 5 snmp_have_traps 1 "$mark" "$REAL_CHANGE" "$RS.3.$I2" \
    "C6 33 64 0C" "$RS.5.$I2" 'up\(3\)'
ok $? "rs2's queued lvsmonRealStateChange to up arrives once snmpd is back"
note "it arrived $(((${EPOCHREALTIME/./} - t0) / 1000)) ms after snmpd answered"
line=$(snmp_trap_lines "$mark" "$REAL_CHANGE" "$RS.5.$I2" 'up\(3\)' | head -n 1)
like "$(snmp_trap_value "$line" "$RS.6.$I2") -> $(snmp_trap_value "$line" "$RS.5.$I2")" \
    '^(down\(1\)|rising\(2\)) -> up\(3\)$' \
    "... with old state down (or rising) and new state up"
notify_settled()
{
	local q
	q=$(snmp_value "$(snmp_v2ro snmpget "$SNMP_LVS.100.1.9.0")")
	[ "$q" = 0 ]
}
wait_until 5 notify_settled
ok $? "lvsmonNotifyQueued.0 is back to 0: snmpd acknowledged the queue"
sent=$(snmp_value "$(snmp_v2ro snmpget "$SNMP_LVS.100.1.11.0")")
between "$sent" 1 100000 \
    "lvsmonNotifySent.0 counts the acknowledged ones ($sent)"

# Every server gone: the service loses quorum.
mark=$(wc -l <"$(snmp_traps)")
lab_rs_stop "$P" 1
lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R1" "$R2"
ok $? "with both servers stopped, both are down"
wait_until 5 snmp_have_traps 1 "$mark" "$QUORUM_CHANGE" \
    "$SNMP_LVS.100.2.1.2.$S" web "$SNMP_LVS.100.2.1.11.$S" 'lost\(2\)'
ok $? "snmptrapd has lvsmonServiceQuorumChange: service web, quorum lost"
line=$(snmp_trap_lines "$mark" "$QUORUM_CHANGE" | head -n 1)
is "$(snmp_trap_value "$line" "$SNMP_LVS.100.2.1.4.$S") $(snmp_trap_value "$line" \
    "$SNMP_LVS.100.2.1.5.$S") $(snmp_trap_value "$line" "$SNMP_LVS.100.2.1.10.$S")" \
    "CB 00 71 0A 80 0" \
    "it carries the service's address 203.0.113.10, port 80, 0 serving"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
