#!/bin/bash
# t/e2e/control_errors.t - mistakes and abuse on the control socket get clear
# errors and exit codes, and never hurt the daemon: wrong commands, unknown
# services and servers, bad weights, garbage bytes, a 1 MB line, clients
# that vanish or hang, an event stream that is killed, a non-root user.
# After each, lvsmond still answers `show`.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080

plan 30
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
SOCK=$(lab_sock "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = ( { address = "198.51.100.11"; port = 8080;
                       weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1"

# ctl ARGS...: run lvsmonctl; sets RC, OUT (stdout), ERR (stderr).
ctl()
{
	OUT=$(lab_ctl "$P" "$@" 2>"$D/stderr")
	RC=$?
	ERR=$(cat "$D/stderr")
}

still_serving()	# the daemon runs and answers show within 5 s
{
	lab_daemon_alive "$P" &&
	    timeout 5 "$LVSMON_BUILD/lvsmonctl" -s "$SOCK" show >/dev/null 2>&1
}

ctl
is "$RC" 2 "lvsmonctl without a command is a usage error (exit 2)"
ctl set weight web
is "$RC" 2 "set weight with a missing argument is a usage error (exit 2)"

ctl frobnicate
ok $((RC == 1 || RC == 2 ? 0 : 1)) "an unknown command fails (exit $RC)"
like "$ERR" "lvsmonctl: .*'?frobnicate'?" "... and stderr names the command"

ctl set weight nope "$R1" 5
is "$RC $OUT" "1 " "set weight on an unknown service exits 1, prints nothing"
is "$ERR" "lvsmonctl: unknown service 'nope'" \
    "... and says: lvsmonctl: unknown service 'nope'"

ctl drain web 198.51.100.99:8080
is "$RC $OUT" "1 " "drain of an unknown server exits 1, prints nothing"
like "$ERR" "^lvsmonctl: .*198\.51\.100\.99:8080" \
    "... and stderr names the server"

ctl enable web not-an-address
is "$RC" 1 "enable with a malformed server exits 1"
like "$ERR" "^lvsmonctl: .*not-an-address" "... and stderr names it"

ctl set weight web "$R1" 70000
is "$RC $OUT" "1 " "set weight 70000 exits 1, prints nothing"
like "$ERR" "^lvsmonctl: .*70000.*65535|^lvsmonctl: .*65535.*70000" \
    "... and stderr says 70000 is outside 0..65535"
ctl set weight web "$R1" abc
ok $((RC == 1 || RC == 2 ? 0 : 1)) "set weight abc fails (exit $RC)"
like "$ERR" "^lvsmonctl: .*abc" "... and stderr names 'abc'"
is "$(lab_field "$P" web "$R1" effective_weight)" 1 \
    "after the refused commands rs1's weight is still 1"
still_serving
ok $? "after bad commands lvsmond still answers show"

# Raw clients straight on the socket (perl, no lvsmonctl).
raw()	# raw MODE: garbage | bigline | hangup
{
	perl -MIO::Socket::UNIX -e '
		my ($path, $mode) = @ARGV;
		$SIG{PIPE} = "IGNORE";
		$SIG{ALRM} = sub { exit 0 };
		my $s = IO::Socket::UNIX->new(Peer => $path) or exit 3;
		exit 0 if $mode eq "hangup";
		my $data = $mode eq "garbage" ?
		    join("", map { chr(int(rand(256))) } 1 .. 4096) . "\n" :
		    ("A" x (1024 * 1024)) . "\n";
		syswrite($s, $data);
		alarm 5;
		my $buf;
		sysread($s, $buf, 4096);
		print defined $buf ? $buf : "";' "$SOCK" "$1"
}

out=$(raw garbage)
note "answer to garbage: ${out:0:200}"
still_serving
ok $? "4 KB of random bytes: lvsmond still answers show"
out=$(raw bigline)
note "answer to a 1 MB line: ${out:0:200}"
still_serving
ok $? "a 1 MB line: lvsmond still answers show"
for ((i = 0; i < 20; i++)); do raw hangup; done
still_serving
ok $? "20 clients that connect and hang up: lvsmond still answers show"

# A client that connects and says nothing must not hold up the others.
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 3;
	sleep 8;' "$SOCK" &
silent=$!
_lab_track "$P" "$silent"
sleep 0.2	# not a wait for success: gives the silent client its connect
timeout 3 "$LVSMON_BUILD/lvsmonctl" -s "$SOCK" show >/dev/null 2>&1
ok $? "while a silent client holds a connection, show answers within 3 s"
ctl set weight web "$R1" 3
is "$RC $OUT" "0 ok" "... and set weight works"
kill "$silent" 2>/dev/null

# An event stream whose reader is killed: the daemon must not die writing
# the next event (SIGPIPE) nor stall.
lab_events_start "$P" "$D/events"
ev=$(tail -n 1 "$D/pids")
kill -KILL "$ev"
wait "$ev" 2>/dev/null
ctl set weight web "$R1" 2
is "$RC $OUT" "0 ok" "after an events reader is killed, set weight still works"
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 2
is "$(lab_field "$P" web "$R1" kernel_weight)" 2 \
    "... and the kernel's weight follows (2)"
still_serving
ok $? "after an events reader is killed lvsmond still answers show"

# Only root may steer the daemon.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$LVSMON_BUILD/lvsmonctl" -s "$SOCK" drain web "$R1" 2>&1)
	rc=$?
	ok $((rc != 0 ? 0 : 1)) \
	    "user nobody cannot drain through the socket (exit $rc)"
	like "$out" "lvsmonctl: .*(ermission|denied|EACCES)" \
	    "... and is told permission was denied"
	is "$(lab_field "$P" web "$R1" admin)" enabled \
	    "... and rs1 is still enabled"
else
	skip 3 "no setpriv or no user nobody"
fi

still_serving
ok $? "at the end lvsmond still answers show"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
