#!/bin/bash
# t/e2e/alert_mail.t - the mail sink's own SMTP client against a real SMTP
# server (aiosmtpd, Debian's python3-aiosmtpd, with its Maildir handler):
# alarms within the batch window go out as one message; the message reads
# like mon's mail.alert; a relay that refuses is retried, then counted as
# dead letters.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null ||
    skip_all "no aiosmtpd (apt-get install python3-aiosmtpd)"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080

plan 14
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do lab_rs_start "$P" $i || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
MD=$D/maildir	# the handler makes it (and tmp/ new/ cur/)
ip netns exec "$P-dir" $PY -m aiosmtpd -n -l 127.0.0.1:2525 \
    -c aiosmtpd.handlers.Mailbox "$MD" >"$D/smtp.log" 2>&1 &
_lab_track "$P" $!
smtp_up() { ip netns exec "$P-dir" bash -c \
    'exec 3<>/dev/tcp/127.0.0.1/2525' 2>/dev/null; }
wait_until 10 smtp_up
ok $? "aiosmtpd listens on 127.0.0.1:2525" || exit

{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; rise = 1; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; },
      { address = "198.51.100.13"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "mail"; relay = "127.0.0.1:2525"; from = "lvsmond@dir.example.org";
    to = ["ops@example.org", "noc@example.org"]; batch = 2; },
  { name = "deadrelay"; type = "mail"; relay = "127.0.0.1:2526";
    to = ["ops@example.org"]; batch = 0; retries = 2; retry_delay = 0.2; }
);
EOF
} >"$CONF"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with two mail sinks" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "all reals are up"

nmsg() { find "$MD/new" -type f 2>/dev/null | wc -l; }
lab_rs_health "$P" 2 fail
lab_rs_health "$P" 3 fail
lab_wait_state "$P" 5 web down "$R2" "$R3"
ok $? "rs2 and rs3 are down"
ge1() { [ "$(nmsg)" -ge 1 ]; }
wait_until 10 ge1
ok $? "a message arrived at the SMTP server"
msg=$(cat "$MD"/new/*)
like "$msg" "X-Lvsmon-Alarms: 2" \
    "both failures are in one message (batch = 2 s)"
like "$msg" "Subject: \[lvsmon\] 2 alarms: web/198\.51\.100\.1[23]:8080 down" \
    "the subject counts the alarms and gives the first summary"
S2='server: 198\.51\.100\.12:8080' S3='server: 198\.51\.100\.13:8080'
like "$msg" "$S2.*$S3|$S3.*$S2" \
    "the body lists both servers"
like "$msg" "X-RcptTo: ops@example.org, noc@example.org" \
    "the server took both recipients (RCPT TO each)"

lab_rs_health "$P" 2 ok
lab_wait_state "$P" 5 web up "$R2"
ge2() { [ "$(nmsg)" -ge 2 ]; }
wait_until 10 ge2
ok $? "the recovery of rs2 arrives as a second message"
like "$(grep -l 'UPALERT' "$MD"/new/* | xargs cat)" \
    "Subject: UPALERT web/http: web/198\.51\.100\.12:8080 up" \
    "alone in its batch, it reads like mon's mail.alert: UPALERT web/http"

dead() {
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
		for (@{decode_json(join "", <STDIN>)->{alerts}}) {
			print "$_->{failed_attempts} $_->{dead_letters}\n"
			    if $_->{name} eq "deadrelay" }'
}
dead_ok() { read -r f d <<<"$(dead)"; [ "$d" -ge 3 ]; }
wait_until 15 dead_ok
read -r f d <<<"$(dead)"
is "$d $((f % 3))" "3 0" \
    "the refused relay: all 3 alarms are dead letters," \
    "each batch tried 3 times ($f attempts)"
re="deadrelay: delivery of [0-9]+ failed: smtp: greeting: Connection refused;"
re+=" retry 1/2 in 200 ms.*retry 2/2 in 400 ms.*dead letters after 3 attempts"
like "$(cat "$(lab_log "$P")")" "$re" \
    "the log shows the retries with backoff (200, 400 ms), then dead letters"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
