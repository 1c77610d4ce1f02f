#!/bin/bash
# t/e2e/slow_start.t - slow_start = 4: a real that comes back is not handed
# its full weight at once: the kernel's weight climbs through intermediate
# values to 100, never down, over about 4 s.  At daemon start nothing
# ramps; an operator's `set weight` ends a ramp at once.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 15
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; slow_start = 4;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 100; },
      { address = "198.51.100.12"; port = 8080; weight = 100; } ); }
);
EOF
} >"$CONF"

kw() { lab_field "$P" web "$R2" kernel_weight; }

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with slow_start = 4" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 test "$(kw)" = 100
is "$(kw)" 100 "at daemon start rs2 gets weight 100 at once (no ramp)"
unlike "$(cat "$(lab_log "$P")")" "slow start" "the log has no slow start yet"

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
wait_until 5 test "$(kw)" = 0
is "$(kw)" 0 "rs2 stopped: down, kernel weight 0"

# Poll the kernel's weight (the backend reads the nft table back on every
# show) every ~0.1 s from the restart until it is 100, 15 s at most.
lab_rs_start "$P" 2
series=() t0=${EPOCHREALTIME/./} t100=""
while :; do
	w=$(kw)
	now=${EPOCHREALTIME/./}
	[[ $w =~ ^[0-9]+$ ]] && series+=("$w")
	if [ "$w" = 100 ] && [ ${#series[@]} -gt 1 ]; then
		t100=$now
		break
	fi
	[ $((now - t0)) -lt 15000000 ] || break
	[ "$w" != 0 ] && [ -z "${pct:-}" ] &&
	    pct=$(lab_ctl "$P" show | grep -o "slow start [0-9]*%")
	sleep 0.1
done
# the values it went through, repeats squeezed
steps=$(printf '%s\n' "${series[@]}" | uniq | tr '\n' ' ')
note "kernel weights of rs2 after its restart: $steps"
is "${series[-1]}" 100 "the kernel weight of rs2 reaches 100"
mono=$(printf '%s\n' "${series[@]}" | awk 'NR > 1 && $1 < last { bad = 1 }
    { last = $1 } END { print bad ? "no" : "yes" }')
is "$mono" yes "it never goes down on the way"
inter=$(printf '%s\n' "${series[@]}" | awk '$1 > 0 && $1 < 100' | sort -un |
    wc -l)
between "$inter" 3 100 "it passes through at least 3 values between 1 and 99"
first=$(printf '%s\n' "${series[@]}" | awk '$1 > 0 { print; exit }')
between "$first" 1 40 "its first weight after the restart is small ($first), not 100"
ramp_ms=$(( (t100 - t0) / 1000 ))
between "$ramp_ms" 2500 15000 "100 is reached after about 4 s (${ramp_ms} ms), not at once"
like "${pct:-}" "slow start [0-9]+%" "show marks the ramping real: ${pct:-nothing}"
like "$(cat "$(lab_log "$P")")" "real web/$R2: slow start over 4.000 s" \
    "the log says the slow start began"

# Again, and the operator sets a weight in the middle of the ramp.
lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
lab_rs_start "$P" 2
wait_until 10 lab_field_is "$P" web "$R2" state up
wait_until 3 test "$(lab_field "$P" web "$R2" slow_start)" != null
lab_ctl "$P" set weight web "$R2" 50 >/dev/null
wait_until 3 test "$(kw)" = 50
is "$(kw)" 50 "set weight 50 during the ramp: the kernel has 50 at once"
is "$(lab_field "$P" web "$R2" slow_start)" null "and the ramp is over"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
