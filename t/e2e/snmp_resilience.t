#!/bin/bash
# t/e2e/snmp_resilience.t - snmpd's troubles are not lvsmond's: snmpd killed
# (SIGKILL) and started again, the subagent is back within 2 s (a full walk
# answers); snmpd hung (SIGSTOP) for 10 check intervals, lvsmond's checks
# keep their interval within +-50 ms (the start of each check, from
# lvsmond's debug log: its own loop's schedule, without the servers'
# scheduling), a state change in that time is still noticed and is
# announced once snmpd runs again (SIGCONT).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
INTERVAL_MS=500
SLACK_MS=50
SAMPLES=10	# intervals measured per real while snmpd is stopped
REAL_CHANGE=$SNMP_LVS.100.0.1

plan 15
lab_up "$P" 3 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 && lab_rs_start "$P" 3 ||
    bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P" nft 1.0; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; rise = 1; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; },
      { address = "198.51.100.13"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts with a global.snmp block (ping every 1 s)" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "the three reals are up"
snmp_wait_subagent 5
ok $? "within 5 s the subagent has registered with snmpd"

# --- snmpd killed and started again ------------------------------------
walk_ok()	# a full walk of the LVS subtree, with rows of lvsmonRealTable
{
	local out
	out=$(snmp_v2ro snmpbulkwalk -t 0.5 -Cr50 "$SNMP_LVS" 2>/dev/null) &&
	    [ "$(grep -c "^$SNMP_LVS\.100\.3\.1\.5\." <<<"$out")" = 3 ]
}
snmpd_kill
snmpd_start
ok $? "snmpd, killed with SIGKILL, starts again on the same socket path"
t0=${EPOCHREALTIME/./}
wait_until 2 walk_ok
ok $? "within 2 s of snmpd answering, a walk shows lvsmond's 3 reals again"
note "the subagent was back after $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"

# --- snmpd hung ------------------------------------------------------------
t0=$(date +%s.%N)
logline0=$(wc -l <"$(lab_log "$P")")
snmpd_signal STOP
ok $? "snmpd is stopped with SIGSTOP"
# A state change while snmpd hangs: rs3's /health fails.
lab_rs_health "$P" 3 fail
lab_wait_state "$P" 5 web down "$R3"
ok $? "while snmpd hangs, rs3's failing health check still takes it down"

health_since()	# health_since I: timestamps (ms) of /health requests >= t0
{
	awk -v t0="$t0" '$3 == "/health" && $1 >= t0 {
		printf "%.0f\n", $1 * 1000 }' "$(lab_rs_access "$P" "$1")"
}
enough()
{
	[ "$(health_since 1 | wc -l)" -gt "$SAMPLES" ] &&
	    [ "$(health_since 2 | wc -l)" -gt "$SAMPLES" ]
}
wait_until 20 enough
ok $? "rs1 and rs2 each saw more than $SAMPLES checks while snmpd hung"
mark=$(wc -l <"$(snmp_traps)")
# A machine busy with other work delays checks by itself (a hung snmpd
# would stall the loop for a second or more): say how busy it was.
note "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
gaps()	# "min max count" of the gaps between the times (ms) on stdin
{
	awk 'NR > 1 { d = $1 - p
		if (min == "" || d < min) min = d
		if (d > max) max = d; n++ }
		{ p = $1 } END { print min, max, n }'
}
# check_starts I: when lvsmond started each check of rs I since the stop
# (ms of the day): the debug line's time less the check's duration.
check_starts()
{
	tail -n +"$((logline0 + 1))" "$(lab_log "$P")" | awk -v i="$1" '
		BEGIN { re = "^real web/198\\.51\\.100\\.1" i \
		    ":8080: check http (ok|failed) in " }
		{ line = $0; sub(/^[^ ]+ /, "", line) }
		line ~ re && match($1, /T[0-9:.]+Z$/) {
			split(substr($1, RSTART + 1, RLENGTH - 2), t, ":")
			ms = (t[1] * 3600 + t[2] * 60 + t[3]) * 1000
			split(line, w, " in ")
			ms -= w[2] + 0
			if (ms < last) ms += 86400000	# midnight
			last = ms
			printf "%.0f\n", ms
		}'
}
for i in 1 2; do
	note "rs$i: its access log: $(health_since "$i" | gaps |
	    awk '{ print $3 " gaps, " $1 ".." $2 " ms" }')"
	gaps_ok "rs$i's checks while snmpd hung" "$INTERVAL_MS" "$SLACK_MS" \
	    < <(check_starts "$i")
done
like "$(grep -E 'snmp: ' "$(lab_log "$P")")" \
    "snmp: AgentX (master .* dropping the session|session to .* lost)" \
    "lvsmond's log says it gave up the session to the hung snmpd"

snmpd_signal CONT
ok $? "snmpd continues (SIGCONT)"
wait_until 5 walk_ok
ok $? "within 5 s a walk shows lvsmond's 3 reals again"
have_down_trap()
{
	tail -n +"$((mark + 1))" "$(snmp_traps)" | grep -F "$REAL_CHANGE|" |
	    grep -F "C6 33 64 0D" | grep -q 'down(1)'
}
wait_until 5 have_down_trap
ok $? "rs3's lvsmonRealStateChange to down, raised while snmpd hung, arrives"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
