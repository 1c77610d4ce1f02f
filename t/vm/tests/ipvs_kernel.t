#!/bin/bash
# t/vm/tests/ipvs_kernel.t - what the ipvs backend puts in the kernel, as
# ipvsadm shows it, and what IPVS then does with real traffic: the table
# exactly as configured, weight changes, hand-made drift repaired by the
# next sync, fwmark, persistence, a connection threshold, direct routing
# with the VIP on the real's loopback, and counters that rise.
#
# Needs a kernel with IPVS (the guest of t/vm/, where t/e2e/ipvs_guest.t
# runs it) and ipvsadm; drives director/ipvs.c through t/tools/dirctl in
# the lab of t/lab.sh.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
[ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"

P=$(lab_prefix)
VIP=$LAB_VIP4 VIP6=$LAB_VIP6
DRVIP=203.0.113.20
# The sanitizer build when there is one: this test is the ipvs backend's
# ASan/LSan run (guest.sh may point LVSMON_BUILD at optimised tools).
DIRCTL=${LVSMON_SAN_BUILD:-$LVSMON_BUILD}/t/tools/dirctl
[ -x "$DIRCTL" ] || skip_all "no $DIRCTL (make first)"

plan 17
lab_up "$P" 2 || bail_out "cannot build the lab"
D=$(lab_dir "$P")
# Direct routing: rs1 owns the VIP on its loopback without answering ARP
# for it; the director owns it too (IPVS schedules in LOCAL_IN).
lab_exec "$P" rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
    net.ipv4.conf.all.arp_announce=2 &&
lab_exec "$P" rs1 ip addr add "$DRVIP/32" dev lo &&
lab_exec "$P" dir ip addr add "$DRVIP/32" dev lo &&
# The lab's director is also the reals' router: rs1's replies come back
# through it with the VIP, one of its own addresses, as source.
lab_exec "$P" dir sysctl -qw net.ipv4.conf.all.accept_local=1 \
    net.ipv4.conf.br0.accept_local=1 ||
    bail_out "cannot set up the DR VIP"
lab_rs_start "$P" 1 -u -l "$DRVIP:80" && lab_rs_start "$P" 2 -u ||
    bail_out "rsd did not start"

dirctl()
{
	lab_exec "$P" dir "$DIRCTL" -b ipvs "$@"
}

ipvsadm_()
{
	lab_exec "$P" dir ipvsadm "$@"
}

# The kernel's table in ipvsadm's save format, one rule a line, sorted.
saved()
{
	ipvsadm_ -Sn | sort
}

cat >"$D/table" <<EOF
service 1 tcp $VIP 80 wrr
real 11 198.51.100.11 8080 1
real 12 198.51.100.12 8080 2
service 2 udp $VIP 53 rr
real 21 198.51.100.11 8080 1
service 3 tcp $VIP6 80 wlc
real 31 2001:db8:2::11 8080 1
real 32 2001:db8:2::12 8080 1
service 4 fwmark 7 inet rr
real 41 198.51.100.11 8080 1
real 42 198.51.100.12 8080 1
service 5 tcp $VIP 84 wrr persist=60
real 51 198.51.100.11 8080 1
real 52 198.51.100.12 8080 1
service 6 tcp $VIP 85 wrr
real 61 198.51.100.11 8080 1 upper=2
real 62 198.51.100.12 8080 1
service 7 tcp $DRVIP 80 rr dr
real 71 198.51.100.11 80 1
EOF
want=$(sort <<EOF
-A -t $VIP:80 -s wrr
-a -t $VIP:80 -r 198.51.100.11:8080 -m -w 1
-a -t $VIP:80 -r 198.51.100.12:8080 -m -w 2
-A -u $VIP:53 -s rr
-a -u $VIP:53 -r 198.51.100.11:8080 -m -w 1
-A -t [$VIP6]:80 -s wlc
-a -t [$VIP6]:80 -r [2001:db8:2::11]:8080 -m -w 1
-a -t [$VIP6]:80 -r [2001:db8:2::12]:8080 -m -w 1
-A -f 7 -s rr
-a -f 7 -r 198.51.100.11:8080 -m -w 1
-a -f 7 -r 198.51.100.12:8080 -m -w 1
-A -t $VIP:84 -s wrr -p 60
-a -t $VIP:84 -r 198.51.100.11:8080 -m -w 1
-a -t $VIP:84 -r 198.51.100.12:8080 -m -w 1
-A -t $VIP:85 -s wrr
-a -t $VIP:85 -r 198.51.100.11:8080 -m -w 1
-a -t $VIP:85 -r 198.51.100.12:8080 -m -w 1
-A -t $DRVIP:80 -s rr
-a -t $DRVIP:80 -r 198.51.100.11:80 -g -w 1
EOF
)

# 1, 2
dirctl sync "$D/table" 2>"$D/err"
ok $? "sync of seven services (tcp, udp, IPv6, fwmark, persistent, \
threshold, DR) is accepted" || diag "$(cat "$D/err")"
is "$(saved)" "$want" "ipvsadm shows exactly the services and reals \
of the table"

# 3
dirctl sync "$D/table" apply 1 12 5 2>"$D/err" &&
    sed -i 's/^real 12 198.51.100.12 8080 2$/real 12 198.51.100.12 8080 5/' \
    "$D/table"
like "$(ipvsadm_ -Ln)" "198\.51\.100\.12:8080 +Masq +5 " \
    "a weight change shows in ipvsadm -Ln (weight 5)"

# 4, 5: drift by hand, repaired by the next sync
want=$(sed 's/^\(-a -t [0-9.]*:80 -r 198.51.100.12:8080 -m -w\) 2$/\1 5/' \
    <<<"$want")
ipvsadm_ -d -t "$VIP:80" -r 198.51.100.11:8080 &&
ipvsadm_ -e -u "$VIP:53" -r 198.51.100.11:8080 -m -w 9 &&
ipvsadm_ -A -t "$VIP:99" -s lc &&
ipvsadm_ -E -t "$VIP:84" -s rr -p 60
hand=$?
drift=$(saved)
[ $hand = 0 ] && [ "$drift" != "$want" ]
ok $? "ipvsadm -d, -e, -A and -E by hand make the kernel's table differ"
dirctl sync "$D/table" 2>"$D/err"
rc=$?
is "$rc
$(saved)" "0
$want" "the next sync repairs all four (the deleted real is back, the \
extra service gone)" || diag "$(cat "$D/err")"

# 6: a missing scheduler is named; nothing changes
sed 's/^service 2 udp \(.*\) rr$/service 2 udp \1 twos/' "$D/table" \
    >"$D/table.bad"
msg=$(dirctl sync "$D/table.bad" 2>&1)
rc=$?
if modprobe -n -q ip_vs_twos 2>/dev/null; then
	skip 1 "this kernel has ip_vs_twos"
else
	is "$rc $msg $(saved | cksum)" "1 dirctl: sync: ipvs: service \
udp/$VIP:53: scheduler twos: module ip_vs_twos not available \
$(cksum <<<"$want")" \
	    "scheduler twos: refused naming the missing module, table kept"
fi

# 7, 8: fwmark: the director marks tcp to VIP:90, IPVS balances the mark
lab_nft "$P" -f - <<EOF
table ip mark7 {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ip daddr $VIP tcp dport 90 meta mark set 7
	}
}
EOF
out=$(lab_tally "$P" -c 40 "$VIP:90")
is "$(lab_count "$out" rs1) $(lab_count "$out" rs2)" "20 20" \
    "fwmark service: 40 connections to a marked port split 20/20 by rr"
lab_nft "$P" delete table ip mark7

# 9: persistence keeps one client on one real
out=$(lab_tally "$P" -c 30 "$VIP:84")
is "$(awk '$1 != "fail" && $2 == 30' <<<"$out" | wc -l)" 1 \
    "persistent service (60 s): 30 connections of one client, one real"

# 10, 11: connection threshold
like "$(ipvsadm_ -Ln --thresholds)" \
    "198\.51\.100\.11:8080 +2 +0 " \
    "ipvsadm -Ln --thresholds shows upper 2, lower 0 for rs1 on :85"
out=$(lab_tally "$P" -c 20 "$VIP:85")
is "$(lab_count "$out" rs1) $(lab_count "$out" rs2)" "2 18" \
    "upper threshold 2: rs1 takes 2 connections, rs2 the other 18"

# 12, 13: direct routing: rs1 listens on the VIP only (198.51.100.11:80
# has no listener), so an answer proves the packet kept its destination
out=$(lab_tally "$P" -c 10 "$DRVIP:80")
is "$(lab_count "$out" rs1)" 10 \
    "direct routing: 10 connections to the VIP answered by rs1"
like "$(ipvsadm_ -Ln)" "198\.51\.100\.11:80 +Route +1 " \
    "ipvsadm -Ln shows the real as Route"

# 14: IPv6
out=$(lab_tally "$P" -c 20 "[$VIP6]:80")
is "$(lab_count "$out" fail) $(( $(lab_count "$out" rs1) + \
$(lab_count "$out" rs2) ))" "0 20" "IPv6 service: 20 connections answered"

# 15-17: counters rise (IPVS folds them every 2 s: poll)
show()
{
	dirctl sync "$D/table" show
}
field()	# field SHOW_OUTPUT REAL_ID FIELD
{
	awk -v id="$2" -v f="$3" '$1 == "real" && $3 == id {
		for (i = 5; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$1"
}
c0=$(field "$(show)" 11 conns)
lab_tally "$P" -c 60 "$VIP:80" >/dev/null
rose()
{
	s=$(show)
	c1=$(field "$s" 11 conns)
	[ "$((c1 - c0))" -ge 10 ]
}
wait_until 6 rose
between "$((c1 - c0))" 10 20 \
    "conns of rs1 (weight 1 of 6) rose by about 10 of 60 ($c0 -> $c1)" ||
    diag "$s"
between "$(field "$s" 11 inpkts)" 50 1000000 "its packet counter rose"
between "$(field "$s" 11 outbytes)" 1000 100000000 "its byte counter rose"

# 18: flush
dirctl flush && [ -z "$(ipvsadm_ -Sn)" ]
ok $? "flush empties the kernel's IPVS table"
