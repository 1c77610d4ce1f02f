#!/bin/bash
# t/e2e/alert_flap.t - flap damping: a real server that crosses up/down
# more than flap_changes times within flap_window is reported once as
# flapping, its down/up alarms are held while it flaps, and one up alarm
# says when it has been quiet for a whole window.  Receiver: the mon-style
# alert script t/tools/file.alert.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v perl >/dev/null || skip_all "no perl"

P=$(lab_prefix)
R2=198.51.100.12:8080

plan 9
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
MAIL=$D/mail.out
: >"$MAIL"
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.2;
              timeout = 0.15; rise = 1; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "exec"; command = "$T/tools/file.alert"; args = ["$MAIL"];
    alertafter = 1; upalert = true; flap_changes = 3; flap_window = 15; }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts" || exit
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up"

# toggle STATE: make rs2 STATE and wait until lvsmond sees it.  The window
# (15 s) is wide so that a loaded machine, slow to see each change, still
# puts four changes in it; the quiet window after them is as long.
toggle()
{
	lab_rs_health "$P" 2 "$([ "$1" = down ] && echo fail || echo ok)"
	lab_wait_state "$P" 5 web "$1" "$R2"
}
toggle down && toggle up && toggle down && toggle up && toggle down &&
    toggle up
ok $? "rs2 went down and up three times"

wait_until 5 grep -q '^Subject: ALERT web/flapping' "$MAIL"
subjects() { grep '^Subject:' "$MAIL" | sed -E 's/: web\/198.*//'; }
got=$(subjects | sed 's/^Subject: //' | tr '\n' ',')
is "$got" "ALERT web/http,UPALERT web/http,ALERT web/flapping," \
    "one down, one up, then one flapping alarm; nothing more while it flaps"
like "$(grep '^Subject: ALERT web/flapping' "$MAIL")" \
    "flapping: 4 up/down changes within 15 s" \
    "the flapping alarm says how many changes in what window"

lab_wait_log "$P" 40 "alerts: exec#1: LvsmonRealFlapping flap_end:"
ok $? "after a quiet window the flap ends"
wait_until 5 grep -q '^Subject: UPALERT web/flapping' "$MAIL"
ok $? "the script got an UPALERT for the flapping"
got=$(subjects | sed 's/^Subject: //' | tr '\n' ',')
want="ALERT web/http,UPALERT web/http,ALERT web/flapping,UPALERT web/flapping,"
is "$got" "$want" \
    "four alarms in all: no held down/up alarm leaks out afterwards"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
