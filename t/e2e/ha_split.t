#!/bin/bash
# t/e2e/ha_split.t - split brain: the heartbeats between two directors of
# equal priority are cut both ways (nft rules in d2's namespace), so
# both become master; when the partition heals, the tie is broken the
# same way on both sides, by address: d2 (192.0.2.2, the higher) keeps the
# VIPs even though d1 was master first, and d1 yields ("peer outranks").
# Lab picture: t/ha.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=hx$$
plan 7
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
ha_conf "$P" 1 100 false >"$D/d1.conf"
ha_conf "$P" 2 100 false >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
check "d1, started first, is master" wait_until 10 ha_role_is "$P" 1 master
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
check "d2 (same priority, preempt off) joins as backup" \
    wait_until 10 ha_role_is "$P" 2 backup

ip netns exec "$P-d2" nft -f - <<'NFT'
table inet hacut {
	chain in { type filter hook input priority 0;
		udp dport 8730 drop; }
	chain out { type filter hook output priority 0;
		udp dport 8730 drop; }
}
NFT
check "heartbeats cut: d2 no longer hears d1 and takes the VIPs too" \
    wait_until 10 eval 'ha_role_is "$P" 2 master && ha_has_vip "$P" 2'
check "while d1 still holds them: split brain" \
    eval 'ha_role_is "$P" 1 master && ha_has_vip "$P" 1'
ip netns exec "$P-d2" nft delete table inet hacut
check "healed: d1 yields to the higher address" \
    wait_until 10 eval 'ha_role_is "$P" 1 backup && ! ha_has_vip "$P" 1'
like "$(ha_ctl "$P" 1 role)" "backup since .*: peer outranks" \
    "and says why"
check "d2 stays master" eval 'ha_role_is "$P" 2 master && ha_has_vip "$P" 2'
