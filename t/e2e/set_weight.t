#!/bin/bash
# t/e2e/set_weight.t - `lvsmonctl set weight` changes how new connections are
# split (1:1 -> 1:3), the kernel's weight follows (kernel_weight in
# show --json), weight 0 takes a real out, "[v6]:port" names an IPv6 real.
#
# Bounds are about 5 standard deviations wide.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
S1=[2001:db8:2::11]:8080 S2=[2001:db8:2::12]:8080
VIP=203.0.113.10:80

plan 18
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10; },
      { address = "198.51.100.12"; port = 8080; weight = 10; } ); },
  { name = "web6"; address = "2001:db8:ff::10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "2001:db8:2::11"; port = 8080; weight = 10; },
      { address = "2001:db8:2::12"; port = 8080; weight = 10; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both IPv4 reals are up"
lab_wait_state "$P" 10 web6 up "$S1" "$S2"
ok $? "both IPv6 reals are up"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 10

out=$(lab_tally "$P" -c 400 -t 1000 "$VIP")
note "split at 10:10:" "$out"
between "$(lab_count "$out" rs1)" 140 260 "at weights 10:10 rs1 gets about half"
between "$(lab_count "$out" rs2)" 140 260 "at weights 10:10 rs2 gets about half"

out=$(lab_ctl "$P" set weight web "$R2" 30)
is "$? $out" "0 ok" "lvsmonctl set weight exits 0 and prints ok"
is "$(lab_field "$P" web "$R2" effective_weight)" 30 \
    "show --json gives rs2 the effective weight 30"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 30
is "$(lab_field "$P" web "$R2" kernel_weight)" 30 \
    "the kernel's weight for rs2 follows: 30"
is "$(lab_field "$P" web "$R1" kernel_weight)" 10 \
    "the kernel's weight for rs1 is still 10"
like "$(cat "$(lab_log "$P")")" \
    "real web/198\.51\.100\.12:8080: weight set to 30" \
    "the log says rs2's weight was set to 30"

out=$(lab_tally "$P" -c 400 -t 1000 "$VIP")
note "split at 10:30:" "$out"
between "$(lab_count "$out" rs1)" 55 145 \
    "at weights 10:30 rs1 gets about a quarter"
between "$(lab_count "$out" rs2)" 255 345 \
    "at weights 10:30 rs2 gets about three quarters"

lab_ctl "$P" set weight web "$R1" 0 >/dev/null
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 0
is "$(lab_field "$P" web "$R1" kernel_weight)" 0 \
    "after set weight 0 the kernel's weight for rs1 is 0"
out=$(lab_tally "$P" -c 50 -t 1000 "$VIP")
is "$(lab_count "$out" rs2)" 50 "with rs1 at weight 0 rs2 answers all 50"

out=$(lab_ctl "$P" set weight web6 "$S1" 0)
is "$? $out" "0 ok" "set weight names an IPv6 real as [addr]:port"
wait_until 5 lab_field_is "$P" web6 "$S1" kernel_weight 0
is "$(lab_field "$P" web6 "$S1" kernel_weight)" 0 \
    "the kernel's weight for the IPv6 rs1 is 0"
out=$(lab_tally "$P" -c 50 -t 1000 '[2001:db8:ff::10]:80')
is "$(lab_count "$out" rs2)" 50 "IPv6 requests all go to rs2"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
