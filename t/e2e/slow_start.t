#!/bin/bash
# t/e2e/slow_start.t - slow_start = 8: a real that comes back is not handed
# its full weight at once: the kernel's weight climbs through intermediate
# values to 100, never down, over about 8 s (long enough for a busy machine
# to see several steps: each poll is a show --json).  At daemon start nothing
# ramps; an operator's `set weight` ends a ramp at once.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 17
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; slow_start = 8;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 100; },
      { address = "198.51.100.12"; port = 8080; weight = 100; } ); }
);
EOF
} >"$CONF"

kw() { lab_field "$P" web "$R2" kernel_weight; }

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with slow_start = 8" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 test "$(kw)" = 100
is "$(kw)" 100 "at daemon start rs2 gets weight 100 at once (no ramp)"
unlike "$(cat "$(lab_log "$P")")" "slow start" "the log has no slow start yet"

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
wait_until 5 test "$(kw)" = 0
is "$(kw)" 0 "rs2 stopped: down, kernel weight 0"

# Two witnesses of the ramp, both independent of how fast this script runs
# on a busy machine: a poller in the director's namespace reads rs2's entry
# of the kernel's nft map be_weight ("0x4c0000ID : 0xWEIGHT") every ~50 ms
# into $D/kpoll, and the event stream records every weight the daemon
# handed to the kernel.
id=$(lab_field "$P" web "$R2" id)
mark=$(printf '0x%08x' $((0x4c000000 | id)))
lab_events_start "$P" "$D/events"
ip netns exec "$P-dir" bash -c '
	end=$((SECONDS + 40))
	while [ $SECONDS -lt $end ]; do
		nft list map inet lvsmon be_weight 2>/dev/null |
		    grep -o "$1 : 0x[0-9a-f]*"
		sleep 0.05
	done' poll "$mark" >"$D/kpoll" 2>/dev/null &
_lab_track "$P" $!
poller=$!
ramp_shown() { pct=$(lab_ctl "$P" show | grep -o "slow start [0-9]*%"); }
lab_rs_start "$P" 2
t0=${EPOCHREALTIME/./}
wait_until 20 ramp_shown
wait_until 30 grep -q "weight web $R2 [0-9]* -> 100" "$D/events"
t100=${EPOCHREALTIME/./}
wait_until 5 grep -q "$mark : 0x00000064" "$D/kpoll"
kill "$poller" 2>/dev/null
wait "$poller" 2>/dev/null

# the daemon's steps, from the events after the restart
ev=$(awk -v r="$R2" '$2 == "weight" && $4 == r { print $7 }' "$D/events" |
    awk 'seen || $1 > 0 { seen = 1; print }')
ev=$(echo $ev)
note "weights of rs2 handed to the kernel after its restart: $ev"
# the kernel's values as polled, repeats squeezed
kv=$(sed 's/.* : //' "$D/kpoll" | while read -r x; do echo $((x)); done |
    uniq | awk 'seen || $1 > 0 { seen = 1; print }')
kv=$(echo $kv)
note "kernel weights of rs2 polled from nft after its restart: $kv"

mono() { awk '{ for (i = 2; i <= NF; i++) if ($i < $(i - 1)) bad = 1 }
    END { print bad ? "no" : "yes" }' <<<"$1"; }
inter() { tr ' ' '\n' <<<"$1" | awk '$1 > 0 && $1 < 100' | sort -un | wc -l; }
is "${ev##* }" 100 "the weight of rs2 ends at 100"
is "$(mono "$ev")" yes "it never goes down on the way"
between "$(inter "$ev")" 3 100 \
    "it goes through at least 3 weights between 1 and 99 (8 s, 0.5 s steps)"
is "${ev%% *}" 1 "its first weight after the restart is 1"
is "${kv##* }:$(mono "$kv")" 100:yes \
    "the kernel's be_weight entry rises to 100, never down"
between "$(inter "$kv")" 1 100 \
    "and the kernel held intermediate weights on the way"
ramp_ms=$(( (t100 - t0) / 1000 ))
between "$ramp_ms" 6000 30000 \
    "100 is reached after about 8 s (${ramp_ms} ms), not at once"
like "${pct:-}" "slow start [0-9]+%" "show marks the ramping real: ${pct:-nothing}"
like "$(cat "$(lab_log "$P")")" "real web/$R2: slow start over 8.000 s" \
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
