#!/bin/bash
# t/vm/tests/ipvs_mh.t - consistent hashing across directors on IPVS: two
# directors (namespaces of t/ecmp.sh, no router) run lvsmond with backend
# ipvs and scheduler mh with the mh-port flag (the source port is hashed
# too) over the same reals; six fixed 5-tuples, sent to director a and
# then to director b directly, reach the same real.  NAT: the reals
# answer through their default route, moved from a to b between the two
# rounds.  Runs in the IPVS guest (t/vm/guest.sh).
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/ecmp.sh"
need_lab
[ -d /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
modprobe ip_vs_mh 2>/dev/null
[ -d /sys/module/ip_vs_mh ] || skip_all "no ip_vs_mh module"

P=$(lab_prefix)
A=${P}a B=${P}b
NT=6

plan $((4 + NT))
ecmp_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" -l "$(lab_rs_addr "$i"):8081" ||
	    bail_out "rsd $i did not start"
done
for d in a b; do
	# IPVS takes packets in LOCAL_IN: the VIP must be local (the nft
	# backend DNATs before routing and needs no address)
	ip -n "$P$d-dir" addr add "$ECMP_VIP/32" dev lo
	ecmp_conf "$P" "$d" 'scheduler = "mh"; scheduler_flags = [ "mh-port" ];' |
	    sed 's/backend = "nft";/backend = "ipvs";/' \
	    >"$(lab_dir "$P$d")/lvsmond.conf"
	lab_daemon_start "$P$d" "$(lab_dir "$P$d")/lvsmond.conf" ||
	    bail_out "lvsmond $d did not start"
done
all_up() {
	[ "$(lab_ctl "$1" show --json 2>/dev/null |
	    grep -o '"state":"up"' | wc -l)" -eq 3 ]
}
wait_until 60 all_up "$A"
ok $? "director a: every real up"
wait_until 60 all_up "$B"
ok $? "director b: every real up"
like "$(ip netns exec "$A-dir" ipvsadm -Ln)" "203.0.113.10:80 mh" \
    "director a's IPVS service uses mh with mh-port"

via() {	# the reals' replies go back through director $1
	local gw=198.51.100.1 i
	[ "$1" = b ] && gw=198.51.100.2
	for i in 1 2 3; do
		ip -n "$P-rs$i" route replace default via "$gw"
	done
}
who() {
	lab_tally_in "$P$1" hc -c 1 -t 5000 \
	    -b "192.0.2.$((129 + $2)):$((41000 + $2 * 7))" "$ECMP_VIP:80" |
	    awk '$1 != "fail" && $2 == 1 { print $1 }'
}
via a
for ((k = 1; k <= NT; k++)); do ra[k]=$(who a "$k"); done
via b
seen=""
for ((k = 1; k <= NT; k++)); do
	rb=$(who b "$k")
	note "tuple $k: director a ${ra[k]:-none}, director b ${rb:-none}"
	is "${rb:-(none through b)}" "${ra[k]:-(none through a)}" \
	    "tuple $k: the same real server through either director"
	seen+=" ${ra[k]}"
done
n=$(tr ' ' '\n' <<<"$seen" | sort -u | grep -c .)
between "$n" 2 3 "the tuples spread over more than one real ($n)"
