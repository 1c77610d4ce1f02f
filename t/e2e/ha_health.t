#!/bin/bash
# t/e2e/ha_health.t - the director's own health moves the VIPs: a tracked
# interface going down makes the master FAULT (the backup takes over) and
# its return makes it master again (preempt); a master whose service loses
# its quorum (its checks blocked by a firewall rule in its namespace only)
# has its priority lowered by quorum_penalty below the backup's, which
# preempts ("priority lowered").  Lab picture: t/ha.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=hh$$
plan 9
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
X='track_interfaces = ("eth1"); quorum_penalty = 100;'
ha_conf "$P" 1 150 true "$X" >"$D/d1.conf"
ha_conf "$P" 2 100 true "$X" >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
check "d1 is master" wait_until 10 ha_role_is "$P" 1 master
wait_until 10 ha_role_is "$P" 2 backup

ip -n "$P-d1" link set eth1 down
check "its tracked interface down, d1 goes to fault" \
    wait_until 5 ha_role_is "$P" 1 fault
check "and d2 takes over" wait_until 5 ha_role_is "$P" 2 master
like "$(ha_ctl "$P" 1 role)" "fault since .*: tracked interface down" \
    "role says why"
ip -n "$P-d1" link set eth1 up
check "the interface back, d1 is master again (preempt)" \
    wait_until 10 ha_role_is "$P" 1 master

# d1's checks (and only d1's) fail: its service loses quorum
ip netns exec "$P-d1" nft -f - <<'NFT'
table inet hablock {
	chain out { type filter hook output priority 0;
		tcp dport 8080 drop; }
}
NFT
check "d1's service lost quorum: d2 preempts" \
    wait_until 15 ha_role_is "$P" 2 master
check "d1 is backup" wait_until 5 ha_role_is "$P" 1 backup
like "$(ha_ctl "$P" 1 role)" \
    "backup since .*: priority lowered.*priority 50 \(configured 150\)" \
    "because its priority was lowered to 150 - 100"
ip netns exec "$P-d1" nft delete table inet hablock
check "quorum back, d1 takes over again" \
    wait_until 15 ha_role_is "$P" 1 master
