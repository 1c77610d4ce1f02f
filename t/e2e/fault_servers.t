#!/bin/bash
# t/e2e/fault_servers.t - real servers that misbehave the ways production
# ones do fail their own check with a reason, within the check's timeout,
# and cost the daemon neither time nor memory.  rs1 is healthy; rs2 accepts
# and never answers, rs3 answers one byte per second, rs4 resets the
# connection half-way through its reply, rs5 sends 100 MB of bytes that are
# no HTTP (t/tools/badsrv.py).  rs1 keeps its interval, the daemon takes
# only what it needs of the 100 MB and its memory stays flat.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
R4=198.51.100.14:8080 R5=198.51.100.15:8080
INTERVAL_MS=500
SLACK_MS=50
# A smaller ASan quarantine: freed buffers would otherwise stay resident
# (256 MB by default) and hide what the daemon itself keeps.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16

plan 12
lab_up "$P" 5 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
i=2
for mode in silent drip reset flood; do
	rm -f "$D/bad$i.pid"
	lab_exec "$P" "rs$i" python3 "$T/tools/badsrv.py" \
	    -l "$(lab_rs_addr $i):8080:$mode" -p "$D/bad$i.pid" \
	    >"$D/bad$i.log" 2>&1 &
	_lab_track "$P" $!
	i=$((i + 1))
done
for i in 2 3 4 5; do
	wait_until 20 test -s "$D/bad$i.pid" || bail_out "badsrv $i"
done

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.45; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; },
      { address = "198.51.100.13"; port = 8080; weight = 1; },
      { address = "198.51.100.14"; port = 8080; weight = 1; },
      { address = "198.51.100.15"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
PID=$(cat "$D/lvsmond.bg")
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$PID/status"; }

lab_wait_state "$P" 10 web up "$R1"
ok $? "rs1 (healthy) is up"
lab_wait_state "$P" 15 web down "$R2" "$R3" "$R4" "$R5"
ok $? "rs2..rs5 (silent, one byte a second, reset, 100 MB) are all down"
rss0=$(rss)
t0=$(date +%s.%N)

reason() { echo "$(lab_field "$P" web "$1" reason) $(lab_field "$P" web "$1" \
    message)"; }
like "$(reason "$R2")" "^TIMEOUT " "a server that never answers: TIMEOUT"
like "$(reason "$R3")" "^TIMEOUT " \
    "a server that answers a byte a second: TIMEOUT (not a pass at 40 s)"
like "$(reason "$R4")" "^IOERR .*ECONNRESET" \
    "a server that resets mid-reply: IOERR, read: ECONNRESET"
like "$(reason "$R5")" "^L7PROTO .*(malformed|too long)" \
    "a server that sends 100 MB of junk: L7PROTO, malformed reply"

# 20 more checks of rs1; meanwhile each bad server is hit ~20 more times.
health_since()
{
	awk -v t0="$t0" '$3 == "/health" && $1 >= t0 {
		printf "%.0f\n", $1 * 1000 }' "$(lab_rs_access "$P" 1)"
}
enough() { [ "$(health_since | wc -l)" -gt 20 ]; }
wait_until 30 enough
ok $? "rs1 saw more than 20 checks meanwhile"
gaps_ok "rs1's checks" "$INTERVAL_MS" "$SLACK_MS" < <(health_since)

# What the flood cost: the bytes the daemon let the server send per check
# (socket buffers included) and the daemon's resident memory.
floods=$(grep -c '^flood sent' "$D/bad5.log")
maxsent=$(awk '/^flood sent/ { if ($3 > m) m = $3 } END { print m + 0 }' \
    "$D/bad5.log")
note "flood: $floods connections ended, at most $maxsent bytes sent to one"
between "$maxsent" 1 $((16 * 1024 * 1024)) \
    "the daemon took under 16 MB of a 100 MB reply per check ($floods checks)"
rss1=$(rss)
note "lvsmond RSS: ${rss0} MB after the first failures, ${rss1} MB after" \
    "20 s more of them"
between "$((rss1 - rss0))" -1000 20 \
    "lvsmond's memory stays flat (grew $((rss1 - rss0)) MB, at most 20)"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"
