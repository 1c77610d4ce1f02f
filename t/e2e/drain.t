#!/bin/bash
# t/e2e/drain.t - `lvsmonctl drain` takes a real out of rotation for new
# connections while its established ones run to completion; `enable` brings
# new traffic back; `disable` acts the same on new flows (weight 0).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
VIP=203.0.113.10:80
HOLD=4		# seconds a /slow connection lives

plan 24
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

slow_count()	# /slow requests real $1 has seen
{
	local n
	n=$(grep -c ' GET /slow' "$(lab_rs_access "$P" "$1")" 2>/dev/null)
	echo "${n:-0}"
}

slow_landed()	# a new /slow request reached rs1 or rs2
{
	[ "$(slow_count 1)" -gt "$1" ] || [ "$(slow_count 2)" -gt "$2" ]
}

# Open /slow connections through the VIP until one is served by rs2 (the
# scheduler picks at random; 20 tries fail with odds of 1 in a million).
# Sets HOLD_PID and HOLD_OUT.
hold_on_rs2()
{
	local k b1 b2
	for ((k = 1; k <= 20; k++)); do
		b1=$(slow_count 1) b2=$(slow_count 2)
		lab_tally "$P" --hold "$HOLD" -t 2000 "$VIP" >"$D/hold.$k" &
		HOLD_PID=$! HOLD_OUT=$D/hold.$k
		wait_until 3 slow_landed "$b1" "$b2" || return 1
		[ "$(slow_count 2)" -gt "$b2" ] && return 0
	done
	return 1
}

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1

# --- drain
hold_on_rs2
ok $? "a long-lived connection through the VIP is open to rs2"
out=$(lab_ctl "$P" drain web "$R2")
ok $? "lvsmonctl drain exits 0"
is "$out" ok "lvsmonctl drain prints ok"
is "$(lab_field "$P" web "$R2" admin)" drain "show --json says rs2 is in drain"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "the kernel's weight for rs2 is 0 while it drains"
like "$(cat "$(lab_log "$P")")" \
    "real web/198\.51\.100\.12:8080: admin enabled -> drain" \
    "the log says rs2 went admin enabled -> drain"
out=$(lab_tally "$P" -c 200 -t 1000 "$VIP")
is "$(lab_count "$out" rs2)" 0 "none of 200 new requests reaches rs2"
is "$(lab_count "$out" fail)" 0 "all 200 new requests are answered (by rs1)"
is "$(lab_field "$P" web "$R2" state)" up "rs2's health state is still up"
wait "$HOLD_PID"
ok $? "the established connection to rs2 ran to completion"
is "$(cat "$HOLD_OUT")" "$(printf 'server rs2\nlines %d\ncomplete yes' \
    "$HOLD")" "all $HOLD lines of the /slow stream from rs2 arrived"

# --- enable
out=$(lab_ctl "$P" enable web "$R2")
is "$? $out" "0 ok" "lvsmonctl enable exits 0 and prints ok"
is "$(lab_field "$P" web "$R2" admin)" enabled "show --json says enabled"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 1
is "$(lab_field "$P" web "$R2" kernel_weight)" 1 \
    "the kernel's weight for rs2 is back to 1"
out=$(lab_tally "$P" -c 40 -t 1000 "$VIP")
between "$(lab_count "$out" rs2)" 5 35 "new requests reach rs2 again"

# --- disable: new flows as with weight 0, the established one goes on
hold_on_rs2
ok $? "another long-lived connection is open to rs2"
out=$(lab_ctl "$P" disable web "$R2")
is "$? $out" "0 ok" "lvsmonctl disable exits 0 and prints ok"
is "$(lab_field "$P" web "$R2" admin)" disabled "show --json says disabled"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 0
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 \
    "the kernel's weight for a disabled rs2 is 0"
out=$(lab_tally "$P" -c 100 -t 1000 "$VIP")
is "$(lab_count "$out" rs2)" 0 "none of 100 new requests reaches disabled rs2"
wait "$HOLD_PID"
ok $? "the connection established before disable ran to completion"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
