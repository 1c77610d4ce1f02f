#!/bin/bash
# t/e2e/alert_policy.t - mon's alarm semantics, seen by two real receivers:
# an unmodified mon-style alert script (t/tools/file.alert, which mon's
# mail.alert calling convention drives) and a syslog collector on UDP.
# rs2 fails its checks: after alertafter = 3 failed checks each sink gets
# exactly one alarm; the script, with alertevery = 1.5 s and numalerts = 2,
# gets one repeat and no more; when rs2 is up again (rise honoured) each
# sink gets exactly one up alarm.  Also: the counters in show --json, and
# lvsmonctl events --since replaying what was missed.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"
command -v perl >/dev/null || skip_all "no perl"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
RE2='real web/198\.51\.100\.12:8080:'

plan 22
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
MAIL=$D/mail.out
SYSLOG=$D/syslog.out

# recv_start NAME MODE ADDR: t/tools/alertrecv.py in the director's
# namespace, writing $D/NAME.out
recv_start()
{
	ip netns exec "$P-dir" python3 "$T/tools/alertrecv.py" "$2" -l "$3" \
	    -o "$D/$1.out" -p "$D/$1.pid" 2>>"$D/$1.log" &
	_lab_track "$P" $!
	# 30 s: a python3 start on a loaded 2-core machine can take seconds
	wait_until 30 test -s "$D/$1.pid"
}
recv_start syslog udp 127.0.0.1:5514 || bail_out "syslog receiver"
: >"$MAIL"

{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; rise = 2; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "exec"; command = "$T/tools/file.alert"; args = ["$MAIL"];
    alertafter = 3; alertevery = 1.5; numalerts = 2; upalert = true;
    services = ["web"]; },
  { type = "syslog"; address = "127.0.0.1:5514"; facility = "local3";
    alertafter = 3; }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts with an exec and a syslog sink" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
is "$(grep -c . "$MAIL") $(grep -c . "$SYSLOG")" "0 0" \
    "no alarm while everything is up"

nalerts() { grep -c "^Subject: $1 " "$MAIL"; }
lab_rs_health "$P" 2 fail
wait_until 10 grep -q "^Subject: ALERT web/http: " "$MAIL"
ok $? "the alert script got an ALERT for web/http"
like "$(grep -m1 '^Subject: ALERT' "$MAIL")" \
    "^Subject: ALERT web/http: web/198\.51\.100\.12:8080 down: http: \
status 503 \(" \
    "its summary names the service, the real, the check and the detail"
like "$(cat "$MAIL")" "Hosts: 198\.51\.100\.12:8080" \
    "-h is the failing real"

# The failed checks of rs2 before the first alarm, from its debug lines.
fails=$(awk -v re="$RE2" '
	$0 ~ re " check http ok" { n = 0 }
	$0 ~ re " check http failed" { n++ }
	/alerts: exec#1: LvsmonRealDown down:/ { print n; exit }' \
    "$(lab_log "$P")")
is "$fails" 3 "the first alarm came with rs2's 3rd failed check (alertafter)"

wait_until 5 grep -q 'LvsmonRealDown' "$SYSLOG"
ok $? "the syslog collector got the alarm"
like "$(head -n1 "$SYSLOG")" \
    '^<156>1 [0-9T:.-]+Z [^ ]+ lvsmond [0-9]+ LvsmonRealDown '\
'\[lvsmon@8225 kind="down" service="web" server="198\.51\.100\.12:8080" '\
'state="down" check="http" reason="L7STS" severity="warning" failures="3" '\
'count="1" seq="[0-9]+"\] web/198\.51\.100\.12:8080 down' \
    "it is one RFC 5424 line, local3.warning, with structured data"

ge() { [ "$("$1" "${@:3}")" -ge "$2" ]; }	# ge FN N ARGS: FN ARGS >= N
wait_until 10 ge nalerts 2 ALERT
ok $? "a second ALERT came (alertevery = 1.5 s)"
t12=$(awk '/alerts: exec#1: LvsmonRealDown (down|repeat):/ {
	split($1, a, "T"); split(a[2], b, ":"); sub("Z", "", b[3])
	t[n++] = b[1] * 3600 + b[2] * 60 + b[3] }
	END { printf "%d\n", (t[1] - t[0]) * 1000 }' "$(lab_log "$P")")
between "$t12" 1400 3000 "the repeat came alertevery (1.5 s) after the first"
like "$(grep '^Subject: ALERT' "$MAIL" | sed -n 2p)" "still down since" \
    "the repeat says since when rs2 is down"

# numalerts = 2: ten more failed checks (3 s) bring no third alarm.
nfail() { grep -cE "$RE2 check http failed" "$(lab_log "$P")"; }
base=$(nfail)
wait_until 10 ge nfail $((base + 10))
is "$(nalerts ALERT)" 2 "no third ALERT after 10 more failures (numalerts = 2)"
is "$(grep -c LvsmonRealDown "$SYSLOG")" 1 \
    "syslog got exactly one alarm (alertevery = 0: once)"

lab_rs_health "$P" 2 ok
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up again"
wait_until 5 grep -q "^Subject: UPALERT web/http: " "$MAIL"
ok $? "the alert script got an UPALERT (-u)"
wait_until 5 grep -q 'kind="up"' "$SYSLOG"
ok $? "the syslog collector got the up alarm"
order=$(grep -nE "$RE2 state rising -> up|alerts: exec#1: LvsmonRealDown up:" \
    "$(lab_log "$P")" | sed -E 's/.*(rising -> up|LvsmonRealDown up).*/\1/' |
    tr '\n' ',')
is "$order" "rising -> up,LvsmonRealDown up," \
    "the up alarm came once rs2 was up (after rise = 2)," \
    "not at its first good check"

# Five good checks later, still one each: no duplicates.
nok() { grep -cE "$RE2 check http ok" "$(lab_log "$P")"; }
base=$(nok)
wait_until 10 ge nok $((base + 5))
is "$(nalerts UPALERT) $(grep -c 'kind="up"' "$SYSLOG")" "1 1" \
    "exactly one up alarm per sink"

json=$(lab_ctl "$P" show --json)
counts=$(perl -MJSON::PP -e '
	my $d = decode_json(join "", <STDIN>);
	print join " ", map { "$_->{name}:$_->{sent}/$_->{dead_letters}" }
	    @{$d->{alerts}};' <<<"$json")
is "$counts" "exec#1:3/0 syslog#2:2/0" \
    "show --json counts 3 sent by the script sink, 2 by syslog, no dead letters"

# events --since: what a client missed is replayed from the ring.
first=$(timeout 3 "$LVSMON_BUILD/lvsmonctl" -s "$(lab_sock "$P")" events \
    --since 0 --json 2>/dev/null | perl -MJSON::PP -ne '
	my $e = eval { decode_json($_) } or next;
	print "$e->{seq}:$e->{old}>$e->{new} " if $e->{type} eq "state" &&
	    $e->{server} eq "198.51.100.12:8080";')
like "$first" \
    "^[0-9]+:down>up [0-9]+:up>down [0-9]+:down>rising [0-9]+:rising>up $" \
    "events --since 0 replays rs2's state changes with their seq numbers"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
