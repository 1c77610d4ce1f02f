#!/bin/bash
# t/e2e/snmp_failover.t - the failover objects of LVS-MIB on a director
# without a director block (no failover configured): lvsmonDirectorRole and
# lvsmonDirectorPrevRole are standalone(1), lvsmonDirectorRoleLastChange 0,
# the historical lvsDaemonState none(0), and lvsmonPeerTable is registered
# (a GET of a row answers noSuchInstance, not noSuchObject) and empty; the
# new objects compile at their OIDs.
#
# The two-director half (a kill -9 of the master reaches snmptrapd as
# lvsmonDirectorRoleChange backup(3) -> master(2) and the alert sinks as
# LvsmonDirectorRole) is t/e2e/ha_notify.t.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need
SRC=$(cd "$T/.." && pwd)

P=$(lab_prefix)
R1=198.51.100.11:8080
G=$SNMP_LVS.100.1		# lvsmonGlobal
PEER=$SNMP_LVS.100.6.1		# lvsmonPeerEntry

plan 9
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts without a director block" || exit
lab_wait_state "$P" 10 web up "$R1"
ok $? "the real is up"
snmp_wait_subagent 10
ok $? "the subagent has registered with snmpd"

out=$(snmp_v2ro snmpget -Oet -- "$G.3.0" "$G.4.0" "$G.5.0" "$SNMP_LVS.7.0")
note "$out"
is "$(echo "$out" | while read -r l; do printf '%s ' "$(snmp_value "$l")"; done)" \
    "1 1 0 0 " "role standalone(1), previous standalone(1), never changed" \
    "(0), lvsDaemonState none(0)"

out=$(snmp_v2ro snmpget "$PEER.2.1" 2>&1)
like "$out" "No Such Instance" \
    "lvsmonPeerTable is served: its first row is noSuchInstance"
out=$(snmp_v2ro snmpwalk "$SNMP_LVS.100.6" 2>&1)
unlike "$out" "$PEER\\." "... and a walk of it has no rows"

# the MIB: the new objects at their OIDs, the failover alarm enumerations
MIBENV=(env MIBS= MIBDIRS= SNMP_PERSISTENT_DIR="$D" SNMPCONFPATH="$D")
got=$("${MIBENV[@]}" snmptranslate -M "$SRC/t/mibs:$SRC" -m LVS-MIB -On \
    LVS-MIB::lvsmonPeerAddr LVS-MIB::lvsmonPeerReplayed \
    LVS-MIB::lvsmonDirectorRoleChange 2>&1 | xargs)
is "$got" "$SNMP_LVS.100.6.1.3 $SNMP_LVS.100.6.1.10 $SNMP_LVS.100.0.3" \
    "snmptranslate: lvsmonPeerAddr .100.6.1.3, lvsmonPeerReplayed" \
    ".100.6.1.10, lvsmonDirectorRoleChange .100.0.3"
got=$("${MIBENV[@]}" snmptranslate -M "$SRC/t/mibs:$SRC" -m LVS-MIB -Td \
    LVS-MIB::lvsmonAlarmSubject 2>&1 | grep -o 'director(4), peer(5)')
is "$got" "director(4), peer(5)" \
    "lvsmonAlarmSubject has director(4) and peer(5)"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
