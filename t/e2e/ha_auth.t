#!/bin/bash
# t/e2e/ha_auth.t - heartbeats that must not count: a forged one (signed
# with a wrong key), one from an address that is no peer, and genuine ones
# captured on the wire and sent again (replayed) are dropped and counted,
# in lvsmonctl role, show --json and /metrics; the roles do not move.
# Then the director block's errors name file:line and the key, and a
# reload that raises the backup's priority makes it take over (preempt).
# Lab picture: t/ha.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=ha$$
plan 17
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
ha_conf "$P" 1 150 true >"$D/d1.conf"
HA_GLOBAL_EXTRA='metrics = "127.0.0.1:9580";' ha_conf "$P" 2 100 true \
    >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
wait_until 10 ha_role_is "$P" 1 master
wait_until 10 ha_role_is "$P" 2 backup

peer_line()
{
	ha_ctl "$P" 2 role | grep "peer 192.0.2.1:"
}

# ---- forged ----------------------------------------------------------------
ha_watch "$P" d1 forge 192.0.2.2 8730 192.0.2.1 "$D/wrong.key"
check "a heartbeat with a wrong key from the peer's address is counted" \
    wait_until 5 eval 'peer_line | grep -q "bad auth 1,"'
ha_watch "$P" cli forge 192.0.2.2 8730 192.0.2.10 "$D/ha.key"
check "one with the right key from an address that is no peer is counted" \
    wait_until 5 eval 'ha_ctl "$P" 2 role | grep -q "dropped: bad auth 2,"'

# ---- replayed --------------------------------------------------------------
out=$(ha_watch "$P" d1 replay eth0 192.0.2.2 8730 192.0.2.1 5 5)
like "$out" "captured 60" "a genuine heartbeat was captured on the wire"
check "sent again five times, it is counted five times as replayed" \
    wait_until 5 eval 'peer_line | grep -q "replayed 5$"'
like "$(peer_line)" "alive, master, priority 150" \
    "the peer is still alive and master, as it says itself"
sleep 1	# a few heartbeat intervals: nothing moves later either
check "neither forged nor replayed heartbeats moved the roles" \
    eval 'ha_role_is "$P" 1 master && ha_role_is "$P" 2 backup'

json=$(ha_ctl "$P" 2 show --json)
is "$(python3 -c 'import json,sys; d=json.load(sys.stdin)["director"]
p=d["peers"][0]; print(d["role"], d["bad_auth"], d["replayed"], p["address"],
p["alive"], p["bad_auth"], p["replayed"])' <<<"$json")" \
    "backup 2 5 192.0.2.1 True 1 5" \
    "show --json has the director section with the counters"
like "$(ha_ctl "$P" 2 show)" "director: backup since" \
    "show (text) has the director section too"
m=$(ip netns exec "$P-d2" curl -s --max-time 5 http://127.0.0.1:9580/metrics)
like "$m" 'lvsmon_director_peer_heartbeats_replayed_total\{peer="192.0.2.1"\} 5' \
    "/metrics counts the replayed heartbeats"
like "$m" 'lvsmon_director_peer_heartbeats_bad_auth_total\{peer="192.0.2.1"\} 1' \
    "/metrics counts the forged one"
like "$m" 'lvsmon_director_role\{role="backup"\} 1' "/metrics has the role"
like "$m" 'lvsmon_director_peer_up\{peer="192.0.2.1"\} 1' \
    "/metrics has the peer's liveness"

# ---- config errors ---------------------------------------------------------
bad()	# bad SED-EXPR: d1's config edited, lvsmond -t's message
{
	sed "$1" "$D/d1.conf" >"$D/bad.conf"
	"$LVSMON_BUILD/lvsmond" -t -f "$D/bad.conf" 2>&1
}
like "$(bad "s|key_file = .*|key_file = \"$D/nope.key\";|")" \
    "bad.conf:[0-9]+: director: key_file: .*nope.key: No such file" \
    "a missing key file is an error naming file:line and the key"
like "$(bad 's|"192.0.2.100/24"|"192.0.2.100/33"|')" \
    'bad.conf:[0-9]+: director: vips: "192.0.2.100/33": expected' \
    "a bad VIP is an error naming file:line and the key"
like "$(bad 's|priority = 150;|priority = 0;|')" \
    "bad.conf:[0-9]+: director: priority" \
    "priority 0 is refused"

# ---- reload ----------------------------------------------------------------
ha_conf "$P" 2 200 true >"$D/d2.conf"
ha_ctl "$P" 2 reload >/dev/null
check "a reload raising the backup's priority makes it master (preempt)" \
    wait_until 5 ha_role_is "$P" 2 master
check "and the old master backup" wait_until 5 ha_role_is "$P" 1 backup
