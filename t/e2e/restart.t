#!/bin/bash
# t/e2e/restart.t - lvsmond can die and come back without a traffic cut:
# kill -9 and a restart under a stream of new connections and one long
# download lose nothing (counted), the nft table is never empty meanwhile;
# SIGTERM with on_exit = "keep" leaves the table serving with no daemon,
# with "flush" removes it; a hand-made change (an nft element deleted) is
# repaired by the next reconcile and logged; sd_notify READY/STOPPING/
# WATCHDOG reach $NOTIFY_SOCKET; after start the daemon holds only
# CAP_NET_ADMIN and CAP_NET_RAW and its checks' programs hold none.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
VIP=203.0.113.10:80
HOLD=8		# seconds the long download lives: spans the restart

plan 41
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf

conf()	# conf ON_EXIT: the config, on_exit as given
{
	{ lab_conf_global "$P" | sed "s|^};|  on_exit = \"$1\";\n  \
reconcile_interval = 1;\n};|"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); },
  { name = "aux"; address = "203.0.113.10"; port = 81;
    check = { type = "exec"; command = "/bin/sh"; interval = 0.5;
      timeout = 2.0; args = [ "-c",
      "grep -E '^Cap(Eff|Prm|Inh|Amb)' /proc/\$\$/status >$D/plugin.caps.\$\$ && mv $D/plugin.caps.\$\$ $D/plugin.caps" ]; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF
	} >"$CONF"
}

# --- sd_notify listener: every datagram, one line per KEY=VALUE
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
export NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=1000000

daemon_pid()
{
	cat "$D/lvsmond.bg"
}

conf keep
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts under NOTIFY_SOCKET" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1
wait_until 5 grep -q '^READY=1$' "$D/notify.log"
ok $? "the service manager gets READY=1"
like "$(cat "$D/notify.log")" "STATUS=serving 2 services, 3 real servers" \
    "STATUS says what is served"
wait_until 5 grep -q '^WATCHDOG=1$' "$D/notify.log"
ok $? "WATCHDOG=1 comes while WATCHDOG_USEC is set"

# --- capabilities
pid=$(daemon_pid)
is "$(cat /proc/"$pid"/comm)" lvsmond "the tracked pid is lvsmond itself"
st=$(cat /proc/"$pid"/status)
is "$(awk '/^CapEff/ { print $2 }' <<<"$st")" 0000000000003000 \
    "effective capabilities are exactly NET_ADMIN and NET_RAW"
is "$(awk '/^(CapPrm|CapBnd)/ { print $2 }' <<<"$st" | sort -u)" \
    0000000000003000 "permitted and bounding sets hold only those two"
wait_until 5 test -s "$D/plugin.caps"
is "$(awk '{ print $2 }' "$D/plugin.caps" | sort -u)" 0000000000000000 \
    "an exec check's program runs with no capability at all"

# --- kill -9 and restart under traffic
: >"$D/stop"; rm -f "$D/stop"
# a stream of new connections, counted; bounded: 400 rounds of 10
(
	for ((i = 0; i < 400; i++)); do
		[ -e "$D/stop" ] && break
		lab_tally "$P" -c 10 -t 2000 "$VIP"
	done >"$D/stream.out" 2>&1
) &
STREAM=$!
_lab_track "$P" "$STREAM"
# the table seen from outside, every 50 ms: a VIP entry and a weight
(
	for ((i = 0; i < 600; i++)); do
		[ -e "$D/stop" ] && break
		t=$(lab_nft "$P" list table inet lvsmon 2>&1)
		if ! grep -q '203.0.113.10 . tcp . 80 : goto svc_' <<<"$t" ||
		    ! grep -q ': 0x00000001' <<<"$t"; then
			echo "empty at $i"
		fi
		echo "polled $i"
		sleep 0.05
	done >"$D/poll.out" 2>&1
) &
_lab_track "$P" $!
lab_tally "$P" --hold "$HOLD" -t 3000 "$VIP" >"$D/hold.out" &
HOLD_PID=$!
wait_until 3 grep -q 'GET /slow' "$(lab_rs_access "$P" 1)" \
    "$(lab_rs_access "$P" 2)"
before=$(grep -c . "$D/stream.out")
kill -9 "$pid"
wait_until 5 _lab_gone "$pid"
ok $? "lvsmond is gone after kill -9"
rm -f "$D/lvsmond.bg"
sleep_gap() { [ "$(grep -c '^fail' "$D/stream.out")" -ge "$1" ]; }
# new connections keep flowing with no daemon at all
n0=$(grep -c '^fail' "$D/stream.out")
wait_until 10 sleep_gap $((n0 + 5))
ok $? "new connections are answered while no daemon runs"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts again"
like "$(cat "$(lab_log "$P")")" "the kernel serves 3 of the configured real \
servers; 3 adopted as up until their first check" \
    "the restart adopts the reals the kernel was serving"
like "$(grep 'real web/198.51.100.12:8080' "$(lab_log "$P")" | tail -1)" \
    "adopted as up until its first check" "rs2 was adopted, not reset to down"
n1=$(grep -c '^fail' "$D/stream.out")
wait_until 10 sleep_gap $((n1 + 10))
wait "$HOLD_PID"
ok $? "the long download through the VIP ran to completion across the restart"
is "$(cat "$D/hold.out")" "$(printf 'server %s\nlines %d\ncomplete yes' \
    "$(awk '/^server/ { print $2 }' "$D/hold.out")" "$HOLD")" \
    "all $HOLD lines of the download arrived"
touch "$D/stop"
wait "$STREAM"
fails=$(awk '$1 == "fail" { n += $2 } END { print n + 0 }' "$D/stream.out")
answered=$(awk '$1 ~ /^rs/ { n += $2 } END { print n + 0 }' "$D/stream.out")
is "$fails" 0 "no new connection failed across kill -9 and restart"
rounds=$(grep -c '^fail' "$D/stream.out")
is "$answered" $((rounds * 10)) "every one of the $rounds x 10 connections" \
    "of the stream was answered by a real server"
is "$(grep -c '^empty' "$D/poll.out")" 0 \
    "the nft table held the VIP and its weights at every poll" \
    "($(grep -c '^polled' "$D/poll.out") polls)"
wait_until 5 grep -q '^READY=1$' "$D/notify.log"
is "$(grep -c '^READY=1$' "$D/notify.log")" 2 "READY=1 again after the restart"
unlike "$(grep 'state' "$(lab_log "$P")" | grep 'web/')" "-> down" \
    "no real of web went down across the restart"

# --- drift, repaired by the reconcile (reconcile_interval = 1 s)
lab_events_start "$P" "$D/events.out"
unlike "$(cat "$(lab_log "$P")")" "reconcile:" \
    "no reconcile repair while nobody touches the table"
lab_nft "$P" delete element inet lvsmon svc4 '{ 203.0.113.10 . tcp . 80 }'
ok $? "an nft element (the VIP's entry) is deleted by hand"
lab_wait_log "$P" 5 "reconcile: service web: tcp/203.0.113.10:80 missing in \
the kernel, restored"
ok $? "the log names the repaired service"
vip_in_kernel()
{
	lab_nft "$P" list map inet lvsmon svc4 | grep -q '203.0.113.10 . tcp . 80'
}
wait_until 5 vip_in_kernel
ok $? "the VIP's entry is back in the kernel"
m2=$(lab_nft "$P" -j list map inet lvsmon be_svc | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("map", {}).get("elem", []):
        print(e[0])' | sort -n | tail -1)
lab_nft "$P" delete element inet lvsmon be_weight "{ $m2 }"
lab_wait_log "$P" 5 "reconcile: service (web|aux): real [0-9.:]+ weight 0 -> 1 \
restored"
ok $? "a real's weight deleted by hand is restored and logged"
wait_until 5 grep -q 'backend reconcile:' "$D/events.out"
ok $? "the repair is a backend event on the event stream"
out=$(lab_tally "$P" -c 40 -t 2000 "$VIP")
is "$(lab_count "$out" fail)" 0 "traffic flows after the repairs"

# --- SIGTERM: on_exit = "keep"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
wait_until 5 grep -q '^STOPPING=1$' "$D/notify.log"
ok $? "the service manager gets STOPPING=1"
out=$(lab_tally "$P" -c 40 -t 2000 "$VIP")
is "$(lab_count "$out" fail)" 0 \
    "on_exit = keep: with no daemon all 40 new connections are answered"

# --- SIGTERM: on_exit = "flush"
conf flush
lab_daemon_start "$P" "$CONF" && lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "lvsmond with on_exit = flush starts and serves"
lab_daemon_stop "$P"
lab_nft "$P" list table inet lvsmon >/dev/null 2>&1
is "$?" 1 "on_exit = flush: SIGTERM removes table inet lvsmon"

# --- started as the unit starts it: ambient NET_ADMIN + NET_RAW, bounding
# set of those two, securebits noroot (so no CAP_SETPCAP to drop more)
conf keep
rm -f "$D/ctl.sock" "$D/plugin.caps"
ip netns exec "$P-dir" setpriv --inh-caps=-all,+net_admin,+net_raw \
    --ambient-caps=-all,+net_admin,+net_raw \
    --bounding-set=-all,+net_admin,+net_raw \
    --securebits=+noroot,+noroot_locked \
    "$LVSMON_BUILD/lvsmond" -n -f "$CONF" >>"$(lab_log "$P")" 2>&1 &
echo $! >"$D/lvsmond.bg"
_lab_track "$P" "$(cat "$D/lvsmond.bg")"
_lab_wait 15 _lab_daemon_ready "$P" && lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "lvsmond started like the systemd unit starts it serves"
st=$(cat /proc/"$(daemon_pid)"/status)
is "$(awk '/^(CapEff|CapPrm|CapBnd)/ { print $2 }' <<<"$st" | sort -u)" \
    0000000000003000 "it holds NET_ADMIN and NET_RAW (effective, permitted, bounding)"
is "$(awk '/^(CapInh|CapAmb)/ { print $2 }' <<<"$st" | sort -u)" \
    0000000000000000 "its inheritable and ambient sets are empty after start"
wait_until 5 test -s "$D/plugin.caps"
is "$(awk '{ print $2 }' "$D/plugin.caps" | sort -u)" 0000000000000000 \
    "its exec check's program has no capability"
lab_ctl "$P" set weight web "$R1" 3 >/dev/null &&
    wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 3
ok $? "set weight reaches the kernel without the dropped capabilities"
wait_until 5 grep -q "198.51.100.11:8080 id [0-9]* admin enabled weight 3" \
    "$D/state"
ok $? "the state file is rewritten after the drop"
lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2" &&
    wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
ok $? "a stopped server goes down and its kernel weight becomes 0"
lab_daemon_stop "$P"
ok $? "it exits 0 on SIGTERM"
