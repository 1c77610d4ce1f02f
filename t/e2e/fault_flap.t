#!/bin/bash
# t/e2e/fault_flap.t - thousands of real servers going down and up at once,
# three times (2,000 by default, under make test's ASan build on a shared
# machine; FAULT_FLAP_N=10000 for the issue's figure).  The reals are
# 127.1.x.y:9000 in the director's namespace, all
# answered by one listener there: stopping it takes all of them down in the
# same second, starting it brings them back.  What must hold: every real is
# seen down and up again (nothing lost), the nft table follows (one batch
# per loop turn), the daemon's memory is the same after the third storm as
# after the first, the alarms go to a bounded queue (the overflow counted
# as dropped, the receiver never gets more than one alarm per change), an
# event stream reads along (its size is noted), lvsmonctl keeps answering
# and another service's real is not disturbed.  Figures go to the TAP notes.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"
# A smaller ASan quarantine, so RSS shows what the daemon keeps.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16

P=$(lab_prefix)
N=${FAULT_FLAP_N:-2000}
FLAPS=3
QUEUE=200
R1=198.51.100.11:8080

plan 12
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
lab_exec "$P" dir ip link set lo up
big_start()
{
	rm -f "$D/big.pid"
	# not through lab_exec: $! must be rsd itself (ip netns exec execs)
	ip netns exec "$P-dir" "$(_lab_tool rsd)" -n big -l 0.0.0.0:9000 \
	    -p "$D/big.pid" >>"$D/big.log" 2>&1 &
	BIG=$!
	_lab_track "$P" "$BIG"
	wait_until 10 test -s "$D/big.pid"
}
big_stop()
{
	kill -TERM "$BIG" 2>/dev/null
	wait "$BIG" 2>/dev/null
	! lab_exec "$P" dir ss -Hltn 'sport = :9000' | grep -q LISTEN
}
lab_exec "$P" dir python3 "$T/tools/alertrecv.py" udp -l 127.0.0.1:5514 \
    -o "$D/alarms" -p "$D/recv.pid" >/dev/null 2>&1 &
_lab_track "$P" $!
wait_until 10 test -s "$D/recv.pid" || bail_out "alertrecv did not start"

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"
cat <<EOF
alerts = ( { type = "syslog"; address = "127.0.0.1:5514"; alertafter = 1;
             upalert = true; queue = $QUEUE; retries = 0; } );
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); },
  { name = "big"; address = "203.0.113.11"; port = 80;
    check = { type = "tcp"; interval = 2.0; timeout = 1.5; rise = 1;
              fall = 2; };
    real_servers = (
EOF
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++)
	printf "      { address = \"127.1.%d.%d\"; port = 9000; }%s\n",
	    int(i / 250), i % 250 + 1, i + 1 < n ? "," : "" }'
echo "    ); } );"
} >"$CONF"

count()		# count STATE: how many of big's reals are in STATE
{
	lab_ctl "$P" show --json 2>/dev/null | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>); my $n = 0;
		for my $s (@{$d->{services}}) {
			next unless $s->{name} eq "big";
			$n += grep { $_->{state} eq $ARGV[0] } @{$s->{servers}};
		}
		print $n;' "$1"
}
all_in() { [ "$(count "$1")" = "$N" ]; }
not_in()	# not_in STATE: the first few of big's reals not in STATE
{
	lab_ctl "$P" show --json 2>/dev/null | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>); my $n = 0;
		for my $s (@{$d->{services}}) {
			next unless $s->{name} eq "big";
			for (@{$s->{servers}}) {
				next if $_->{state} eq $ARGV[0] || $n++ > 5;
				print "$_->{address} $_->{state} $_->{message}\n";
			}
		}' "$1"
}
kernel_follows()	# big's reals with a kernel weight = those up, one snapshot
{
	lab_ctl "$P" show --json 2>/dev/null | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>); my ($up, $k) = (0, 0);
		for my $s (@{$d->{services}}) {
			next unless $s->{name} eq "big";
			for (@{$s->{servers}}) {
				$up++ if $_->{state} eq "up";
				$k++ if ($_->{kernel_weight} // 0) > 0;
			}
		}
		print "$up $k\n"; exit($up == $k ? 0 : 1);'
}
rss() { awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$PID/status"; }

big_start || bail_out "the big listener did not start"
t=${EPOCHREALTIME/./}
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with $N reals" || exit
PID=$(cat "$D/lvsmond.bg")
wait_until 120 all_in up
ok $? "all $N reals are up"
note "start to all up: $(((${EPOCHREALTIME/./} - t) / 1000)) ms"
lab_events_start "$P" "$D/events"

downs=0 ups=0 rss1=""
for ((f = 1; f <= FLAPS; f++)); do
	t=${EPOCHREALTIME/./}
	big_stop || diag "the big listener is still there"
	wait_until 60 all_in down && downs=$((downs + 1)) ||
	    diag "not down:" "$(not_in down)"
	td=$(((${EPOCHREALTIME/./} - t) / 1000))
	big_start
	t=${EPOCHREALTIME/./}
	wait_until 60 all_in up && ups=$((ups + 1))
	tu=$(((${EPOCHREALTIME/./} - t) / 1000))
	note "storm $f: all $N down in $td ms, all up again in $tu ms," \
	    "RSS $(rss) MB"
	[ -n "$rss1" ] || rss1=$(rss)
done
is "$downs $ups" "$FLAPS $FLAPS" \
    "each of $FLAPS storms: all $N reals seen down, then all up again"
wait_until 20 kernel_follows >/dev/null
ok $? "the nft table gives a weight to exactly the reals that are up ($(kernel_follows))"
rss3=$(rss)
between $((rss3 - rss1)) -1000 30 \
    "lvsmond's memory after storm $FLAPS is that after storm 1 ($rss1 -> $rss3 MB)"

# Changes: the storms' 2 x FLAPS x N, and any a loaded machine adds (a
# check that times out while the listener is up): count them in the log.
changes=$(grep -cE 'real big/.*: state [a-z]+ -> (up|down) ' "$(lab_log "$P")")
alarms=$(wc -l <"$D/alarms")
note "alarms received: $alarms for $changes changes to up or down"
between "$alarms" 1 "$changes" \
    "the receiver got alarms, never more than one per change ($alarms)"
dropped=$(lab_ctl "$P" show --json | perl -MJSON::PP -e '
	my $d = decode_json(join "", <STDIN>); my $n = 0;
	$n += $_->{dropped} // 0 for @{$d->{alerts} // []};
	print $n;')
note "alarms dropped by the bounded queue: $dropped"
between "${dropped:-0}" 1 "$changes" \
    "the overflow is counted as dropped alarms ($dropped)"
grep -q "oldest waiting alarm" "$(lab_log "$P")"
ok $? "the log says the queue dropped its oldest alarms"

ev=$(wc -c <"$D/events")
note "event stream: $ev bytes; its end: $(tail -n 1 "$D/events")"
lab_daemon_alive "$P"
ok $? "lvsmond survived $FLAPS storms of $N"
like "$(lab_ctl "$P" show 2>&1 | head -n 1)" "^service web" \
    "lvsmonctl show answers"
lab_wait_state "$P" 10 web up "$R1"
ok $? "the one real of another service stayed up"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"
