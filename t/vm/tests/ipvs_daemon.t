#!/bin/bash
# t/vm/tests/ipvs_daemon.t - lvsmond on IPVS: "auto" loads ip_vs and picks
# it, the config's services appear in ipvsadm, a failing server is
# quiesced (weight 0, still listed) then restored, an operator's weight
# shows in ipvsadm, and kill -9 + restart keeps the table, its counters
# and an established connection.
#
# Repairing a hand-made "ipvsadm -d" while running needs the periodic
# reconcile (issue 7); the backend's part of it is in ipvs_kernel.t.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"

P=$(lab_prefix)
VIP=$LAB_VIP4
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 14

# Unload IPVS so that "auto" has to load it (best effort: a kernel with
# IPVS built in, or in use elsewhere, keeps it).
ipvsadm -C 2>/dev/null
for m in $(awk '$1 ~ /^ip_vs_/ { print $1 }' /proc/modules); do
	modprobe -r "$m" 2>/dev/null
done
modprobe -r ip_vs 2>/dev/null
unloaded=0
[ -e /proc/net/ip_vs ] || unloaded=1

lab_up "$P" 2 || bail_out "cannot build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P" auto; cat <<EOF
services = (
  { name = "web"; address = "$VIP"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 2; } ); }
);
EOF
} >"$CONF"

ipvsadm_()
{
	lab_exec "$P" dir ipvsadm "$@"
}

# "W1 W2": the kernel's weights of rs1 and rs2 for VIP:80 ("-" if absent)
kweights()
{
	local s
	s=$(ipvsadm_ -Sn)
	echo "$(awk -v r=$R1 '$1 == "-a" && $5 == r { print $8 }' <<<"$s" |
	    grep . || echo -) $(awk -v r=$R2 \
	    '$1 == "-a" && $5 == r { print $8 }' <<<"$s" | grep . || echo -)"
}

kweights_are()
{
	[ "$(kweights)" = "$1" ]
}

# 1-3
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with backend auto" || bail_out "no daemon"
# The module comes back by the generic netlink lookup itself (ip_vs has
# the alias net-pf-16-proto-16-family-IPVS) or by auto's modprobe.
like "$(cat "$(lab_log "$P")")" "backend ipvs: auto: kernel has IPVS" \
    "auto chose the ipvs backend$([ $unloaded = 1 ] &&
    echo ", loading ip_vs, which had been unloaded")" ||
    diag "$(grep -m 3 backend "$(lab_log "$P")")"
lab_wait_state "$P" 10 web up "$R1" "$R2"
wait_until 10 kweights_are "1 2"
is "$(kweights)" "1 2" "both reals are in IPVS with weights 1 and 2"

# 4-6: rs2 fails: quiesced, not removed
lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 goes down when its server stops"
wait_until 5 kweights_are "1 0"
is "$(kweights)" "1 0" "IPVS keeps rs2 listed with weight 0 (quiesced)"
out=$(lab_tally "$P" -c 20 -t 1000 "$VIP:80")
is "$(lab_count "$out" rs1) $(lab_count "$out" fail)" "20 0" \
    "all 20 new connections go to rs1"

# 7, 8: rs2 back
lab_rs_start "$P" 2
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 comes back up"
wait_until 5 kweights_are "1 2"
is "$(kweights)" "1 2" "IPVS has rs2's weight 2 again"

# 9: operator's weight
lab_ctl "$P" set weight web "$R1" 5 >/dev/null
wait_until 5 kweights_are "5 2"
is "$(kweights)" "5 2" "lvsmonctl set weight 5 shows in ipvsadm"

# 10-14: kill -9 and restart
conns()
{
	ipvsadm_ -Ln --stats | awk -v r="$R1" '$2 == r { print $3 }'
}
lab_tally "$P" -c 10 "$VIP:80" >/dev/null
slow_n()	# slow_n I: /slow requests rsI has seen
{
	grep -c ' GET /slow' "$(lab_rs_access "$P" "$1")" 2>/dev/null
}
slow_total_gt()
{
	[ "$(($(slow_n 1) + $(slow_n 2)))" -gt "$1" ]
}
# Open /slow connections until one lands on rs1 (weights 5:2; ten tries).
hold_to_rs1()
{
	local k b1 bt
	for ((k = 1; k <= 10; k++)); do
		b1=$(slow_n 1)
		bt=$((b1 + $(slow_n 2)))
		lab_tally "$P" --hold 6 -t 3000 "$VIP:80" >"$D/hold" &
		HOLD=$!
		wait_until 5 slow_total_gt "$bt" || return 1
		[ "$(slow_n 1)" -gt "$b1" ] && return 0
		wait "$HOLD"
	done
	return 1
}
hold_to_rs1
ok $? "a long connection is open to rs1"
table=$(ipvsadm_ -Sn)
pid=$(cat "$D/lvsmond.bg")
kill -KILL "$pid"
wait "$pid" 2>/dev/null
rm -f "$D/lvsmond.bg"
wait_until 6 test "$(conns)" -gt 0
c0=$(conns)
is "$(ipvsadm_ -Sn)" "$table" "after kill -9 the kernel's table is as it was"
lab_daemon_start "$P" "$CONF" && lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "lvsmond restarts and finds both reals up"
is "$(ipvsadm_ -Sn)" "$table" \
    "the restarted daemon adopted the table: nothing removed or re-added"
wait "$HOLD"
rc=$?
c1=$(conns)
[ $rc = 0 ] && grep -q "complete yes" "$D/hold" && [ "$c1" -ge "$c0" ]
ok $? "the connection survives kill -9 and restart; rs1's counter kept \
($c0 -> $c1)" || diag "$(cat "$D/hold")"
lab_daemon_stop "$P"
