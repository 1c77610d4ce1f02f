#!/bin/bash
# t/e2e/check_dedup.t - two services with the same real server and the same
# http check share one check run: rs1 sees one /health request per interval,
# not two; show --json says each probe is shared with one other; both
# services' reals go down together when rs1's health fails and come back
# together.  A third service checking the same real with another path is
# not shared (its requests arrive on their own).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080

plan 11
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P" none; cat <<'EOF2'
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.4;
              timeout = 0.3; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); },
  { name = "web2"; address = "203.0.113.10"; port = 81;
    check = { type = "http"; path = "/health"; interval = 0.4;
              timeout = 0.3; rise = 2; fall = 2; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); },
  { name = "other"; address = "203.0.113.10"; port = 82;
    check = { type = "http"; path = "/other"; interval = 0.4;
              timeout = 0.3; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF2
} >"$CONF"

ACC=$(lab_rs_access "$P" 1)
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" && lab_wait_state "$P" 10 web2 up "$R1"
ok $? "rs1 is up in both services"
is "$(lab_field "$P" web "$R1" shared_with) $(lab_field "$P" web2 "$R1" \
    shared_with) $(lab_field "$P" other "$R1" shared_with)" "1 1 0" \
    "show --json: web's and web2's probes are shared with one other, other's with none"

# count_since T0 T1 PATH: requests for PATH that arrived in [T0, T1)
count_between()
{
	awk -v a="$1" -v b="$2" -v path="$3" \
	    '$3 == path && $1 >= a && $1 < b { n++ } END { print n + 0 }' "$ACC"
}
sleep 1		# not what passes: a start for the window below
t0=$(date +%s.%N)
sleep 4		# the window itself: 10 intervals of 0.4 s
t1=$(date +%s.%N)
n=$(count_between "$t0" "$t1" /health)
m=$(count_between "$t0" "$t1" /other)
between "$n" 8 12 \
    "rs1 saw one /health check per 0.4 s interval over 4 s ($n), not two"
between "$m" 8 12 "the other path still has its own run ($m)"

lab_rs_health "$P" 1 fail
lab_wait_state "$P" 10 web down "$R1" && lab_wait_state "$P" 10 web2 down "$R1"
ok $? "rs1's health fails: it is down in both services"
is "$(lab_field "$P" web2 "$R1" reason) $(lab_field "$P" web2 "$R1" message)" \
    "L7STS http: status 503" "web2 has the shared run's reason and message"
lab_rs_health "$P" 1 ok
lab_wait_state "$P" 10 web up "$R1" && lab_wait_state "$P" 10 web2 up "$R1"
ok $? "rs1's health is back: up in both services"
# each real still counts with its own rise/fall: web2 (fall 2) went through
# falling, web (fall 1) did not
like "$(grep -c 'real web2/198.51.100.11:8080: state up -> falling' \
    "$(lab_log "$P")")" '^[1-9]' "web2 (fall = 2) went through falling"
is "$(grep -c 'real web/198.51.100.11:8080: state up -> falling' \
    "$(lab_log "$P")")" 0 "web (fall = 1) went down at once"
lab_daemon_stop "$P"
ok $? "lvsmond stops cleanly"
