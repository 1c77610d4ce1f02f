#!/bin/bash
# t/e2e/ha_failover.t - two directors: the master dies (kill -9), the
# backup takes the VIPs, announces them (a GARP and an NA reach the
# client's segment) and the client's connections to the VIP work again;
# the old master returns and, with preempt on, takes over again without
# the two ever holding the VIP at once; `lvsmonctl failover` hands over
# gracefully and a SIGTERMed master's "leaving" heartbeat makes the backup
# take over at once.  Lab picture: t/ha.sh.
#
# "The master dies" is the machine dying: kill -9 of lvsmond and its links
# down at once (a killed daemon leaves its addresses and nft rules behind,
# which a dead machine does not: they would keep serving).  Its return is
# a reboot: addresses gone, links up, lvsmond started.
#
# Overlap: a sampler reads both directors' addresses every ~50 ms in the
# order d1, d2, d1; "both held it" is a d2 sample that holds the VIP
# between two d1 samples that both hold it.  The handover protocol (the
# master drops the VIPs before it tells its peer) allows no overlap at all,
# so none is tolerated.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=hf$$
plan 25
ha_up "$P" 2 || bail_out "could not build the lab"
for i in 1 2; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")
ha_conf "$P" 1 150 true >"$D/d1.conf"
ha_conf "$P" 2 100 true >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"

check "the higher priority director becomes master" \
    wait_until 10 ha_role_is "$P" 1 master
check "the other one is backup" wait_until 10 ha_role_is "$P" 2 backup
check "the master holds the VIP, the backup does not" \
    eval 'ha_has_vip "$P" 1 && ! ha_has_vip "$P" 2'
out=$(lab_exec "$P" cli "$LVSMON_BUILD/t/tools/tally" -c 20 \
    "$HA_VIP4:$HA_PORT")
like "$out" "fail 0" "the client reaches the service through the master"

# ---- the master dies ----------------------------------------------------
d2mac=$(ip -n "$P-d2" -br link show dev eth0 | awk '{print $3}')
ha_watch "$P" cli garp eth0 30 >"$D/garp.out" 2>&1 &
_lab_track "$P" $!
ha_watch "$P" cli probe "$HA_VIP4" "$HA_PORT" 20 -r >"$D/probe.out" 2>&1 &
probe=$!
_lab_track "$P" "$probe"
sleep 0.5	# the probe's first connections succeed: a baseline
d1pid=$(cat "$D/d1.bg")
kill -KILL "$d1pid"
ip -n "$P-d1" link set eth0 down
ip -n "$P-d1" link set eth1 down
wait "$d1pid" 2>/dev/null
rm -f "$D/d1.bg"

check "the backup becomes master after the kill" \
    wait_until 10 ha_role_is "$P" 2 master
check "the new master holds the VIP" wait_until 5 ha_has_vip "$P" 2
wait_until 20 eval '! kill -0 '"$probe"' 2>/dev/null'
wait "$probe" 2>/dev/null
gap=$(sed -n 's/^gap_ms //p' "$D/probe.out")
fails=$(sed -n 's/^fail //p' "$D/probe.out")
note "client-side outage after kill -9: ${gap:-?} ms ($fails failed" \
    "connects; interval 0.2 s, dead 3)"
between "${gap:-999999}" 1 5000 "the client connects to the VIP again" \
    "within 5 s of the kill"
check "a gratuitous ARP for the VIP from the new master reached the client" \
    wait_until 5 grep -qi "^garp $HA_VIP4 $d2mac" "$D/garp.out"
check "an unsolicited neighbour advertisement for the v6 VIP too" \
    wait_until 5 grep -qi "^na $HA_VIP6 $d2mac" "$D/garp.out"
like "$(ha_ctl "$P" 2 role)" "master since .*: peer dead" \
    "lvsmonctl role says why: peer dead"
ev=$(timeout 3 "$LVSMON_BUILD/lvsmonctl" -s "$(ha_sock "$P" 2)" events \
    --since 0 2>/dev/null)
like "$ev" "role - - backup -> master: peer dead" \
    "the role change is an event (lvsmonctl events)"
like "$ev" "peer - - alive -> dead: 192.0.2.1: silent" \
    "the peer's death is an event"

# ---- it comes back: preempt on ------------------------------------------
# a reboot: no address survives it
ip -n "$P-d1" addr del "$HA_VIP4/24" dev eth0 2>/dev/null
ip -n "$P-d1" addr del "$HA_VIP6/64" dev eth0 2>/dev/null
ip -n "$P-d1" addr del "$HA_INSIDE/24" dev eth1 2>/dev/null
ip -n "$P-d1" link set eth0 up
ip -n "$P-d1" link set eth1 up
wait_until 10 _lab_link_up "$P-d1" eth0
"$LVSMON_BUILD/t/tools/hawatch" overlap "$HA_VIP4" 90 "$D/stop-sampling" \
    "$P-d1" "$P-d2" >"$D/samples" 2>&1 &
sampler=$!
_lab_track "$P" "$sampler"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not restart"
check "preempt on: the returning higher priority director is master again" \
    wait_until 10 ha_role_is "$P" 1 master
check "and the other one went back to backup" \
    wait_until 5 ha_role_is "$P" 2 backup
like "$(ha_ctl "$P" 1 role)" "master since .*: preempted" \
    "the returning director says it preempted"
out=$(lab_exec "$P" cli "$LVSMON_BUILD/t/tools/tally" -c 20 -t 2000 \
    "$HA_VIP4:$HA_PORT")
like "$out" "fail 0" "the client reaches the service through it"

# ---- lvsmonctl failover ---------------------------------------------------
out=$(ha_ctl "$P" 1 failover 2>&1)
like "$out" "handing over" "lvsmonctl failover is accepted by the master"
check "after lvsmonctl failover the peer is master" \
    wait_until 5 ha_role_is "$P" 2 master
check "and the one that handed over is backup" \
    wait_until 5 ha_role_is "$P" 1 backup
sleep 2	# several dead intervals: it must not take the VIPs back
check "a handed-over master does not preempt back (2 s later)" \
    eval 'ha_role_is "$P" 1 backup && ha_role_is "$P" 2 master'
like "$(ha_ctl "$P" 1 failover 2>&1)" "not master" \
    "lvsmonctl failover on a backup is refused"

# ---- a clean stop: the leaving heartbeat ----------------------------------
t0=${EPOCHREALTIME/./}
kill -TERM "$(cat "$D/d2.bg")"
# the reason below tells the leaving heartbeat from the dead timer
check "a SIGTERMed master hands over at once (leaving heartbeat)" \
    wait_until 2 ha_role_is "$P" 1 master
note "takeover after SIGTERM seen by lvsmonctl polling:" \
    "$(( (${EPOCHREALTIME/./} - t0) / 1000 )) ms"
like "$(ha_ctl "$P" 1 role)" "master since .*: peer left" \
    "and says the peer left"
ha_kill "$P" 2 TERM
touch "$D/stop-sampling"
wait "$sampler" 2>/dev/null
n=$(sed -n 's/^samples //p' "$D/samples")
both=$(sed -n 's/^both //p' "$D/samples")
note "$n address samples (d1 held it in $(sed -n 's/^ns1 //p' \
    "$D/samples"), d2 in $(sed -n 's/^ns2 //p' "$D/samples")), ${both:-?}" \
    "with both holding the VIP"
between "${n:-0}" 20 1000000 "the addresses were sampled throughout"
is "$both" 0 "the two directors never held the VIP at the same time"
