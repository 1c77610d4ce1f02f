#!/bin/bash
# t/e2e/http_health.t - an HTTP check looks at the status, not only at the
# port: a server whose /health answers 503 goes down (reason L7STS,
# "http: status 503") although its TCP port still accepts, and comes back
# when /health answers 200 again.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 17
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; expect_status = "200-299";
              interval = 0.5; timeout = 0.4; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
is "$(lab_field "$P" web "$R2" message)" "http: status 200" \
    "show --json says rs2's last check saw http: status 200"

lab_rs_health "$P" 2 fail
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 goes down once its /health answers 503"
is "$(lab_field "$P" web "$R2" reason)" L7STS \
    "show --json gives the reason L7STS"
is "$(lab_field "$P" web "$R2" message)" "http: status 503" \
    "show --json gives the message http: status 503"
like "$(cat "$(lab_log "$P")")" \
    "$(echo 'real web/198\.51\.100\.12:8080: state falling -> down' \
    '\(http, [0-9]+ ms\): http: status 503')" \
    "the log says rs2 went falling -> down on http: status 503"
out=$(lab_tally_in "$P" dir -c 3 -t 1000 "$R2")
is "$(lab_count "$out" rs2)" 3 \
    "rs2's TCP port still accepts and answers while it is down"
grep -q ' GET /health ' "$(lab_rs_access "$P" 2)"
ok $? "rs2 saw GET /health requests from the checker"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "the kernel's weight for rs2 is 0"
out=$(lab_tally "$P" -c 30 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs2)" 0 "no request to the VIP reaches rs2"
is "$(lab_count "$out" rs1)" 30 "rs1 answers all 30 requests"

lab_rs_health "$P" 2 ok
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up again once /health answers 200"
is "$(lab_field "$P" web "$R2" reason)" OK "show --json gives the reason OK"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1
is "$(lab_field "$P" web "$R2" kernel_weight)" 1 \
    "the kernel's weight for rs2 is back to 1"
out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
between "$(lab_count "$out" rs2)" 5 35 "rs2 answers requests to the VIP again"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
