#!/bin/bash
# t/e2e/fault_ctl_flood.t - the control socket flooded by 1,000 clients.
# First 1,000 that connect and say nothing: lvsmond holds at most 128 of
# them (the rest are told "too many control clients"), drops the silent
# ones after 10 s, its descriptors stay bounded, the checks keep their
# interval, and lvsmonctl works again.  Then 1,000 that each ask "show" at
# once: every one gets an answer (the table or "try again", or the kernel's
# refusal when the listen backlog is full), none hangs.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
perl -MIO::Socket::UNIX -MIO::Select -e 1 2>/dev/null ||
    skip_all "no perl IO::Socket::UNIX"

P=$(lab_prefix)
R1=198.51.100.11:8080
N=1000

plan 12
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
D=$(lab_dir "$P")
SOCK=$D/ctl.sock
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts" || exit
PID=$(cat "$D/lvsmond.bg")
lab_wait_state "$P" 10 web up "$R1"
nfd() { ls "/proc/$PID/fd" | wc -l; }
fd0=$(nfd)

# 1. N silent clients, held for 25 s.  Prints how many were told no.
perl -MIO::Socket::UNIX -e '
	my ($path, $n) = @ARGV;
	my (@s, $told);
	for (1 .. $n) {
		my $s = IO::Socket::UNIX->new(Peer => $path) or next;
		push @s, $s;
	}
	print scalar(@s), " connected\n";
	STDOUT->flush;
	sleep 25;' "$SOCK" "$N" >"$D/silent.out" 2>&1 &
silent=$!
_lab_track "$P" "$silent"
t0=$(date +%s.%N)
wait_until 30 grep -q connected "$D/silent.out"
like "$(cat "$D/silent.out")" "^$N connected" "$N silent clients connected"
fd1=$(nfd)
note "lvsmond's descriptors: $fd0 before, $fd1 with $N clients at the door"
between "$fd1" 1 $((fd0 + 128 + 8)) \
    "lvsmond holds at most 128 of them open (descriptors $fd0 -> $fd1)"
wait_until 5 grep -q "control: refused [0-9]* clients* in 10 s: too many clients" \
    "$(lab_log "$P")"
ok $? "the log says clients were refused: too many clients"
out=$(timeout 10 "$LVSMON_BUILD/lvsmonctl" -s "$SOCK" show 2>&1)
like "$out" "too many control clients|198\.51\.100\.11" \
    "meanwhile lvsmonctl gets an answer at once (the table or too many)"
# The silent ones are dropped after 10 s: lvsmonctl works again while the
# flooder still holds its ends.
wait_until 20 lab_field_is "$P" web "$R1" state up
ok $? "within 20 s lvsmonctl show works again (silent clients dropped)"
kill -0 "$silent" 2>/dev/null
ok $? "... while the flooder still holds its $N connections"
health()
{
	awk -v t0="$t0" '$3 == "/health" && $1 >= t0 {
		printf "%.0f\n", $1 * 1000 }' "$(lab_rs_access "$P" 1)"
}
gaps_ok "rs1's checks during the flood" 500 50 < <(health)
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null

shows=()
# 2. N clients asking "show" at once (20 processes of 50): each answer is
# the table or an error, none waits forever.
for ((k = 0; k < 20; k++)); do
	perl -MIO::Socket::UNIX -MIO::Select -e '
		my ($path, $n) = @ARGV;
		my (@s, %buf, $full, $busy, $nocon, $other);
		for (1 .. $n) {
			my $s = IO::Socket::UNIX->new(Peer => $path) or
			    do { $nocon++; next };
			syswrite($s, "show\n");
			push @s, $s;
		}
		my $sel = IO::Select->new(@s);
		my $end = time + 90;
		while ($sel->count && time < $end) {
			for my $s ($sel->can_read(1)) {
				my $r = sysread($s, my $b, 65536);
				if ($r) { $buf{$s} .= $b; next }
				$sel->remove($s);
				my $t = $buf{$s} // "";
				if ($t =~ /^ok\n.*198\.51\.100\.11/s) { $full++ }
				elsif ($t =~ /too many|try again/) { $busy++ }
				else { $other++ }
			}
		}
		$other += $sel->count;	# no answer within 90 s
		printf "%d %d %d %d\n", $full // 0, $busy // 0, $nocon // 0,
		    $other // 0;
	' "$SOCK" 50 >"$D/show.$k" 2>&1 &
	_lab_track "$P" $!
	shows+=($!)
done
wait "${shows[@]}"
read -r full busy nocon other < <(cat "$D"/show.* | awk '{ f += $1;
    b += $2; c += $3; o += $4 } END { print f + 0, b + 0, c + 0, o + 0 }')
note "$N concurrent show: $full tables, $busy told to try again," \
    "$nocon refused by the kernel (listen backlog full), $other other"
is "$other" 0 "none of $N concurrent clients was left without an answer" \
    "or got a garbled one"
between "$full" 1 "$N" "and some got the table ($full)"
check "lvsmond is alive" lab_daemon_alive "$P"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM (no leak)"
