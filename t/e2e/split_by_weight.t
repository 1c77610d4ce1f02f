#!/bin/bash
# t/e2e/split_by_weight.t - new connections to a VIP are spread over the real
# servers in proportion to their weights (100/50/50 = 2:1:1), on IPv4 and
# IPv6, through the kernel's nft table that lvsmond keeps.
#
# Bounds are wide (about 5 standard deviations of a binomial draw), so a
# pass is not luck and a failure means the split is wrong.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
S1=[2001:db8:2::11]:8080 S2=[2001:db8:2::12]:8080 S3=[2001:db8:2::13]:8080

plan 18
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 100; },
      { address = "198.51.100.12"; port = 8080; weight = 50; },
      { address = "198.51.100.13"; port = 8080; weight = 50; } ); },
  { name = "web6"; address = "2001:db8:ff::10"; port = 80; scheduler = "wrr";
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; };
    real_servers = (
      { address = "2001:db8:2::11"; port = 8080; weight = 100; },
      { address = "2001:db8:2::12"; port = 8080; weight = 50; },
      { address = "2001:db8:2::13"; port = 8080; weight = 50; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
like "$(cat "$(lab_log "$P")")" "lvsmond: started: 2 services, 6 real servers" \
    "the log says it started 2 services with 6 real servers"

lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "all three IPv4 reals are up in show --json"
lab_wait_state "$P" 10 web6 up "$S1" "$S2" "$S3"
ok $? "all three IPv6 reals are up in show --json"

kw()
{
	local s=$1 r k out=""; shift
	for r in "$@"; do
		k=$(lab_field "$P" "$s" "$r" kernel_weight)
		out="$out${out:+ }$k"
	done
	echo "$out"
}
wait_until 5 test "$(kw web "$R1" "$R2" "$R3")" = "100 50 50"
is "$(kw web "$R1" "$R2" "$R3")" "100 50 50" \
    "the kernel holds weights 100 50 50 for the IPv4 reals"
wait_until 5 test "$(kw web6 "$S1" "$S2" "$S3")" = "100 50 50"
is "$(kw web6 "$S1" "$S2" "$S3")" "100 50 50" \
    "the kernel holds weights 100 50 50 for the IPv6 reals"
lab_nft "$P" list table inet lvsmon >/dev/null 2>&1
ok $? "the director's kernel has the nft table inet lvsmon"

out=$(lab_tally "$P" -c 400 -t 1000 203.0.113.10:80)
note "IPv4 split of 400 requests:" "$out"
is "$(lab_count "$out" fail)" 0 "every one of 400 IPv4 requests is answered"
n1=$(lab_count "$out" rs1) n2=$(lab_count "$out" rs2) n3=$(lab_count "$out" rs3)
between "$n1" 150 250 "rs1 (weight 100) gets about half"
between "$n2" 55 145 "rs2 (weight 50) gets about a quarter"
between "$n3" 55 145 "rs3 (weight 50) gets about a quarter"
ok $((n1 > n2 && n1 > n3 ? 0 : 1)) "rs1 gets more than each of the others"

out=$(lab_tally "$P" -c 200 -t 1000 '[2001:db8:ff::10]:80')
note "IPv6 split of 200 requests:" "$out"
is "$(lab_count "$out" fail)" 0 "every one of 200 IPv6 requests is answered"
between "$(lab_count "$out" rs1)" 65 135 "over IPv6 rs1 gets about half"
between "$(lab_count "$out" rs2)" 20 80 "over IPv6 rs2 gets about a quarter"
between "$(lab_count "$out" rs3)" 20 80 "over IPv6 rs3 gets about a quarter"

unlike "$(cat "$(lab_log "$P")")" "state (up|falling) -> " \
    "no real changed state while serving"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
