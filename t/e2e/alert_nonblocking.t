#!/bin/bash
# t/e2e/alert_nonblocking.t - receivers that hang or refuse delay no check:
# while rs3 keeps failing and its alarm repeats every 0.5 s, every sink
# points at a receiver that never answers (a webhook and an SMTP relay that
# accept and say nothing, an alert script that sleeps) or refuses (closed
# ports, a syslog port with no listener, a command FIFO nobody reads).
# rs1 and rs2 are still checked every 500 ms +- 50 ms (their own access
# logs say so), and every sink retries, then counts dead letters.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
INTERVAL_MS=500
SLACK_MS=50
SAMPLES=10
SINKS="hook-hang hook-refused mail-hang script-hang syslog-refused"
SINKS+=" nagios-nobody"

plan 11
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do lab_rs_start "$P" $i || bail_out "rsd $i did not start"
done
lab_rs_health "$P" 3 fail
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
for r in http:8081 smtp:2525; do
	ip netns exec "$P-dir" python3 "$T/tools/alertrecv.py" hang \
	    -l "127.0.0.1:${r#*:}" -o "$D/${r%%:*}.out" \
	    -p "$D/${r%%:*}.pid" 2>>"$D/recv.log" &
	_lab_track "$P" $!
	wait_until 30 test -s "$D/${r%%:*}.pid" || bail_out "hang receiver"
done
printf '#!/bin/sh\nexec sleep 30\n' >"$D/hang.alert"
chmod +x "$D/hang.alert"
mkfifo "$D/nagios.cmd"

# the same delivery settings for every sink
DLV='alertevery = 0.5; timeout = 0.4; retries = 1; retry_delay = 0.2;'
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.45; rise = 2; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; },
      { address = "198.51.100.13"; port = 8080; weight = 1; } ); }
);
alerts = (
  { name = "hook-hang"; type = "webhook"; $DLV
    url = "http://127.0.0.1:8081/hook"; },
  { name = "hook-refused"; type = "webhook"; $DLV
    url = "http://127.0.0.1:8083/hook"; },
  { name = "mail-hang"; type = "mail"; $DLV batch = 0;
    relay = "127.0.0.1:2525"; to = ["ops@example.org"]; },
  { name = "script-hang"; type = "exec"; $DLV queue = 2;
    command = "$D/hang.alert"; },
  { name = "syslog-refused"; type = "syslog"; $DLV
    address = "127.0.0.1:5599"; },
  { name = "nagios-nobody"; type = "nagios"; $DLV
    command_file = "$D/nagios.cmd"; }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with six sinks whose receivers hang or refuse" ||
    exit
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "rs1 and rs2 are up"
lab_wait_log "$P" 10 "alerts: hook-hang: LvsmonRealDown repeat:"
ok $? "rs3 is down and its alarm repeats"

t0=$(date +%s.%N)
health_since()	# timestamps (ms) of /health requests to rsI since t0
{
	awk -v t0="$t0" '$3 == "/health" && $1 >= t0 {
		printf "%.0f\n", $1 * 1000 }' "$(lab_rs_access "$P" "$1")"
}
enough()
{
	[ "$(health_since 1 | wc -l)" -gt "$SAMPLES" ] &&
	    [ "$(health_since 2 | wc -l)" -gt "$SAMPLES" ]
}
wait_until 20 enough
ok $? "rs1 and rs2 each saw more than $SAMPLES checks meanwhile"
for i in 1 2; do
	gaps_ok "rs$i's checks" "$INTERVAL_MS" "$SLACK_MS" < <(health_since "$i")
done

# counters NAME: "failed_attempts dead_letters dropped" of sink NAME
counters()
{
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
		my $n = shift;
		for (@{decode_json(join "", <STDIN>)->{alerts}}) {
			print "$_->{failed_attempts} $_->{dead_letters} ",
			    "$_->{dropped}\n" if $_->{name} eq $n }' "$1"
}
# (syslog over UDP learns of a refusal one send late, from the ICMP
# error, so its retry goes through: failures, but no dead letters)
all_dead()
{
	local s f d x
	for s in ${SINKS/syslog-refused/}; do
		read -r f d x <<<"$(counters "$s")"
		[ "$f" -ge 2 ] && [ "$d" -ge 1 ] || return 1
	done
	read -r f d x <<<"$(counters syslog-refused)"
	[ "$f" -ge 1 ]
}
wait_until 15 all_dead
ok $? "every sink failed and retried; all but syslog counted dead letters"
for s in $SINKS; do note "$s: attempts failed, dead, dropped: $(counters "$s")"
done
log=$(cat "$(lab_log "$P")")
like "$log" "alerts: hook-hang: delivery of [0-9]+ failed: no answer within \
400 ms; retry 1/1" \
    "the hanging webhook is cut at the sink's timeout"
like "$log" "alerts: script-hang: delivery of 1 failed: [^;]*hang.alert: \
killed" \
    "the sleeping alert script is killed"
read -r f d x <<<"$(counters script-hang)"
between "$x" 1 100000 "a full queue (2) drops the oldest waiting alarm"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
