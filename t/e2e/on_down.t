#!/bin/bash
# t/e2e/on_down.t - on_down = "remove": a real that goes down leaves the
# kernel's table (its address is gone from the nft map be_addr4) and comes
# back when it is up again; on_down = "weight0" (the default) keeps it in
# the table at weight 0.  A real configured with weight 0 is up, stays in
# the table, gets no traffic and does not count as serving.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080

plan 14
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; on_down = "remove";
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; },
      { address = "198.51.100.13"; port = 8080; weight = 0; } ); },
  { name = "keep"; address = "203.0.113.10"; port = 81;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.12"; port = 8080; } ); }
);
EOF
} >"$CONF"

# the reals of the nft table, "ADDR . PORT" per line
in_nft() { lab_nft "$P" list map inet lvsmon be_addr4 2>/dev/null; }
nft_has() { in_nft | grep -qF "$1 . $2"; }
# how many elements of be_addr4 hold ADDR
nft_count() { in_nft | grep -oF "$1 . $2" | wc -l; }

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with on_down = remove and a weight 0 real" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "the three reals are up (the weight 0 one too)"
wait_until 5 test "$(nft_count 198.51.100.12 8080)" = 2
is "$(nft_count 198.51.100.12 8080)" 2 \
    "the nft map be_addr4 holds rs2 twice (for web and for keep)"
is "$(lab_field "$P" web "$R3" kernel_weight)" 0 \
    "the weight 0 real is in the kernel table at weight 0"
out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs3)" 0 "the weight 0 real gets no request"

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 stopped: down"
wait_until 5 test "$(nft_count 198.51.100.12 8080)" = 1
is "$(nft_count 198.51.100.12 8080)" 1 \
    "rs2 has left the table for web (remove) and stays for keep (weight0)"
is "$(lab_field "$P" web "$R2" kernel_weight)" null \
    "show --json: web's rs2 has no kernel weight (not in the table)"
is "$(lab_field "$P" keep "$R2" kernel_weight)" 0 \
    "keep's rs2 is in the table at weight 0"
like "$(lab_ctl "$P" show)" "$R2 +down .*\[removed\]" "show marks it [removed]"
out=$(lab_tally "$P" -c 40 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs1)" 40 "rs1 answers every request"

lab_rs_start "$P" 2
lab_wait_state "$P" 10 web up "$R2"
wait_until 5 test "$(nft_count 198.51.100.12 8080)" = 2
is "$(nft_count 198.51.100.12 8080)" 2 "rs2 up again: back in the table"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1
is "$(lab_field "$P" web "$R2" kernel_weight)" 1 "at its weight, 1"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
