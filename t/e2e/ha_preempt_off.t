#!/bin/bash
# t/e2e/ha_preempt_off.t - preempt = false: the higher priority director
# dies, the backup takes over, and when the old master returns it stays
# backup while the new master lives (no second outage for a flapping
# machine); the two never hold the VIP at once.  Lab picture: t/ha.sh;
# "dies" and "returns" as in ha_failover.t (machine death, reboot).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/ha.sh"
need_lab

P=hp$$
plan 9
ha_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
ha_conf "$P" 1 150 false >"$D/d1.conf"
ha_conf "$P" 2 100 false >"$D/d2.conf"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not start"
ha_start "$P" 2 "$D/d2.conf" || bail_out "d2 did not start"
check "d1 (priority 150) is master" wait_until 10 ha_role_is "$P" 1 master
check "d2 (priority 100) is backup" wait_until 10 ha_role_is "$P" 2 backup

d1pid=$(cat "$D/d1.bg")
kill -KILL "$d1pid"
ip -n "$P-d1" link set eth0 down
ip -n "$P-d1" link set eth1 down
{ wait "$d1pid"; } 2>/dev/null
rm -f "$D/d1.bg"
check "d2 takes over when d1 dies" wait_until 10 ha_role_is "$P" 2 master

# d1 reboots: no addresses left, links up, lvsmond again
ip -n "$P-d1" addr del "$HA_VIP4/24" dev eth0 2>/dev/null
ip -n "$P-d1" addr del "$HA_VIP6/64" dev eth0 2>/dev/null
ip -n "$P-d1" addr del "$HA_INSIDE/24" dev eth1 2>/dev/null
ip -n "$P-d1" link set eth0 up
ip -n "$P-d1" link set eth1 up
wait_until 10 _lab_link_up "$P-d1" eth0
"$LVSMON_BUILD/t/tools/hawatch" overlap "$HA_VIP4" 60 "$D/stop-sampling" \
    "$P-d1" "$P-d2" >"$D/samples" 2>&1 &
sampler=$!
_lab_track "$P" "$sampler"
ha_start "$P" 1 "$D/d1.conf" || bail_out "d1 did not restart"
check "preempt off: the returning d1 becomes backup" \
    wait_until 10 ha_role_is "$P" 1 backup
sleep 3	# fifteen heartbeat intervals, five dead intervals
check "and stays backup while d2 lives (3 s later), d2 still master" \
    eval 'ha_role_is "$P" 1 backup && ha_role_is "$P" 2 master'
out=$(lab_exec "$P" cli "$LVSMON_BUILD/t/tools/tally" -c 20 -t 2000 \
    "$HA_VIP4:$HA_PORT")
like "$out" "fail 0" "the client is served through d2 all along"

kill -TERM "$(cat "$D/d2.bg")"
check "when d2 stops, d1 takes over" wait_until 5 ha_role_is "$P" 1 master
like "$(ha_ctl "$P" 1 role)" "master since .*: peer left" \
    "because d2 said it was leaving"
ha_kill "$P" 2 TERM
touch "$D/stop-sampling"
wait "$sampler" 2>/dev/null
n=$(sed -n 's/^samples //p' "$D/samples")
both=$(sed -n 's/^both //p' "$D/samples")
note "$n address samples, ${both:-?} with both holding the VIP"
is "$both" 0 "the two directors never held the VIP at the same time"
