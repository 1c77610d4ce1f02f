#!/bin/bash
# t/e2e/fault_fds.t - lvsmond out of file descriptors (its RLIMIT_NOFILE
# lowered with prlimit below what it has open).  Checks cannot start: the
# log says so once, the verdict is unknown, so no real goes down and the
# traffic keeps flowing (the director is sick, not the servers).  A control
# client is told the daemon is out of descriptors instead of hanging, and
# neither the control nor the /metrics listener spins on accept().  With the limit raised again the
# checks run, the control socket answers, nothing crashed.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v prlimit >/dev/null || skip_all "no prlimit (util-linux)"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 13
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P" | sed "s|^};|  metrics = \"127.0.0.1:9580\";\n};|"
cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts" || exit
PID=$(cat "$D/lvsmond.bg")
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
changes0=$(lab_field "$P" web "$R1" changes)
soft0=$(prlimit --pid "$PID" --nofile --noheadings --output SOFT --raw)
cpu() { awk '{ print $14 + $15 }' "/proc/$PID/stat"; }	# ticks
log_has() { grep -qE -- "$1" "$(lab_log "$P")"; }

# The lowest free descriptor number becomes the limit: no new one opens.
low=0
while [ -e "/proc/$PID/fd/$low" ]; do low=$((low + 1)); done
prlimit --pid "$PID" --nofile="$low:" || bail_out "prlimit failed"
note "RLIMIT_NOFILE of lvsmond: soft $soft0 -> $low"

wait_until 10 log_has "lvsmond: checks cannot start: Too many open files; real server states are kept"
ok $? "the log says checks cannot start: Too many open files"
out=$(lab_tally "$P" -c 20 -t 2000 203.0.113.10:80)
is "$(lab_count "$out" fail)" 0 \
    "20 connections to the VIP while starved: none fails (no real went down)"

out=$(timeout 10 "$LVSMON_BUILD/lvsmonctl" -s "$D/ctl.sock" show 2>&1)
rc=$?
ok $((rc != 0 && rc != 124 ? 0 : 1)) \
    "lvsmonctl show gets an answer, not a hang (exit $rc)"
like "$out" "out of file descriptors" "... saying lvsmond is out of file descriptors"

# Neither listener spins: a client left in the backlog would wake the loop
# for ever.  A scraper waits on /metrics meanwhile.  Generous: less than a
# third of one CPU for 3 s.
lab_exec "$P" dir curl -s -m 6 -o /dev/null http://127.0.0.1:9580/metrics &
scrape=$!
_lab_track "$P" "$scrape"
c0=$(cpu)
( sleep 3 ) 	# a measuring window, not a wait for success
c1=$(cpu)
note "lvsmond CPU while starved: $((c1 - c0)) ticks in 3 s"
between "$((c1 - c0))" 0 100 \
    "lvsmond does not busy-loop while starved (control and metrics waiting)"
lines=$(grep -c "checks cannot start\|control: refused" "$(lab_log "$P")")
between "$lines" 1 6 "the log has a few lines about it, not a flood ($lines)"

prlimit --pid "$PID" --nofile="$soft0:" || bail_out "prlimit back failed"
wait_until 10 log_has "lvsmond: checks start again \([0-9]+ could not start\)"
ok $? "with the limit raised the log says checks start again"
wait_until 10 lab_field_is "$P" web "$R1" message "http: status 200"
ok $? "lvsmonctl answers again and rs1's last check passed"
unknowns=$(lab_field "$P" web "$R1" unknowns)
between "$unknowns" 1 100000 \
    "rs1's checks that could not start count as unknown ($unknowns)"
is "$(lab_field "$P" web "$R1" changes)" "$changes0" \
    "rs1 never changed state meanwhile"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"
