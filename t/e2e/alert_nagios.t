#!/bin/bash
# t/e2e/alert_nagios.t - the nagios sink writes passive check results to an
# external command file (a FIFO, as Nagios and Icinga make it): CRITICAL
# when a real fails, OK when it is up again.  While nobody reads the FIFO
# (Nagios stopped), the alarm waits and is retried, and arrives once a
# reader is there.  The same results through send_nsca to a real NSCA
# daemon (Debian's nsca, in the director's namespace), which writes them to
# its command file; with the daemon gone, send_nsca's error is the
# delivery's and the alarm ends as a dead letter after its retries.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R2=198.51.100.12:8080

plan 14
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
CMD=$D/nagios.cmd
OUT=$D/nagios.out
mkfifo "$CMD" || bail_out "mkfifo"
: >"$OUT"
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; rise = 1; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "nagios"; command_file = "$CMD"; service_prefix = "lvs-";
    retries = 10; retry_delay = 0.3; }
);
EOF
} >"$CONF"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a nagios sink" || exit
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up"

lab_rs_health "$P" 2 fail
lab_wait_log "$P" 10 "alerts: nagios#1: delivery of 1 failed: $CMD: nobody \
reads the command pipe; retry 1/10"
ok $? "with no reader on the FIFO the alarm fails (ENXIO) and is retried"

# A reader that never sees EOF (the FIFO is open for writing too), as
# Nagios keeps its command pipe.
cat 0<>"$CMD" >>"$OUT" &
_lab_track "$P" $!
wait_until 10 grep -q 'PROCESS_SERVICE_CHECK_RESULT' "$OUT"
ok $? "once a reader is there the retried alarm arrives"
like "$(head -n1 "$OUT")" \
    '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;198\.51\.100\.12;lvs-web;2;'\
'web/198\.51\.100\.12:8080 failing: http: status 503$' \
    "a CRITICAL (2) result for host 198.51.100.12, service lvs-web, sent" \
    "at the first failure (alertafter 1 < fall 2: failing, not yet down)"

lab_rs_health "$P" 2 ok
wait_until 10 grep -q ';lvs-web;0;' "$OUT"
ok $? "the recovery arrives as OK (0)"
is "$(grep -c . "$OUT")" 2 "two results in all"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"

# --- send_nsca -> nsca -> command file --------------------------------------
if ! [ -x /usr/sbin/nsca ] || ! [ -x /usr/sbin/send_nsca ]; then
	skip 6 "no nsca / send_nsca (Debian packages nsca, nsca-client)"
	exit 0
fi
NCMD=$D/nsca.cmd
: >"$NCMD"
cat >"$D/nsca.cfg" <<EOF
pid_file=$D/nsca.pid
server_address=127.0.0.1
server_port=5667
nsca_user=root
nsca_group=root
command_file=$NCMD
alternate_dump_file=$D/nsca.dump
append_to_file=1
max_packet_age=30
decryption_method=1
password=s3cret
EOF
printf 'encryption_method=1\npassword=s3cret\n' >"$D/send_nsca.cfg"
nsca_start()
{
	ip netns exec "$P-dir" /usr/sbin/nsca -f -c "$D/nsca.cfg" --single \
	    2>>"$D/nsca.log" &
	NSCA=$!
	_lab_track "$P" $NSCA
	wait_until 5 ip netns exec "$P-dir" bash -c \
	    ': >/dev/tcp/127.0.0.1/5667' 2>/dev/null
}
nsca_start || bail_out "nsca did not start"
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; rise = 1; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "nagios"; nsca_host = "127.0.0.1:5667";
    nsca_config = "$D/send_nsca.cfg"; retries = 2; retry_delay = 0.2;
    timeout = 4; }
);
EOF
} >"$CONF"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a nagios sink on send_nsca"
lab_wait_state "$P" 10 web up "$R2"
lab_rs_health "$P" 2 fail
wait_until 10 grep -q ';web;2;' "$NCMD"
ok $? "a failure reaches the NSCA daemon's command file"
like "$(grep ';web;2;' "$NCMD" | head -n 1)" \
    '^\[[0-9]+\] PROCESS_SERVICE_CHECK_RESULT;198\.51\.100\.12;web;2;'\
'web/198\.51\.100\.12:8080 down: http: status 503$' \
    "as CRITICAL (2) for host 198.51.100.12, service web, with the summary"
lab_rs_health "$P" 2 ok
wait_until 10 grep -q ';web;0;' "$NCMD"
ok $? "the recovery arrives as OK (0)"

kill "$NSCA"
wait "$NSCA" 2>/dev/null
lab_rs_health "$P" 2 fail
lab_wait_log "$P" 15 "alerts: nagios#1: delivery of 1 failed: send_nsca: \
exit 2: Connection refused by host; Error: Could not connect to host \
127.0.0.1 on port 5667"
ok $? "with nsca gone, send_nsca's own error is the delivery's"
dead()
{
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
	    my $a = decode_json(join "", <STDIN>)->{alerts}[0];
	    exit !($a->{dead_letters} >= 1)'
}
wait_until 10 dead
ok $? "after its retries the alarm is a dead letter (show --json)"
lab_daemon_stop "$P"
