#!/bin/bash
# t/vm/tests/director_traffic.t - a backend forwards real traffic by weight;
# the same scenarios for every backend (DIRECTOR_BACKEND=ipvs, the default,
# or nft).  Runs in the IPVS guest (t/vm/guest.sh), or on any host whose
# kernel has the backend.
#
# Drives the backend through t/tools/dirctl (no daemon) in the lab of
# t/lab.sh (client, director, three reals in namespaces, NAT).  What is
# counted is which real answered each request (t/tools/tally).  Bounds on
# weighted splits are wide: the nft backend picks at random, IPVS wrr is
# exact; both must land inside.
#
# Scheduler names differ: IPVS "rr" ignores weights (only 0 or not), the
# nft backend's "rr" is weighted.  The weighted cycle is "wrr" on IPVS.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

B=${DIRECTOR_BACKEND:-ipvs}
case $B in
ipvs)	RR=wrr
	[ -d /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
	[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
	command -v ipvsadm >/dev/null || skip_all "no ipvsadm" ;;
nft)	RR=rr ;;
*)	skip_all "unknown backend $B" ;;
esac

P=$(lab_prefix)
VIP4=$LAB_VIP4 VIP6=$LAB_VIP6
DIRCTL=$LVSMON_BUILD/t/tools/dirctl
[ -x "$DIRCTL" ] || skip_all "no $DIRCTL (make first)"

plan 24
lab_up "$P" 3 || bail_out "cannot build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" -u || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")

dirctl()
{
	lab_exec "$P" dir "$DIRCTL" -b "$B" "$@"
}

# The kernel's table with the table file's ids: IPVS keeps no ids, a new
# process learns them from the table it syncs (the same table: no change).
show()
{
	dirctl sync "$D/table" show
}

tally()
{
	lab_tally "$P" "$@"
}

# show's field for real ID ("weight", "conns", "inpkts", ...)
field()	# field SHOW_OUTPUT REAL_ID FIELD
{
	awk -v id="$2" -v f="$3" '$1 == "real" && $3 == id {
		for (i = 5; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$1"
}

# Does the kernel still have a service on VIP4:PORT?
kernel_has_service()	# kernel_has_service PORT SVC_ID
{
	case $B in
	ipvs) lab_exec "$P" dir ipvsadm -Ln |
	    grep -q "^TCP  $VIP4:$1 " ;;
	nft) lab_nft "$P" list chain inet lvsmon "svc_$2" >/dev/null 2>&1 ;;
	esac
}

kernel_empty()
{
	case $B in
	ipvs) [ -z "$(lab_exec "$P" dir ipvsadm -Sn)" ] ;;
	nft) ! lab_nft "$P" list tables | grep -q lvsmon ;;
	esac
}

cat >"$D/table" <<EOF
# A: weighted 1:3
service 1 tcp $VIP4 80 wrr
real 11 198.51.100.11 8080 1
real 12 198.51.100.12 8080 3
# B: drain (rs3 carries a long connection; rs1 waits at weight 0)
service 2 tcp $VIP4 81 wrr
real 21 198.51.100.11 8080 0
real 23 198.51.100.13 8080 1
# C: IPv6, weighted round robin 1:1:2
service 3 tcp $VIP6 80 $RR
real 31 2001:db8:2::11 8080 1
real 32 2001:db8:2::12 8080 1
real 33 2001:db8:2::13 8080 2
# D: source hash
service 4 tcp $VIP4 82 sh
real 41 198.51.100.11 8080 1
real 42 198.51.100.12 8080 1
real 43 198.51.100.13 8080 1
# E: udp
service 5 udp $VIP4 53 wrr
real 51 198.51.100.12 8080 1
EOF

# The table file follows every weight change, so that "sync FILE apply"
# in a new process (IPVS keeps no ids: the backend learns them from the
# table) leaves the other weights as they are.
set_w()	# set_w REAL_ID WEIGHT: in the table file
{
	sed -i "s/^real $1 \([^ ]*\) \([0-9]*\) [0-9]*/real $1 \1 \2 $2/" \
	    "$D/table"
}

apply()	# apply SVC REAL W [SVC REAL W ...]
{
	dirctl sync "$D/table" apply "$@" || return 1
	while [ $# -ge 3 ]; do
		set_w "$2" "$3"
		shift 3
	done
}

# 1
out=$(dirctl sync "$D/table" 2>&1)
ok $? "$B: sync of a five-service table is accepted"
[ -n "$out" ] && diag "$out"

# 2, 3
out=$(tally -c 300 "$VIP4:80")
r1=$(lab_count "$out" rs1) r2=$(lab_count "$out" rs2)
between "$r1" 35 115 "$B: weights 1:3 give rs1 about 75 of 300" ||
    diag "$out"
between "$r2" 185 265 "$B: and rs2 about 225"

# 4: counters lag (IPVS folds per-cpu counters every 2 s): poll
counted()
{
	show=$(show 2>&1)
	c11=$(field "$show" 11 conns) c12=$(field "$show" 12 conns)
	[ "$((c11 + c12))" -ge 300 ]
}
wait_until 6 counted
between "$((c11 + c12))" 300 310 \
    "$B: read_stats counts the 300 connections (conns $c11 + $c12)" ||
    diag "$show"

# 5
is "$(field "$show" 11 weight) $(field "$show" 12 weight) \
$(field "$show" 33 weight) $(field "$show" 21 weight)" "1 3 2 0" \
    "$B: read_stats shows the weights the kernel holds"

# 6
p11=$(field "$show" 11 inpkts) o11=$(field "$show" 11 outbytes)
between "$p11" 1 100000000 "$B: packet counters grow (rs1 in $p11 pkts)"
between "$o11" 1 100000000000 "$B: byte counters grow both ways (rs1 out \
$o11 bytes)"

# 8-10: a long connection to rs3 through B, then rs3 drained
slow3()
{
	grep -c /slow "$(lab_rs_access "$P" 3)" 2>/dev/null
}
lab_exec "$P" cli "$LVSMON_BUILD/t/tools/tally" --hold 6 -t 3000 \
    "$VIP4:81" >"$D/hold1" 2>&1 &
hold=$!
slow3_seen()
{
	[ "$(slow3)" -ge 1 ]
}
wait_until 10 slow3_seen
ok $? "$B: a long connection through service B reaches rs3"
apply 2 23 0 2 21 1 2>"$D/err"
rc=$?
out=$(tally -c 50 "$VIP4:81")
is "$rc $(lab_count "$out" rs1) $(lab_count "$out" rs3)" "0 50 0" \
    "$B: after weight 0 on rs3, 50 new connections all go to rs1" ||
    diag "$(cat "$D/err")"
wait "$hold"
rc=$?
[ $rc = 0 ] && grep -q "complete yes" "$D/hold1"
ok $? "$B: the established connection to the drained rs3 still completes" ||
    diag "$(cat "$D/hold1")"

# 11, 12: every weight 0 refuses new connections at once
apply 2 21 0 2>"$D/err"
rc=$?
before=$(cat "$D"/rs?.access | wc -l)
out=$(tally -c 5 -t 3000 "$VIP4:81")
after=$(cat "$D"/rs?.access | wc -l)
is "$rc $(lab_count "$out" fail) $((after - before))" "0 5 0" \
    "$B: with every weight 0 no connection reaches any server"
refused=$(lab_exec "$P" cli timeout 5 bash -c \
    "exec 3<>/dev/tcp/$VIP4/81" 2>&1)
like "$refused" "refused" \
    "$B: and the client is refused at once, not left waiting"

# 13, 14: apply changes the split
apply 1 11 3 1 12 1 2>"$D/err"
rc=$?
out=$(tally -c 300 "$VIP4:80")
r1=$(lab_count "$out" rs1) r2=$(lab_count "$out" rs2)
[ $rc = 0 ] && [ "$r1" -ge 185 ] && [ "$r1" -le 265 ] &&
    [ "$r2" -ge 35 ] && [ "$r2" -le 115 ]
ok $? "$B: apply 3:1 turns the split around (rs1 $r1, rs2 $r2)" ||
    diag "$(cat "$D/err")"
show=$(show 2>&1)
is "$(field "$show" 11 weight) $(field "$show" 12 weight)" "3 1" \
    "$B: read_stats shows the applied weights 3 and 1"

# 15: IPv6, weighted round robin: exact shares
out=$(tally -c 200 "[$VIP6]:80")
is "$(lab_count "$out" rs1) $(lab_count "$out" rs2) \
$(lab_count "$out" rs3)" "50 50 100" \
    "$B: IPv6 $RR 1:1:2 gives 50/50/100 of 200"

# 16: source hash keeps one client on one server
out=$(tally -c 60 "$VIP4:82")
is "$(awk '$1 != "fail" && $2 == 60' <<<"$out" | wc -l)" 1 \
    "$B: source hashing sends all 60 requests of one client to one server"

# 17: udp
out=$(tally -u -c 20 "$VIP4:53")
is "$(lab_count "$out" rs2)" 20 \
    "$B: a udp service is balanced too (20 datagrams answered by rs2)"

# 18, 19: re-sync (a new process: adopts the kernel's table) keeps a flow
n=$(cat "$D"/rs?.access | grep -c /slow)
lab_exec "$P" cli "$LVSMON_BUILD/t/tools/tally" --hold 5 -t 3000 \
    "$VIP4:80" >"$D/hold2" 2>&1 &
hold=$!
slow_all()
{
	cat "$D"/rs?.access | grep -c /slow
}
slow_more()
{
	[ "$(slow_all)" -gt "$n" ]
}
wait_until 10 slow_more
cbefore=$(field "$(show)" 11 conns)
dirctl sync "$D/table" 2>"$D/err" && dirctl sync "$D/table" 2>>"$D/err"
rc=$?
cafter=$(field "$(show)" 11 conns)
wait "$hold"
hrc=$?
[ $rc = 0 ] && [ $hrc = 0 ] && grep -q "complete yes" "$D/hold2"
ok $? "$B: re-syncing the same table twice keeps an established connection" ||
    diag "$(cat "$D/err" "$D/hold2")"
[ -n "$cbefore" ] && [ "$cbefore" -ge 1 ] && [ -n "$cafter" ] &&
    [ "$cafter" -ge "$cbefore" ]
ok $? "$B: counters survive a re-sync (rs1 conns $cbefore, then $cafter)"

# 20, 21: a scheduler the backend cannot do is refused, nothing changes
if [ "$B" = nft ]; then
	bad=lc want="scheduler lc is not supported by the nft backend"
	snap() { lab_nft "$P" list table inet lvsmon; }
else
	bad=twos want="scheduler twos: module ip_vs_twos not available"
	snap() { lab_exec "$P" dir ipvsadm -Ln; }
fi
if [ "$B" = ipvs ] && modprobe -n -q ip_vs_twos 2>/dev/null; then
	skip 2 "this kernel has ip_vs_twos (no missing scheduler to try)"
else
	sed "s/^service 1 tcp \(.*\) wrr$/service 1 tcp \1 $bad/" \
	    "$D/table" >"$D/table.bad"
	before=$(snap 2>&1)
	msg=$(dirctl sync "$D/table.bad" 2>&1)
	rc=$?
	after=$(snap 2>&1)
	like "$rc $msg" "^1 .*$want" \
	    "$B: sync with scheduler $bad is refused, naming it"
	is "$after" "$before" "$B: and the kernel's table is untouched"
fi

# 22, 23: a removed service stops being served; others keep going
grep -v -e '^service 4' -e '^real 4' "$D/table" >"$D/table.less"
dirctl sync "$D/table.less" 2>"$D/err"
rc=$?
gone=$(tally -c 3 -t 1000 "$VIP4:82")
kept=$(tally -c 10 "$VIP4:80")
is "$rc $(lab_count "$gone" fail) $(lab_count "$kept" fail)" "0 3 0" \
    "$B: a service dropped from the table is not served, the others are"
! kernel_has_service 82 4
ok $? "$B: and the kernel no longer holds it"

# 24: flush removes what the backend put in the kernel
dirctl flush 2>"$D/err" && kernel_empty
ok $? "$B: flush leaves the kernel without the backend's table" ||
    diag "$(cat "$D/err")"
