#!/bin/bash
# t/e2e/fault_state.t - the state file under faults.  A file cut short or
# with a changed digit is refused whole with a message naming it and why,
# kept as FILE.bad, and the daemon starts from the config.  A disk that
# fills up (a 64 kB tmpfs in a private mount namespace) makes a save fail:
# the old file stays intact, the daemon serves on and says so once, and the
# setting made meanwhile is saved as soon as there is room again.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v unshare >/dev/null || skip_all "no unshare (util-linux)"
# The tmpfs must not be seen outside this test: a mount namespace of its own.
if [ -z "${FAULT_STATE_NS:-}" ]; then
	FAULT_STATE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 22
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
mkdir -p "$D/st" && mount -t tmpfs -o size=64k tmpfs "$D/st" ||
    bail_out "cannot mount a tmpfs"
ST=$D/st/state
CONF=$D/lvsmond.conf
{ lab_conf_global "$P" | sed "s|state_file = .*|state_file = \"$ST\";|"
cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 5; },
      { address = "198.51.100.12"; port = 8080; weight = 5; } ); }
);
EOF
} >"$CONF"

kweight() { lab_field "$P" web "$R1" kernel_weight; }
log_has() { grep -qE -- "$1" "$(lab_log "$P")"; }

lab_daemon_start "$P" "$CONF" || bail_out "lvsmond did not start"
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
lab_ctl "$P" set weight web "$R1" 7 >/dev/null
wait_until 5 grep -q "$R1 id [0-9]* admin enabled weight 7" "$ST"
ok $? "set weight 7 is in the state file"
like "$(tail -n 1 "$ST")" "^end [0-9]+ [0-9a-f]{8}$" \
    "the file ends with its line count and checksum"
lab_daemon_stop "$P"

# 1. Cut short: the last line goes, and half of the one before.
head -c -30 "$ST" >"$ST.cut" && mv "$ST.cut" "$ST"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a truncated state file" || exit
like "$(grep 'state file' "$(lab_log "$P")")" \
    "state file $ST: refused \(no end line: truncated\); .*start from the config; kept as $ST.bad" \
    "the log names the file, says it is truncated and where it was kept"
check "the refused file is kept as state.bad" test -s "$ST.bad"
wait_until 10 test "$(kweight)" = 5
is "$(kweight)" 5 "rs1's weight is the config's (5), not the file's"
rm -f "$ST.bad"

# 2. A digit changed (7 -> 8 would be a weight nobody set): refused too.
lab_ctl "$P" set weight web "$R1" 7 >/dev/null
wait_until 5 grep -q "weight 7" "$ST"
lab_daemon_stop "$P"
sed -i 's/weight 7$/weight 8/' "$ST"
: >"$(lab_log "$P")"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a state file changed behind its back" || exit
like "$(grep 'state file' "$(lab_log "$P")")" \
    "state file $ST: refused \(checksum does not match\)" \
    "the log says the checksum does not match"
wait_until 10 test "$(kweight)" = 5
is "$(kweight)" 5 "rs1's weight is the config's (5), not the changed 8"
rm -f "$ST.bad"

# 3. Disk full.
lab_ctl "$P" set weight web "$R1" 9 >/dev/null
wait_until 5 grep -q "weight 9" "$ST"
ok $? "set weight 9 is saved"
cp "$ST" "$D/state.before"
dd if=/dev/zero of="$D/st/fill" bs=4k 2>/dev/null	# until ENOSPC
out=$(lab_ctl "$P" set weight web "$R1" 3 2>&1)
is "$out" "ok" "set weight 3 on a full disk is accepted"
wait_until 10 test "$(kweight)" = 3
is "$(kweight)" 3 "... and reaches the kernel"
wait_until 10 log_has "state file $ST: No space left on device; the previous file is kept, retrying every 5 s"
ok $? "the log says the state file could not be saved: no space left"
cmp -s "$ST" "$D/state.before"
ok $? "the old state file is intact (weight 9, whole)"
check "no half-written temporary file is left" test ! -e "$ST.tmp"
lab_ctl "$P" set weight web "$R1" 4 >/dev/null
lab_ctl "$P" set weight web "$R1" 3 >/dev/null
is "$(grep -c 'No space left' "$(lab_log "$P")")" 1 \
    "more changes on the full disk: still one message, not one per change"
check "lvsmond is alive" lab_daemon_alive "$P"
rm -f "$D/st/fill"
wait_until 15 log_has "state file $ST: saved again"
ok $? "once there is room the log says the file is saved again"
grep -q "$R1 id [0-9]* admin enabled weight 3" "$ST"
ok $? "... with the weight set while the disk was full (3)"

# 4. A restart restores it: the file written after the fault is whole.
lab_daemon_stop "$P"
: >"$(lab_log "$P")"
lab_daemon_start "$P" "$CONF" || bail_out "lvsmond did not restart"
wait_until 10 test "$(kweight)" = 3
is "$(kweight)" 3 "after a restart rs1's weight is 3 again, from the file"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"
umount "$D/st"
