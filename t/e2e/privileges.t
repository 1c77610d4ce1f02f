#!/bin/bash
# t/e2e/privileges.t - what lvsmond can no longer do once started (it keeps
# only CAP_NET_ADMIN and CAP_NET_RAW; restart.t checks the sets themselves).
# Without CAP_DAC_OVERRIDE it cannot write a file where it is not the owner:
# a state file in a directory that belongs to nobody, written at start
# (still fully privileged), cannot be rewritten later; the refusal is
# logged with the path and EACCES and the old file stays.  The control
# socket checks its peer with SO_PEERCRED: made world-writable, it still
# refuses a client running as nobody, says why, and logs the uid; root is
# served.
#
# uid 0 without CAP_DAC_OVERRIDE can still write where root is the owner
# (/etc, say).  global.confine (Landlock) closes that: a second run, with
# confine and one extra writable directory, and an exec check whose script
# tries to write a file: into a root-owned directory outside (refused: the
# check is down and says so; the first, unconfined run wrote it, so the
# test can tell) and into the listed directory (written).  Children get
# the daemon's Landlock domain or a narrower one, never a wider one, so
# what the check's script cannot write, lvsmond cannot either.  The
# daemon's own state file (in its state directory) is still saved.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v setpriv >/dev/null || skip_all "no setpriv (util-linux)"
id nobody >/dev/null 2>&1 || skip_all "no user nobody"
NOGROUP=$(id -gn nobody)

P=$(lab_prefix)
R1=198.51.100.11:8080

plan 20
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
mkdir -p "$D/other" && chown nobody:"$NOGROUP" "$D/other" &&
    chmod 0755 "$D/other" || bail_out "cannot make nobody's directory"
ST=$D/other/state
# outside: root's, and under none of the directories confine keeps
# writable (the lab's own is in /tmp)
OUT=/run/lvsmon-outside-$P EXTRA=$D/extra
rm_outside() { rm -rf "$OUT"; }
T_EXIT_HOOKS+=(rm_outside)
mkdir -p "$OUT" "$EXTRA" && chmod 0755 "$OUT" "$EXTRA" ||
    bail_out "cannot make the write targets"
# the exec check: port 8081 writes outside, 8082 into the listed directory
cat >"$D/touch.sh" <<EOF
#!/bin/sh
f=\$([ "\$1" = 8081 ] && echo "$OUT" || echo "$EXTRA")/by-check-\$1
if touch "\$f" 2>/dev/null; then echo "OK - wrote \$f"; exit 0; fi
echo "CRITICAL - cannot write \$f"; exit 2
EOF
chmod 0755 "$D/touch.sh"
services()
{
	cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 5; } ); },
  { name = "writes"; address = "203.0.113.20"; port = 80;
    check = { type = "exec"; command = "$D/touch.sh"; args = ["%p"];
              interval = 0.5; timeout = 2; rise = 1; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8081; },
      { address = "198.51.100.11"; port = 8082; } ); }
);
EOF
}
CONF=$D/lvsmond.conf
{ lab_conf_global "$P" | sed "s|state_file = .*|state_file = \"$ST\";|"
services; } >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts" || exit
PID=$(cat "$D/lvsmond.bg")
lab_wait_state "$P" 10 web up "$R1"
is "$(awk '/^CapEff/ { print $2 }' "/proc/$PID/status")" 0000000000003000 \
    "its effective capabilities are CAP_NET_ADMIN and CAP_NET_RAW only"
check "at start (still privileged) it wrote the state file in nobody's directory" \
    test -s "$ST"
cp "$ST" "$D/state.before"

lab_ctl "$P" set weight web "$R1" 9 >/dev/null
wait_until 10 test "$(lab_field "$P" web "$R1" kernel_weight)" = 9
ok $? "set weight 9 reaches the kernel"
wait_until 10 grep -q "state file $ST.tmp: Permission denied; the previous file is kept" \
    "$(lab_log "$P")"
ok $? "after start it cannot write there: the log names the file and EACCES"
cmp -s "$ST" "$D/state.before"
ok $? "... and the old state file is unchanged"

# SO_PEERCRED: open the socket's path to everyone, then try as nobody.
chmod 0755 "$D" && chmod 0777 "$D/ctl.sock"
out=$(setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups \
    "$LVSMON_BUILD/lvsmonctl" -s "$D/ctl.sock" drain web "$R1" 2>&1)
rc=$?
ok $((rc == 1 ? 0 : 1)) \
    "a client running as nobody is refused even with the socket mode 0777 (exit $rc)"
like "$out" "lvsmonctl: permission denied: only root may use" \
    "... and told that only root may use it"
wait_until 5 grep -q "control: refused a client with uid $(id -u nobody)" \
    "$(lab_log "$P")"
ok $? "... and the log names the refused uid"
is "$(lab_field "$P" web "$R1" admin)" enabled \
    "... and the drain did not happen (root still is served)"
check "unconfined, the check's script writes into a root-owned directory" \
    wait_until 10 test -e "$OUT/by-check-8081"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"

# --- global.confine ----------------------------------------------------
rm -f "$OUT"/by-check-* "$EXTRA"/by-check-*
CONF2=$D/confined.conf
{ lab_conf_global "$P" |
    sed "s|^};|  confine = { writable = (\"$EXTRA\"); };\n};|"
services; } >"$CONF2"
lab_daemon_start "$P" "$CONF2"
started=$?
if [ $started -ne 0 ] && grep -q "offers no Landlock" "$(lab_log "$P")"; then
	skip 8 "this kernel has no Landlock"
	exit 0
fi
ok $started "lvsmond starts with global.confine" || exit
wait_until 5 grep -q "confined (Landlock ABI [0-9]*): writes only beneath .*$EXTRA" \
    "$(lab_log "$P")"
ok $? "the log says it is confined and where it may write"
lab_wait_state "$P" 10 writes down 198.51.100.11:8081 &&
    lab_wait_state "$P" 10 writes up 198.51.100.11:8082
ok $? "confined: the check writing outside is down, the one writing into the listed directory up"
is "$(lab_field "$P" writes 198.51.100.11:8081 message)" \
    "CRITICAL - cannot write $OUT/by-check-8081" \
    "... its message says it could not write there"
check "... no file appeared in the root-owned directory" \
    eval '! test -e "$OUT/by-check-8081"'
check "... and the file in the writable directory did" \
    test -e "$EXTRA/by-check-8082"
lab_ctl "$P" set weight web "$R1" 7 >/dev/null
wait_until 10 grep -q "^real .* $R1 id [0-9]* admin enabled weight 7\$" \
    "$D/state"
ok $? "its own state file (in its state directory) is still saved"
lab_daemon_stop "$P"
ok $? "the confined lvsmond exits 0 on SIGTERM"
