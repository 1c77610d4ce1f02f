#!/bin/bash
# t/e2e/lua_sandbox.t - a bad Lua check hurts nobody but itself.  Five
# checks misbehave on purpose: a runaway loop, a 1 GB string build, an
# os.execute, an io.open and an error at line 7.  Each ends its own real
# server as down with the reason and file:line in "lvsmonctl show --json";
# meanwhile the Lua HTTP checks of rs1 and rs2, in the same daemon and the
# same Lua state, keep their 500 ms interval within +-50 ms (as the reals'
# own access logs see it), and the daemon's resident memory returns to
# what it was before the memory bombs (VmRSS in /proc).
#
# The memory bomb is armed from outside: it builds its string only while
# rs3's /health answers 503.
#
# Two daemon runs.  The first has a 2 MB Lua memory limit
# (LVSMON_LUA_MEMORY) and measures the healthy checks' intervals while
# every bad check, the bomb included, keeps failing.  The runtime yields to
# the loop after every big allocation, so a doubling string lets other
# checks run between doublings; what it cannot split is one copy into fresh
# pages, and the lab's VMs pay ~10 ms per MB of first touch (40 us per page
# fault): under the default 128 MB the last doubling (a 64 MB copy) would
# stall the loop ~650 ms there, under 2 MB the largest step is 1 MB.  The
# second run keeps the default limit and reads /proc: VmHWM shows the bomb
# really took ~100 MB, VmRSS that the daemon gave it back.  Under ASan
# (make test) the quarantine of freed blocks is off, so that VmRSS shows
# lvsmond's memory, not the sanitizer's.  The loop's budget is 2 million
# instructions (not the default 10): the test is about the loop being
# ended, and a 2-CPU lab machine shared with other work should not have
# to give lvsmond (under ASan) more than its share of CPU to keep time.
# For the same reason the bomb's check has a 10 s timeout: under ASan on a
# busy machine building 128 MB takes seconds, and a timeout would end it
# before the memory limit the test is about.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
LOOP=198.51.100.13:9001 BOMB=198.51.100.13:9002 EXEC=198.51.100.13:9003
IO=198.51.100.13:9004 ERR7=198.51.100.13:9005
INTERVAL_MS=500
SLACK_MS=50
SAMPLES=12
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

plan 25
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")

cat >"$D/web.lua" <<'EOF'
-- The good check: GET /health on the real, up on 200.
function check(t)
	local url = ("http://%s:%d/health"):format(t.address, t.port)
	local status, body = lvsmon.http_get(url, { timeout = 400 })
	if not status then return false, nil, "http: " .. body end
	return status == 200, nil, "http: status " .. status
end
EOF
cat >"$D/loop.lua" <<'EOF'
function check(t)
	local n = 0
	while true do n = n + 1 end
end
EOF
cat >"$D/bomb.lua" <<'EOF'
-- Builds a 1 GB string, but only while the trigger answers 503.
function check(t)
	local st = lvsmon.http_get(t.params.trigger, { timeout = 500 })
	if st ~= 503 then return true, nil, "disarmed" end
	local s = "x"
	for i = 1, 30 do s = s .. s end
	return true, nil, "built " .. #s
end
EOF
cat >"$D/exec.lua" <<'EOF'
function check(t)
	os.execute("touch /tmp/lvsmon-lua-pwned")
	return true
end
EOF
cat >"$D/io.lua" <<'EOF'
function check(t)
	local f = io.open("/etc/passwd")
	return f ~= nil
end
EOF
cat >"$D/err7.lua" <<'EOF'
-- line 1
-- line 2
function check(t)
	local x = 1
	-- line 5
	-- line 6
	error("boom at line " .. 7)
end
EOF
rm -f /tmp/lvsmon-lua-pwned

bad()	# bad PORT SCRIPT [EXTRA [INTERVAL [TIMEOUT]]]: one misbehaving real
{
	echo "{ address = \"198.51.100.13\"; port = $1; check = {
	    type = \"lua\"; script = \"$D/$2\"; interval = ${4:-1.0};
	    timeout = ${5:-3.0}; rise = 1; fall = 1; $3 }; }"
}
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "lua"; script = "$D/web.lua"; interval = 0.5;
              timeout = 0.45; rise = 2; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); },
  { name = "bad"; address = "203.0.113.20"; port = 80;
    real_servers = (
      $(bad 9001 loop.lua "max_instructions = 2000000;"),
      $(bad 9002 bomb.lua \
          "params = { trigger = \"http://198.51.100.13:8080/health\"; };" 2.0 \
          10.0),
      $(bad 9003 exec.lua),
      $(bad 9004 io.lua),
      $(bad 9005 err7.lua)
    ); }
);
EOF
} >"$CONF"

LVSMON_LUA_MEMORY=2M lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with five bad Lua checks configured" || exit

lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "rs1 and rs2 are up through the Lua HTTP check"
is "$(lab_field "$P" web "$R1" message)" "http: status 200" \
    "rs1's message is the script's own"

lab_wait_state "$P" 15 bad down "$LOOP" "$EXEC" "$IO" "$ERR7"
ok $? "the loop, os.execute, io.open and error checks are down"
is "$(lab_field "$P" bad "$LOOP" reason)" LIMIT \
    "runaway loop: reason LIMIT"
like "$(lab_field "$P" bad "$LOOP" message)" \
    '^loop\.lua:3: instruction limit \([0-9]+\) reached$' \
    "runaway loop: the message names loop.lua:3 and the limit"
is "$(lab_field "$P" bad "$EXEC" reason) $(lab_field "$P" bad "$EXEC" \
    message)" "SCRIPT exec.lua:2: attempt to call a nil value (field 'execute')" \
    "os.execute: a script error at exec.lua:2, no such function"
[ ! -e /tmp/lvsmon-lua-pwned ]
ok $? "... and nothing was executed"
is "$(lab_field "$P" bad "$IO" reason) $(lab_field "$P" bad "$IO" message)" \
    "SCRIPT io.lua:2: attempt to index a nil value (global 'io')" \
    "io.open: a script error at io.lua:2, no io library"
is "$(lab_field "$P" bad "$ERR7" reason) $(lab_field "$P" bad "$ERR7" \
    message)" "SCRIPT err7.lua:7: boom at line 7" \
    "error at line 7: the message is err7.lua:7 and the error"

lab_wait_state "$P" 10 bad up "$BOMB"
ok $? "the memory bomb, disarmed, is up"
lab_rs_health "$P" 3 fail	# arm it
t0=$(date +%s.%N)
wait_until 15 lab_field_is "$P" bad "$BOMB" state down
ok $? "armed, the 1 GB string build ends its check as down"
is "$(lab_field "$P" bad "$BOMB" reason)" LIMIT "memory bomb: reason LIMIT"
like "$(lab_field "$P" bad "$BOMB" message)" \
    '^bomb\.lua:6: not enough memory \(lua memory limit [0-9]+ MB\)$' \
    "memory bomb: the message names bomb.lua:6 and the limit"

# While the bombs (every 2 s) and the loop (every second) go on, measure the
# healthy reals' check intervals.
health_since()	# timestamps (ms) of /health requests to rs I since t0
{
	awk -v t0="$t0" '$3 == "/health" && $1 >= t0 {
		printf "%.0f\n", $1 * 1000 }' "$(lab_rs_access "$P" "$1")"
}
enough()
{
	[ "$(health_since 1 | wc -l)" -gt "$SAMPLES" ] &&
	    [ "$(health_since 2 | wc -l)" -gt "$SAMPLES" ]
}
wait_until 30 enough
ok $? "rs1 and rs2 each saw more than $SAMPLES checks meanwhile"
for i in 1 2; do
	gaps_ok "rs$i's checks, with the bad ones running" \
	    "$INTERVAL_MS" "$SLACK_MS" < <(health_since "$i")
done
is "$(lab_field "$P" web "$R1" changes) $(lab_field "$P" web "$R2" changes)" \
    "1 1" "rs1 and rs2 never left up"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"

# The second run: the default memory limit, and the daemon's memory.
lab_rs_health "$P" 3 ok
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts again, default Lua memory limit" || exit
PID=$(cat "$D/lvsmond.bg")
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }
lab_wait_state "$P" 10 bad up "$BOMB" &&
    lab_wait_state "$P" 10 bad down "$LOOP" "$EXEC" "$IO" "$ERR7"
ok $? "the bomb (disarmed) is up, the other bad checks down again"
rss0=$(kb VmRSS) hwm0=$(kb VmHWM)
lab_rs_health "$P" 3 fail
wait_until 15 lab_field_is "$P" bad "$BOMB" state down
like "$(lab_field "$P" bad "$BOMB" message)" \
    '^bomb\.lua:6: not enough memory \(lua memory limit 128 MB\)$' \
    "armed, the bomb stops at the 128 MB limit"
lab_rs_health "$P" 3 ok
wait_until 10 lab_field_is "$P" bad "$BOMB" state up
rss1=$(kb VmRSS) hwm1=$(kb VmHWM)
note "VmRSS $rss0 kB before the bomb, $rss1 kB after;" \
    "VmHWM $hwm0 kB before, $hwm1 kB after"
between "$hwm1" $((rss0 + 65536)) 100000000 \
    "the bomb took over 64 MB at its peak (VmHWM)"
between "$rss1" 0 $((rss0 + 16384)) \
    "the daemon's memory is back within 16 MB of before (VmRSS)"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
