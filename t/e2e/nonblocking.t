#!/bin/bash
# t/e2e/nonblocking.t - a hung real server does not delay anyone else's
# checks.  rs3 accepts connections and never answers (rsd -S); rs4's port
# drops every packet (nft in its namespace), so its connects hang.  Both time
# out on every check, while rs1 and rs2, checked by the same single-threaded
# daemon, keep being checked every interval (as their own access logs see
# it) within +-50 ms, and keep serving.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
R3=198.51.100.13:8080 R4=198.51.100.14:8080
INTERVAL_MS=500
SLACK_MS=50
SAMPLES=10	# intervals measured per healthy real

plan 15
lab_up "$P" 4 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 && lab_rs_start "$P" 3 -S &&
    lab_rs_start "$P" 4 || bail_out "rsd did not start"
lab_exec "$P" rs4 nft -f - <<'EOF' || bail_out "nft drop rule for rs4"
table inet blackhole {
	chain in {
		type filter hook input priority 0;
		tcp dport 8080 drop
	}
}
EOF
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.45; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; },
      { address = "198.51.100.13"; port = 8080; weight = 1; },
      { address = "198.51.100.14"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "rs1 and rs2 are up"
wait_until 10 lab_field_is "$P" web "$R3" reason TIMEOUT &&
    wait_until 10 lab_field_is "$P" web "$R4" reason TIMEOUT
ok $? "the checks of rs3 (never answers) and rs4 (drops packets) time out"

# From now on, count: wait until each healthy real has seen SAMPLES + 1
# checks (the deadline is generous; the count makes it pass, not a sleep).
t0=$(date +%s.%N)
logline0=$(wc -l <"$(lab_log "$P")")
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
ok $? "rs1 and rs2 each saw more than $SAMPLES checks"

for i in 1 2; do
	gaps_ok "rs$i's checks" "$INTERVAL_MS" "$SLACK_MS" < <(health_since "$i")
done

# What the daemon's debug log says about the stalled ones in that window.
window=$(tail -n +"$((logline0 + 1))" "$(lab_log "$P")")
for i in 3 4; do
	re="real web/198\.51\.100\.1$i:8080: check http"
	nfail=$(grep -cE "$re failed" <<<"$window")
	ntmo=$(grep -cE "$re failed in [0-9]+ ms: timeout after" <<<"$window")
	nok=$(grep -cE "$re ok" <<<"$window")
	note "rs$i: $nfail failed checks ($ntmo timeouts), $nok good"
	between "$nfail" $((SAMPLES - 2)) 1000 \
	    "rs$i is checked every interval too while it hangs"
	is "$ntmo $nok" "$nfail 0" "rs$i: every one of its checks timed out"
done

is "$(lab_field "$P" web "$R3" state) $(lab_field "$P" web "$R4" state)" \
    "down down" "rs3 and rs4 are down"
is "$(lab_field "$P" web "$R1" changes) $(lab_field "$P" web "$R2" changes)" \
    "1 1" "rs1 and rs2 never left up"
out=$(lab_tally "$P" -c 100 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" fail)" 0 "all 100 requests to the VIP are answered"
is "$(($(lab_count "$out" rs1) + $(lab_count "$out" rs2)))" 100 \
    "... all by rs1 and rs2"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
