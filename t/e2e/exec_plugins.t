#!/bin/bash
# t/e2e/exec_plugins.t - exec checks run external programs with Nagios
# semantics: monitoring-plugins' check_http brings rs3 down when its
# /health answers 503 (reason CRITICAL) and up again; a WARNING plugin keeps
# its real up at half the weight in the kernel; a plugin that hangs is
# killed at its timeout (reason UNKNOWN) and leaves no process behind; one
# that prints 10 MB is capped; and while those two run (every 0.5 s and
# 1.5 s, beside two more plugins every second), the daemon's own http
# checks of rs1 and rs2 keep their interval within 50 ms.  (t/lib.sh gaps_ok: all
# on the fixed-rate grid within 150 ms, all but one or 5% within 50 ms.)
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
CHECK_HTTP=/usr/lib/nagios/plugins/check_http
[ -x "$CHECK_HTTP" ] ||
    skip_all "no $CHECK_HTTP (apt-get install monitoring-plugins-basic)"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
HANG=198.51.100.13:8081 FLOOD=198.51.100.13:8082 WARN=198.51.100.13:8083
INTERVAL_MS=500
SLACK_MS=50
SAMPLES=10

plan 22
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")
# The marker makes this test's hung sleeps findable (and only them).
MARK=$((30 + $$ % 1000)).$$
cat >"$D/hang.sh" <<EOF
#!/bin/sh
echo "about to hang"
trap '' TERM
sleep $MARK
EOF
cat >"$D/flood.sh" <<'EOF'
#!/bin/sh
echo "FLOOD OK - 10 MB follow"
head -c 10485760 /dev/zero
exit 0
EOF
chmod +x "$D/hang.sh" "$D/flood.sh"
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.45; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); },
  { name = "plug"; address = "203.0.113.11"; port = 80;
    check = { type = "exec"; command = "$CHECK_HTTP";
              args = ["-H", "%a", "-p", "%p", "-u", "/health", "-t", "%t"];
              interval = 1; timeout = 2; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.13"; port = 8080; } ); },
  { name = "noisy"; address = "203.0.113.12"; port = 80;
    real_servers = (
      { address = "198.51.100.13"; port = 8081; weight = 1;
        check = { type = "exec"; command = "$D/hang.sh";
                  interval = 0.5; timeout = 0.45; rise = 1; fall = 1; }; },
      { address = "198.51.100.13"; port = 8082; weight = 1;
        check = { type = "exec"; command = "$D/flood.sh";
                  interval = 1.5; timeout = 2; rise = 1; fall = 1; }; },
      { address = "198.51.100.13"; port = 8083; weight = 4;
        check = { type = "exec"; command = "/bin/sh";
                  args = ["-c", "echo 'WARNING - slow on %a'; exit 1"];
                  interval = 1; rise = 1; fall = 1; }; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts and answers on its control socket" || exit

lab_wait_state "$P" 10 plug up "$R3"
ok $? "check_http brings rs3 up"
like "$(lab_field "$P" plug "$R3" message)" '^HTTP OK: HTTP/1\.[01] 200' \
    "the message is check_http's first line"
like "$(lab_field "$P" plug "$R3" message)" '\|time=[0-9.]+s;' \
    "its perfdata is kept after |"
grep -q ' GET /health ' "$(lab_rs_access "$P" 3)"
ok $? "rs3 saw check_http's GET /health"

lab_rs_health "$P" 3 fail
lab_wait_state "$P" 10 plug down "$R3"
ok $? "rs3 goes down once /health answers 503"
is "$(lab_field "$P" plug "$R3" reason)" CRITICAL "the reason is CRITICAL"
like "$(lab_field "$P" plug "$R3" message)" '^HTTP CRITICAL.*503' \
    "the message is check_http's: HTTP CRITICAL ... 503"
lab_rs_health "$P" 3 ok
lab_wait_state "$P" 10 plug up "$R3"
ok $? "rs3 comes back up once /health answers 200"

lab_wait_state "$P" 10 noisy up "$WARN"
ok $? "a WARNING plugin keeps its real up"
is "$(lab_field "$P" noisy "$WARN" reason)" WARNING "with the reason WARNING"
wait_until 5 lab_field_is "$P" noisy "$WARN" kernel_weight 2
is "$(lab_field "$P" noisy "$WARN" kernel_weight)" 2 \
    "the kernel's weight is half the configured 4"

wait_until 10 lab_field_is "$P" noisy "$HANG" reason UNKNOWN
ok $? "the hung plugin's runs end as UNKNOWN"
like "$(lab_field "$P" noisy "$HANG" message)" \
    '^exec: killed at timeout after [0-9]+ ms: about to hang$' \
    "the message says it was killed at its timeout, with its output"
lab_wait_state "$P" 10 noisy up "$FLOOD"
ok $? "the plugin that prints 10 MB is judged by its exit code (up)"
is "$(lab_field "$P" noisy "$FLOOD" message)" "FLOOD OK - 10 MB follow" \
    "its message is its first line"

# The other checks' interval while both run (as in
# nonblocking.t: rs1's and rs2's own access logs are the clock).
t0=$(date +%s.%N)
health_since()
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
ok $? "rs1 and rs2 each saw more than $SAMPLES checks meanwhile"
for i in 1 2; do
	gaps_ok "rs$i's checks" "$INTERVAL_MS" "$SLACK_MS" < <(health_since "$i")
done
# Each hung run is killed before the next starts: at most one alive (plus
# one being reaped), never a pile.
alive=$(pgrep -c -f "^sleep $MARK" || true)
between "$alive" 0 2 "at most one hung plugin's sleep is alive ($alive)"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
no_sleep() { ! pgrep -f "^sleep $MARK" >/dev/null; }
wait_until 5 no_sleep
ok $? "no hung plugin's process outlives the daemon"
