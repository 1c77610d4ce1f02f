#!/bin/bash
# t/e2e/ha_two_paths.t - a second heartbeat path: each director lists its
# peer twice, by its address on eth0 and on eth1, and counts it alive
# while either path hears it.  Heartbeats on eth0 cut (nft rules in d2's
# namespace): that path's peer entry goes dead, but no split brain - the
# backup stays backup; both paths cut: it takes over.  Lab: t/ha.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=ht$$
plan 6
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
export HA_TWO_PATHS=1
ha_conf "$P" 1 150 true >"$D/d1.conf"
ha_conf "$P" 2 100 true >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
check "d1 master, d2 backup" wait_until 10 eval \
    'ha_role_is "$P" 1 master && ha_role_is "$P" 2 backup'

cut()	# cut IFNAME: d2 drops heartbeats in and out on it
{
	ip netns exec "$P-d2" nft -f - <<NFT
table inet hacut$1 {
	chain in { type filter hook input priority 0;
		iifname "$1" udp dport 8730 drop; }
	chain out { type filter hook output priority 0;
		oifname "$1" udp dport 8730 drop; }
}
NFT
}
cut eth0
check "eth0 path cut: d2 sees d1 dead there" wait_until 5 eval \
    'ha_ctl "$P" 2 role | grep -q "peer 192.0.2.1: dead"'
like "$(ha_ctl "$P" 2 role)" "peer 198.51.100.2: alive, master" \
    "and alive and master on eth1"
sleep 2	# two dead intervals
check "no split brain: d2 stays backup, d1 master with the VIP" eval \
    'ha_role_is "$P" 2 backup && ha_role_is "$P" 1 master &&
    ! ha_has_vip "$P" 2'
cut eth1
check "both paths cut: d2 takes over" wait_until 5 ha_role_is "$P" 2 master
ip netns exec "$P-d2" nft delete table inet hacuteth0
ip netns exec "$P-d2" nft delete table inet hacuteth1
check "healed: d1 (higher priority) master again, d2 backup" \
    wait_until 10 eval \
    'ha_role_is "$P" 1 master && ha_role_is "$P" 2 backup'
