#!/bin/bash
# t/e2e/weight_sources.t - the dynamic weight sources reach the kernel:
# an agent on rs1 (HAProxy's agent-check protocol, a small python3 server
# in rs1's namespace) replying "75%" gives 75% of the configured weight,
# "drain" takes rs1 out of new flows while an established download runs to
# completion, "ready" brings it back, "down" / "up" likewise; an agent
# that does not answer changes nothing; a weight file (20, 7, down, bad
# content, deleted) and a file in the maintenance directory do what they
# say; a weight file's 50% and an exec WARNING multiply.  Each effect is
# checked in the kernel (kernel_weight, read back from the nft table), in
# show --json (agent, weight_file, maintenance) and in the event stream.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
VIP=203.0.113.10:80
HOLD=4		# seconds the established download lives

plan 50
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
mkdir -p "$D/weights" "$D/maint"

# The agent: one line per connection, read from a file at each accept
# (so the test changes its answer by writing the file), then close.
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
say()	# what the agent answers from now on
{
	echo "$1" >"$D/agent.reply.tmp" && mv "$D/agent.reply.tmp" "$D/agent.reply"
}
say "75%"
# ip netns exec execs python3: $! is the agent itself
ip netns exec "$P-rs1" python3 "$D/agent.py" 198.51.100.11 10000 \
    "$D/agent.reply" "$D/agent.ready" >>"$D/agent.log" 2>&1 &
AGENT=$!
_lab_track "$P" "$AGENT"
wait_until 10 test -e "$D/agent.ready" || bail_out "the agent did not start"

CONF=$D/lvsmond.conf
{ lab_conf_global "$P" | sed "s|^};|  maintenance_dir = \"$D/maint\";\n};|"
cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    agent = { port = 10000; interval = 0.5; timeout = 0.4; };
    weight_file = "$D/weights/";
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 20; },
      { address = "198.51.100.12"; port = 8080; weight = 20; } ); },
  { name = "plug"; address = "203.0.113.11"; port = 80;
    check = { type = "exec"; command = "/bin/sh";
              args = ["-c", "echo 'WARNING - busy'; exit 1"];
              interval = 0.5; rise = 1; fall = 1; };
    weight_file = "$D/weights/plug-%a";
    real_servers = ( { address = "198.51.100.12"; port = 8080;
                       weight = 20; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_events_start "$P" "$D/events" --since 0
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"

# --- the agent ---
wait_until 10 lab_field_is "$P" web "$R1" kernel_weight 15
is "$(lab_field "$P" web "$R1" kernel_weight)" 15 \
    "agent \"75%\": the kernel's weight for rs1 is 15 (75% of 20)"
is "$(lab_field "$P" web "$R1" agent.weight) $(lab_field "$P" web "$R1" \
    agent.says)" "75% 75%" "show --json: agent.weight and agent.says are 75%"
is "$(lab_field "$P" web "$R1" agent.reachable)" true \
    "show --json: the agent is reachable"
like "$(lab_ctl "$P" show)" "sources: agent 75%" \
    "lvsmonctl show says: sources: agent 75%"
wait_until 5 grep -q 'source web 198.51.100.11:8080 agent: - -> 75%' \
    "$D/events"
ok $? "the event stream has: source web 198.51.100.11:8080 agent: - -> 75%"

# rs2 has no agent listening: nothing changes
wait_until 5 lab_field_is "$P" web "$R2" agent.reachable false
is "$(lab_field "$P" web "$R2" agent.reachable)" false \
    "rs2's agent does not answer: reachable false"
like "$(lab_field "$P" web "$R2" agent.message)" "ECONNREFUSED" \
    "and its message says connect: ECONNREFUSED"
is "$(lab_field "$P" web "$R2" kernel_weight)" 20 \
    "an agent that never answered changes nothing: rs2's weight is 20"

# maintenance directory: rs2 out, so the download goes to rs1
touch "$D/maint/198.51.100.12"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "a file 198.51.100.12 in maintenance_dir: rs2's kernel weight is 0"
is "$(lab_field "$P" web "$R2" maintenance)" 198.51.100.12 \
    "show --json: maintenance names the file"
is "$(lab_field "$P" web "$R2" state) $(lab_field "$P" web "$R2" admin)" \
    "up enabled" "rs2's health and admin state are untouched"
out=$(lab_tally "$P" -c 20 -t 1000 "$VIP")
is "$(lab_count "$out" rs1)" 20 "all 20 new requests go to rs1"

# drain with an established connection
lab_tally "$P" --hold "$HOLD" -t 2000 "$VIP" >"$D/hold" &
HOLD_PID=$!
wait_until 3 grep -q ' GET /slow' "$(lab_rs_access "$P" 1)"
ok $? "a long download through the VIP is open to rs1"
say "drain # deploy"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 0
is "$(lab_field "$P" web "$R1" kernel_weight)" 0 \
    "agent \"drain\": rs1's kernel weight is 0"
is "$(lab_field "$P" web "$R1" agent.admin)" drain \
    "show --json: agent.admin is drain"
rm "$D/maint/198.51.100.12"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 20
is "$(lab_field "$P" web "$R2" kernel_weight)" 20 \
    "maintenance file removed: rs2's kernel weight is 20 again"
is "$(lab_field "$P" web "$R2" maintenance)" null \
    "show --json: maintenance is null"
out=$(lab_tally "$P" -c 30 -t 1000 "$VIP")
is "$(lab_count "$out" rs2) $(lab_count "$out" fail)" "30 0" \
    "all 30 new requests go to rs2 while rs1 drains"
wait "$HOLD_PID"
ok $? "the established download from rs1 ran to completion"
is "$(cat "$D/hold")" "$(printf 'server rs1\nlines %d\ncomplete yes' \
    "$HOLD")" "all $HOLD lines of it came from rs1"
like "$(cat "$D/events")" \
    "source web 198\.51\.100\.11:8080 agent: 75% -> drain 75%: deploy" \
    "the event carries the agent's description: deploy"

say "ready"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 15
is "$(lab_field "$P" web "$R1" kernel_weight)" 15 \
    "agent \"ready\": rs1 is back at 15 (its 75% still holds)"
say "down # disk full"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 0
is "$(lab_field "$P" web "$R1" kernel_weight)" 0 \
    "agent \"down\": rs1's kernel weight is 0"
is "$(lab_field "$P" web "$R1" agent.state) $(lab_field "$P" web "$R1" \
    state)" "down up" "agent.state is down, the health check's state is up"
lab_wait_log "$P" 5 'real web/198\.51\.100\.11:8080: agent: 75% -> down 75%: disk full'
ok $? "the log says: agent: 75% -> down 75%: disk full"
say "up"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 15
is "$(lab_field "$P" web "$R1" kernel_weight)" 15 \
    "agent \"up\": rs1 is back at 15"

# the agent goes away: its last word stands
say "50%"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 10
is "$(lab_field "$P" web "$R1" kernel_weight)" 10 "agent \"50%\": 10"
kill "$AGENT"
wait "$AGENT" 2>/dev/null
wait_until 5 lab_field_is "$P" web "$R1" agent.reachable false
is "$(lab_field "$P" web "$R1" agent.reachable)" false \
    "the agent is stopped: reachable false"
is "$(lab_field "$P" web "$R1" kernel_weight)" 10 \
    "an agent that stopped answering changes nothing: still 10"
lab_wait_log "$P" 5 'real web/198\.51\.100\.11:8080: agent unreachable'
ok $? "the log says the agent is unreachable"

# --- weight files ---
echo 7 >"$D/weights/$R2"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 7
is "$(lab_field "$P" web "$R2" kernel_weight)" 7 \
    "a weight file with 7: rs2's kernel weight is 7"
is "$(lab_field "$P" web "$R2" weight_file.says)" 7 \
    "show --json: weight_file.says is 7"
echo 20 >"$D/weights/$R1"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 10
is "$(lab_field "$P" web "$R1" kernel_weight)" 10 \
    "rs1's file says 20: x the agent's last 50% = 10"
echo down >"$D/w.tmp" && mv "$D/w.tmp" "$D/weights/$R2"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "a file renamed into place with \"down\": rs2's kernel weight is 0"
echo "# by hand" >"$D/weights/$R2"
echo seven >>"$D/weights/$R2"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 20
is "$(lab_field "$P" web "$R2" kernel_weight)" 20 \
    "a file with bad content has no effect: rs2 is back at 20"
is "$(lab_field "$P" web "$R2" weight_file.status)" bad \
    "show --json: weight_file.status is bad"
lab_wait_log "$P" 5 "weight file $D/weights/198\.51\.100\.12:8080:2: unknown word \"seven\""
ok $? "the log names the file and line 2 and the bad word"
n=$(grep -c 'unknown word "seven"' "$(lab_log "$P")")
echo seven >>"$D/weights/$R2"
# inotify events come in order: once the 7 below is in the kernel, the
# rewrite above has been read too
echo 7 >"$D/weights/$R2"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 7
n2=$(grep -c 'unknown word "seven"' "$(lab_log "$P")")
is "$n2" "$n" "the same bad content rewritten is logged once"
rm "$D/weights/$R2"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 20
is "$(lab_field "$P" web "$R2" kernel_weight)" 20 \
    "the weight file deleted: rs2 is back at its configured 20"
is "$(lab_field "$P" web "$R2" weight_file.status)" missing \
    "show --json: weight_file.status is missing"

# --- a WARNING and a file percentage multiply ---
wait_until 5 lab_field_is "$P" plug "$R2" kernel_weight 10
is "$(lab_field "$P" plug "$R2" kernel_weight)" 10 \
    "an exec WARNING halves plug's rs2: 10"
echo 50% >"$D/weights/plug-198.51.100.12"
wait_until 5 lab_field_is "$P" plug "$R2" kernel_weight 5
is "$(lab_field "$P" plug "$R2" kernel_weight)" 5 \
    "with a weight file of 50%: 20 x 0.5 x 50% = 5"
is "$(lab_field "$P" plug "$R2" reason)" WARNING "the check's reason is WARNING"

# maintenance by service name: only that service's real
touch "$D/maint/plug@198.51.100.12"
wait_until 5 lab_field_is "$P" plug "$R2" kernel_weight 0
is "$(lab_field "$P" plug "$R2" kernel_weight)" 0 \
    "a file plug@198.51.100.12: plug's rs2 is in maintenance"
is "$(lab_field "$P" web "$R2" kernel_weight)" 20 \
    "web's rs2 (the same server) is not"
# the nft table itself: web's numgen map splits 10:20 (rs1: the first
# third of 0..999999, ids 1 and 2 as conntrack marks), plug's is empty
lab_nft "$P" list table inet lvsmon >"$D/nft" 2>&1
like "$(awk '/map sched_1 /{f=1} f && /elements/{print; exit}' "$D/nft")" \
    "elements = \{ 0-333332 : 0x[0-9a-f]+01, 333333-999999 : 0x[0-9a-f]+02 \}" \
    "the nft map of web gives rs1 (10) a third and rs2 (20) two thirds"
is "$(awk '/map sched_2 /{f=1} f && /elements/{n++} f && /^\t}/{exit}
    END {print n+0}' "$D/nft")" 0 "the nft map of plug has no element"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
