#!/bin/bash
# t/e2e/ha_notify.t - a failover reaches the NOC: two directors (t/ha.sh),
# the backup d2 is an AgentX subagent of a private snmpd (t/snmp.sh) and has
# alert sinks: a mon-style exec script, a webhook receiver in the json and
# in the alertmanager format, a syslog collector, a Nagios command file and
# mail to aiosmtpd (skipped without python3-aiosmtpd).  Before: d2's
# lvsmonDirectorRole is backup(3) and its lvsmonPeerTable shows d1 alive,
# master, priority 150.  The master d1 dies
# (kill -9 and its links down, as in ha_failover.t); then snmptrapd gets
# lvsmonDirectorRoleChange with prev backup(3) and role master(2) (as a trap
# and as an inform), a walk shows d2 master and d1 dead in lvsmonPeerTable,
# and every sink got LvsmonDirectorRole (kind notice, "backup -> master:
# peer dead") and LvsmonPeerDead for 192.0.2.1; Nagios gets the passive
# results "lvsmon director" OK and "lvsmon peer 192.0.2.1" CRITICAL;
# Alertmanager an alert with a role label that ends by itself (endsAt);
# mail a notice (subject NOTICE when alone in its message).  Then d2's
# tracked interface goes down and up again: lvsmonDirectorRoleChange
# master(2) -> fault(4) and back, and LvsmonDirectorFault down, then up.
#
# Only d2 talks to snmpd: two subagents registering the same LVS-MIB
# subtrees with one master would collide (one snmpd per director in real
# life).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
. "$T/snmp.sh"
need_lab
snmp_need
command -v python3 >/dev/null || skip_all "no python3"
command -v perl >/dev/null || skip_all "no perl"

P=hn$$
ROLE_CHANGE=$SNMP_LVS.100.0.3		# lvsmonDirectorRoleChange
G=$SNMP_LVS.100.1			# lvsmonGlobal
PEER=$SNMP_LVS.100.6.1			# lvsmonPeerEntry

plan 32
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
MAIL=$D/mail.out
NAGIOS=$D/nagios.cmd
: >"$MAIL"
: >"$NAGIOS"

# recv_start NAME MODE ADDR: t/tools/alertrecv.py in d2's namespace,
# writing $D/NAME.out
recv_start()
{
	ip netns exec "$P-d2" python3 "$T/tools/alertrecv.py" "$2" -l "$3" \
	    -o "$D/$1.out" -p "$D/$1.pid" 2>>"$D/$1.log" &
	_lab_track "$P" $!
	# 30 s: a python3 start on a loaded 2-core machine can take seconds
	wait_until 30 test -s "$D/$1.pid"
}
recv_start syslog udp 127.0.0.1:5514 || bail_out "syslog receiver"
recv_start hook http 127.0.0.1:9099 || bail_out "webhook receiver"
recv_start am http 127.0.0.1:9093 || bail_out "alertmanager receiver"
PY=/usr/bin/python3
MD=$D/maildir	# aiosmtpd's Mailbox handler makes it
HAVE_SMTP=0
if $PY -c 'import aiosmtpd' 2>/dev/null; then
	ip netns exec "$P-d2" $PY -m aiosmtpd -n -l 127.0.0.1:2525 \
	    -c aiosmtpd.handlers.Mailbox "$MD" >"$D/smtp.log" 2>&1 &
	_lab_track "$P" $!
	smtp_up() { ip netns exec "$P-d2" bash -c \
	    'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null; }
	wait_until 30 smtp_up && HAVE_SMTP=1
fi

ha_conf "$P" 1 150 true >"$D/d1.conf"
{ ha_conf "$P" 2 100 true 'track_interfaces = ("eth1");' |
    awk -v b="  $(snmp_conf_block)" '{ print } /^global = \{/ { print b }'
cat <<EOF
alerts = (
  { type = "exec"; command = "$T/tools/file.alert"; args = ["$MAIL"]; },
  { type = "webhook"; url = "http://127.0.0.1:9099/hook"; },
  { type = "webhook"; url = "http://127.0.0.1:9093/api/v2/alerts";
    format = "alertmanager"; },
  { type = "mail"; relay = "127.0.0.1:2525"; to = ["noc@example.org"];
    batch = 0; retries = 0; },
  { type = "syslog"; address = "127.0.0.1:5514"; },
  { type = "nagios"; command_file = "$NAGIOS"; director_name = "lb2"; }
);
EOF
} >"$D/d2.conf"

ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf"
ok $? "d2 starts with a director block, global.snmp and four alert sinks" ||
    exit
check "d1 (priority 150) becomes master" wait_until 10 ha_role_is "$P" 1 master
check "d2 (priority 100) is backup" wait_until 10 ha_role_is "$P" 2 backup
snmp_wait_subagent 10
ok $? "d2's subagent has registered with snmpd"

role_is()	# role_is ROLE PREV: lvsmonDirectorRole.0 and PrevRole.0
{
	local out
	out=$(snmp_v2ro snmpget -Oe -- "$G.3.0" "$G.4.0") || return 1
	[ "$(echo "$out" | while read -r l; do printf '%s ' \
	    "$(snmp_value "$l")"; done)" = "$1 $2 " ]
}
peer_is()	# peer_is ALIVE ROLE: lvsmonPeerAlive.1 and lvsmonPeerRole.1
{
	local out
	out=$(snmp_v2ro snmpget -Oe -- "$PEER.4.1" "$PEER.5.1") || return 1
	[ "$(echo "$out" | while read -r l; do printf '%s ' \
	    "$(snmp_value "$l")"; done)" = "$1 $2 " ]
}
wait_until 10 role_is 3 3
ok $? "lvsmonDirectorRole.0 is backup(3) on d2"
wait_until 10 peer_is 1 2
ok $? "lvsmonPeerTable: d1 is alive(1) and master(2)"
walk=$(snmp_v2ro snmpwalk -Oe -- "$SNMP_LVS.100.6" | snmp_walk_norm)
note "$walk"
is "$(echo "$walk" | awk -v p="$PEER." '
    index($1, p) == 1 { sub(p, "", $1); $1 = $1; print }' |
    grep -E '^(2|3|6)\.1 ' | tr '\n' ';')" \
    "2.1 1;3.1 C0 00 02 01;6.1 150;" \
    "... its address is ipv4(1) 192.0.2.1 and its priority 150"
rx=$(snmp_value "$(snmp_v2ro snmpget "$PEER.8.1")")
between "$rx" 1 1000000000 "... and it counts accepted heartbeats ($rx)"
mark=$(wc -l <"$(snmp_traps)")
mailmark=$(wc -l <"$MAIL")

# ---- the master dies ----------------------------------------------------
d1pid=$(cat "$D/d1.bg")
kill -KILL "$d1pid"
ip -n "$P-d1" link set eth0 down
ip -n "$P-d1" link set eth1 down
wait "$d1pid" 2>/dev/null
rm -f "$D/d1.bg"
check "d2 becomes master" wait_until 10 ha_role_is "$P" 2 master

wait_until 10 snmp_have_traps 2 "$mark" "$ROLE_CHANGE" \
    "$G.4.0" 'backup\(3\)' "$G.3.0" 'master\(2\)'
ok $? "snmptrapd has lvsmonDirectorRoleChange backup(3) -> master(2)," \
    "twice (trap and inform)"
note "$(snmp_trap_lines "$mark" "$ROLE_CHANGE" | head -n 1)"
is "$(snmp_ntraps "$mark" "$ROLE_CHANGE")" 2 \
    "... and no other role change (none for the peer's death itself)"
wait_until 5 role_is 2 3
ok $? "lvsmonDirectorRole.0 master(2), lvsmonDirectorPrevRole.0 backup(3)"
lc=$(snmp_value "$(snmp_v2ro snmpget -Ot -- "$G.5.0")")
between "$lc" 1 100000000 \
    "lvsmonDirectorRoleLastChange.0 is a sysUpTime ($lc), not 0"
wait_until 10 peer_is 2 2
ok $? "lvsmonPeerTable: d1 is dead(2) (its last word was master(2))"

# ---- the alert sinks ----------------------------------------------------
has_mail()
{
	tail -n +"$((mailmark + 1))" "$MAIL" | grep -q "$1"
}
wait_until 10 has_mail \
    'Subject: ALERT lvsmond/director: director backup -> master: peer dead'
ok $? "the exec script got the role notice with its reason (-s director)"
wait_until 10 has_mail 'Subject: ALERT lvsmond/peer: peer 192.0.2.1 dead'
ok $? "... and the peer's death (-s peer)"
hook_has()
{
	grep -q "$1" "$D/hook.out" 2>/dev/null
}
wait_until 10 hook_has '"alert": *"LvsmonDirectorRole"'
ok $? "the webhook got LvsmonDirectorRole"
line=$(grep '"LvsmonDirectorRole"' "$D/hook.out" | grep '"master"' | tail -n 1)
like "$line" '"kind": *"notice".*"state": *"master".*"message": *"backup -> master: peer dead"' \
    "... kind notice, state master, message backup -> master: peer dead"
wait_until 10 grep -q 'LvsmonDirectorRole .*kind="notice".*state="master".*] director backup -> master: peer dead' \
    "$D/syslog.out"
ok $? "the syslog collector got the notice (RFC 5424, state master)"

wait_until 10 grep -q \
    'PROCESS_SERVICE_CHECK_RESULT;lb2;lvsmon director;0;director backup -> master: peer dead' \
    "$NAGIOS"
ok $? "Nagios gets lb2/lvsmon director OK(0) with the notice"
wait_until 10 grep -q \
    'PROCESS_SERVICE_CHECK_RESULT;lb2;lvsmon peer 192.0.2.1;2;peer 192.0.2.1 dead' \
    "$NAGIOS"
ok $? "... and lb2/lvsmon peer 192.0.2.1 CRITICAL(2)"

am_has()
{
	grep '"alertname": *"LvsmonDirectorRole"' "$D/am.out" 2>/dev/null |
	    grep -q '"role": *"master"'
}
wait_until 10 am_has
ok $? "Alertmanager gets LvsmonDirectorRole with the label role=master"
line=$(grep '"LvsmonDirectorRole"' "$D/am.out" | tail -n 1)
like "$line" '"endsAt": *"20[0-9-]+T' \
    "... and an endsAt: the notice ends by itself"
if [ "$HAVE_SMTP" = 1 ]; then
	mail_has()
	{
		grep -rqs "$1" "$MD/new"
	}
	# d2's own start (init -> backup) was one alarm alone; the takeover
	# and the peer's death come together, so they may share a message
	wait_until 10 mail_has \
	    'Subject: NOTICE lvsmond/director: director init -> backup'
	ok $? "mail: a notice alone has the subject NOTICE lvsmond/director"
	wait_until 10 mail_has 'director backup -> master: peer dead'
	ok $? "mail: the takeover notice with its reason"
else
	skip 2 "no python3-aiosmtpd"
fi

# ---- d2's own health: fault and back -------------------------------------
mark=$(wc -l <"$(snmp_traps)")
mailmark=$(wc -l <"$MAIL")
ip -n "$P-d2" link set eth1 down
check "d2's tracked interface down: fault" wait_until 10 ha_role_is "$P" 2 fault
wait_until 10 snmp_have_traps 2 "$mark" "$ROLE_CHANGE" \
    "$G.4.0" 'master\(2\)' "$G.3.0" 'fault\(4\)'
ok $? "snmptrapd has lvsmonDirectorRoleChange master(2) -> fault(4)"
wait_until 10 has_mail \
    'Subject: ALERT lvsmond/director: director master -> fault: tracked interface down'
ok $? "the exec script got LvsmonDirectorFault (a failure: ALERT)"
ip -n "$P-d2" link set eth1 up
check "its interface up again, d2 is master again" \
    wait_until 10 ha_role_is "$P" 2 master
wait_until 10 snmp_have_traps 2 "$mark" "$ROLE_CHANGE" \
    "$G.4.0" 'fault\(4\)' "$G.3.0" 'master\(2\)'
ok $? "snmptrapd has lvsmonDirectorRoleChange fault(4) -> master(2)"
wait_until 10 has_mail 'Subject: UPALERT lvsmond/director: director fault -> master'
ok $? "the exec script got the recovery (UPALERT, -u)"

ha_kill "$P" 2 TERM
! ha_alive "$P" 2 && ! grep -q "Sanitizer" "$(ha_log "$P" 2)"
ok $? "d2 stops on SIGTERM (no sanitizer report in its log)"
