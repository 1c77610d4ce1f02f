#!/bin/bash
# t/e2e/fall_rise.t - a real server whose process dies goes down after `fall`
# failed checks and stops getting traffic; restarted, it comes back after
# `rise` good checks and gets traffic again.  Seen the way an operator sees
# it: the log, show --json, the kernel's weight, the event stream, and which
# server answers the client.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
RE2='real web/198\.51\.100\.12:8080:'

plan 19
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; rise = 2; fall = 3; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

# -d: one debug line per check, so the failures can be counted.
lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1

out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
between "$(lab_count "$out" rs2)" 5 35 "rs2 answers some requests while up"

lab_events_start "$P" "$D/events" --json
ok $? "an events --json stream is connected"

lab_rs_stop "$P" 2
lab_wait_log "$P" 15 "$RE2 state falling -> down"
ok $? "the log says rs2 went falling -> down after its process stopped"
log=$(cat "$(lab_log "$P")")
like "$log" "$RE2 state up -> falling \(http, [0-9]+ ms\): [^[]+ \[fall 1/3\]" \
    "the first failure is logged as up -> falling [fall 1/3]"

# Count rs2's failed checks from its last good one to the down line.
fails=$(awk -v re="$RE2" '
	$0 ~ re " check http ok" { n = 0 }
	$0 ~ re " check http failed" { n++ }
	$0 ~ re " state falling -> down" { print n; exit }' "$(lab_log "$P")")
is "$fails" 3 "rs2 went down on its 3rd consecutive failed check (fall = 3)"
is "$(lab_field "$P" web "$R2" state)" down "show --json says rs2 is down"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "the kernel's weight for rs2 is 0"
is "$(lab_field "$P" web "$R1" state)" up "rs1 stayed up"

out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs2)" 0 "no request reaches rs2 while it is down"
is "$(lab_count "$out" rs1)" 40 "rs1 answers all 40 requests"

lab_rs_start "$P" 2 || bail_out "rsd 2 did not restart"
lab_wait_state "$P" 15 web up "$R2"
ok $? "rs2 is up again after its process restarted"
lab_wait_log "$P" 2 "$RE2 state rising -> up"
ok $? "the log says rs2 went rising -> up"
goods=$(awk -v re="$RE2" '
	$0 ~ re " state falling -> down" { n = 0; on = 1 }
	on && $0 ~ re " check http ok" { n++ }
	on && $0 ~ re " state rising -> up" { print n; exit }' \
    "$(lab_log "$P")")
is "$goods" 2 "rs2 came up on its 2nd good check (rise = 2)"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1
is "$(lab_field "$P" web "$R2" kernel_weight)" 1 \
    "the kernel's weight for rs2 is back to 1"

out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
between "$(lab_count "$out" rs2)" 5 35 "rs2 answers requests again"

seq=$(perl -MJSON::PP -ne '
	my $e = eval { decode_json($_) } or next;
	print "$e->{old}>$e->{new} " if $e->{type} eq "state" &&
	    $e->{server} eq "198.51.100.12:8080";' "$D/events")
is "${seq% }" "up>falling falling>down down>rising rising>up" \
    "the event stream saw rs2 go up, falling, down, rising, up"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
