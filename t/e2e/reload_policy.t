#!/bin/bash
# t/e2e/reload_policy.t - a reload that changes one weight (and adds a
# service) keeps what the running daemon knows beyond the file, on the nft
# backend:
#   - rs1's agent said "drain": still weight 0 in the kernel, no source event;
#   - rs2's weight file says 7: still 7, no source event;
#   - rs3's slow start under way goes on: its kernel weight does not drop back
#     to the start of a ramp, no second "slow start" line, the ramp ends;
#   - service "sorry" has lost its quorum (1 of 2 serving, quorum 2) and its
#     sorry server serves every new flow: still so, no quorum event;
#   - /metrics still answers, with the new service and the old service's
#     check count not reset;
#   - and the reload itself: no state event, one reload event, sd_notify
#     RELOADING=1 then READY=1 (also around a refused file).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"
command -v curl >/dev/null || skip_all "no curl"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
SORRY=198.51.100.14:8080
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf

plan 31
lab_up "$P" 4 || bail_out "could not build the lab"
for i in 1 2 3 4; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
mkdir -p "$D/weights"

# rs1's agent: the same line to every connection, read from a file.
cat >"$D/agent.py" <<'EOF'
import socket, sys
addr, port, reply, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(64)
open(ready, "w").close()
for _ in range(100000):
    c, _ = s.accept()
    try:
        with open(reply) as f:
            c.sendall((f.read().strip() + "\n").encode())
    except OSError:
        pass
    c.close()
EOF
echo "up" >"$D/agent.reply"
ip netns exec "$P-rs1" python3 "$D/agent.py" 198.51.100.11 10000 \
    "$D/agent.reply" "$D/agent.ready" >>"$D/agent.log" 2>&1 &
_lab_track "$P" "$!"
wait_until 10 test -e "$D/agent.ready" || bail_out "the agent did not start"

# conf W1 [EXTRA_SERVICE]
conf()
{
	local w1=$1 extra=${2:-}
	{ lab_conf_global "$P" | sed "s|^};|  metrics = \"127.0.0.1:9580\";\n};|"
	cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; slow_start = 40;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    agent = { port = 10000; interval = 0.3; timeout = 0.25; };
    weight_file = "$D/weights/";
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = $w1; },
      { address = "198.51.100.12"; port = 8080; weight = 20; },
      { address = "198.51.100.13"; port = 8080; weight = 100; } ); },
  { name = "sorry"; address = "203.0.113.11"; port = 80; quorum = 2;
    sorry_server = "$SORRY"; sorry_weight = 5;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8081; } ); }
  $extra
);
EOF
	} >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}
EXTRA=', { name = "extra"; address = "203.0.113.12"; port = 80;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }'

svc_field()
{
	lab_ctl "$P" show --json 2>/dev/null | perl -MJSON::PP -e '
		my ($svc, $field) = @ARGV;
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		for my $s (@{$d->{services}}) {
			next unless $s->{name} eq $svc;
			my $v = $s->{$field};
			print !defined $v ? "null" : JSON::PP::is_bool($v) ?
			    ($v ? "true" : "false") : $v;
			exit 0;
		}
		exit 1;' "$1" "$2"
}
kw() { lab_field "$P" "$1" "$2" kernel_weight; }
# scrape: GET /metrics from the director's namespace, the body to $D/scrape
scrape()
{
	rm -f "$D/scrape"
	lab_exec "$P" dir curl -sS --max-time 20 -o "$D/scrape" \
	    -w '%{http_code}' http://127.0.0.1:9580/metrics
}
checks_of() # the check count of a service in the last scrape
{
	awk -v k="lvsmon_check_duration_seconds_count{service=\"$1\"}" \
	    '$1 == k { print $2 }' "$D/scrape"
}

# sd_notify listener: every datagram, one line per KEY=VALUE
NSOCK=$D/notify.sock
python3 - "$NSOCK" "$D/notify.log" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(1.0)
end = time.time() + 300
with open(sys.argv[2], "w", buffering=1) as f:
    while time.time() < end:
        try:
            d = s.recv(4096)
        except socket.timeout:
            continue
        for line in d.decode().splitlines():
            f.write(line + "\n")
EOF
_lab_track "$P" $!
wait_until 15 test -S "$NSOCK" || bail_out "the notify listener did not start"
export NOTIFY_SOCKET=$NSOCK
# what the service manager heard, in order: R for RELOADING=1, Y for READY=1
notified() { awk '/^RELOADING=1$/ { printf "R" } /^READY=1$/ { printf "Y" }' "$D/notify.log"; }

conf 20
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with an agent, a weight file, slow start, quorum and metrics" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "web: the three reals are up"

# the sources and the policy at work before the reload
echo "drain # deploy" >"$D/agent.reply.tmp" && mv "$D/agent.reply.tmp" "$D/agent.reply"
echo 7 >"$D/weights/w.tmp" && mv "$D/weights/w.tmp" "$D/weights/$R2"
wait_until 10 test "$(kw web $R1) $(kw web $R2)" = "0 7"
is "$(kw web $R1) $(kw web $R2)" "0 7" \
    "before: agent drain gives rs1 0, the weight file gives rs2 7"
wait_until 10 test "$(svc_field sorry quorum)" = lost
is "$(svc_field sorry quorum)" lost "before: sorry has lost its quorum (1 of 2)"
wait_until 5 test "$(kw sorry $SORRY)" = 5
is "$(kw sorry $R1) $(kw sorry $SORRY)" "0 5" \
    "before: the sorry server has weight 5, the surviving real 0"

lab_rs_stop "$P" 3
lab_wait_state "$P" 10 web down "$R3"
lab_rs_start "$P" 3 || bail_out "rsd 3 did not start again"
lab_wait_state "$P" 10 web up "$R3"
wait_until 5 grep -q "real web/$R3: slow start over" "$(lab_log "$P")"
ok $? "before: rs3 came back and ramps (slow start over 40 s)"
wait_until 5 test "$(kw web $R3)" -ge 2
before=$(kw web $R3)
ok $(( before >= 1 && before < 100 ? 0 : 1 )) \
    "before: rs3's kernel weight is part way up ($before)"

scrape >/dev/null
n_web=$(checks_of web)
ok $(( ${n_web:-0} > 0 ? 0 : 1 )) "before: /metrics counts web's checks ($n_web)"

lab_events_start "$P" "$D/events"
sleep 0.5	# not for the outcome: a little history in the stream first

# --- the reload: rs1's weight 20 -> 40 and a new service -----------------
conf 40 "$EXTRA"
out=$(lab_ctl "$P" reload)
is "$?" 0 "lvsmonctl reload exits 0"
like "$out" "reloaded: 3 services, 7 reals, \+1 -0 ~1" \
    "it says: 3 services, 7 reals (the sorry server counted), +1 -0 ~1"

wait_until 5 test "$(notified)" = YRY
is "$(notified)" YRY "sd_notify: READY=1 at start, then RELOADING=1 and READY=1"
is "$(kw web $R1)" 0 "rs1: the agent's drain holds: kernel weight 0"
is "$(lab_field "$P" web "$R1" agent.admin) $(lab_field "$P" web "$R1" weight)" \
    "drain 40" "rs1: show --json: agent.admin drain, the new configured weight 40"
is "$(kw web $R2)" 7 "rs2: the weight file's 7 holds"
after=$(kw web $R3)
ok $(( after >= before && after < 100 ? 0 : 1 )) \
    "rs3: the ramp goes on from where it was ($before -> $after), not from 1"
is "$(grep -c "real web/$R3: slow start over" "$(lab_log "$P")")" 1 \
    "rs3: no second slow start in the log"
is "$(svc_field sorry quorum)" lost "sorry: the quorum is still lost"
is "$(kw sorry $R1) $(kw sorry $SORRY)" "0 5" \
    "sorry: the sorry server still has weight 5, the real 0"
out=$(lab_tally "$P" -c 30 -t 1000 203.0.113.11:80)
is "$(lab_count "$out" rs4)" 30 "sorry: every new request goes to the sorry server"

is "$(scrape)" 200 "/metrics answers after the reload"
like "$(cat "$D/scrape")" 'lvsmon_service_reals\{service="extra"\} 1' \
    "/metrics has the new service"
n_web2=$(checks_of web)
ok $(( ${n_web2:-0} >= n_web ? 0 : 1 )) \
    "/metrics: web's check count goes on ($n_web -> $n_web2), not reset"

wait_until 5 grep -q "reload " "$D/events"
ok $? "the event stream has the reload"
sleep 1	# a second of checks after the reload, for the lines below
after_reload=$(awk '/ reload /{ seen = 1; next } seen' "$D/events")
# (the new service "extra" has its own: its real comes up, its quorum is met)
unlike "$after_reload" " quorum (web|sorry) " \
    "no quorum event for web or sorry after the reload"
unlike "$after_reload" " source " "no source event (agent, weight file) after it"
unlike "$(cat "$D/events")" "Z state (web|sorry) " \
    "no state event of web or sorry at all"

# a refused file: the service manager hears the reload end all the same
echo "services = ( { name = ; } );" >>"$CONF"
out=$(lab_ctl "$P" reload 2>&1)
rc=$?
like "$rc $out" "^1 .*$CONF:[0-9]+: syntax error" \
    "a file with a syntax error: exit 1 and FILE:LINE"
wait_until 5 test "$(notified)" = YRYRY
is "$(notified)" YRYRY "sd_notify: RELOADING=1 and READY=1 around it too"
conf 40 "$EXTRA"

# the ramp still ends by itself
lab_wait_log "$P" 60 "real web/$R3: slow start done: weight 100"
ok $? "rs3: the slow start ends (log: slow start done: weight 100)"
is "$(kw web $R3)" 100 "rs3: kernel weight 100"

lab_daemon_stop "$P"
is "$?" 0 "lvsmond exits 0 on SIGTERM"
