# t/snmp.sh - a private Net-SNMP master agent and trap receiver for the SNMP
# e2e tests (t/e2e/snmp_*.t) and bench/snmp, sourced after t/lib.sh (or
# alone).  Nothing of the system's is used: no port 161/162, no
# /etc/snmp, no /var/lib/snmp, no /var/agentx.
#
#   snmpd      udp:127.0.0.1:SNMPD_PORT (a free port in 20000..29999, out of
#              the kernel's ephemeral range), AgentX master on a Unix socket
#              $SNMP_DIR/agentx/master: a pathname socket, so lvsmond reaches
#              it from inside the lab's director namespace.
#              v2c: community "public" read-only, "private" read-write.
#              v3:  user lvsadmin, authPriv SHA "authpass-123" /
#                   AES "privpass-123" (createUser in the private
#                   snmpd.conf), read-write.
#              Every notification goes to snmptrapd twice: trap2sink (a v2c
#              trap) and informsink (an inform).
#   snmptrapd  udp:127.0.0.1:TRAPD_PORT, one line per notification in
#              $SNMP_DIR/traps.log:
#              "TRAP <oid> = <value>| <oid> = <value>| ..." (sysUpTime.0,
#              snmpTrapOID.0, then the notification's varbinds)
#              (numeric OIDs; enumerations labelled when LVS-MIB.txt is
#              there: "INTEGER: down(1)").
#
# Functions:
#   snmp_need                skip_all unless snmpd, snmptrapd and the
#                            command-line tools are installed
#   snmp_up [DIR]            write the configs under DIR (default: a new
#                            $LAB_TMP/lvsmon-snmp-<pid>), start snmptrapd
#                            and snmpd, return once both answer; registers
#                            snmp_down on exit
#   snmp_down                stop both, remove the directory (kept with
#                            LAB_KEEP=1); idempotent
#   snmpd_start / snmpd_stop stop (SIGTERM, wait) or start snmpd again on
#                            the same port and socket path
#   snmpd_kill               SIGKILL it (a crash: the socket file stays)
#   snmpd_signal SIG         send SIG (STOP, CONT) to snmpd
#   snmpd_pid / snmptrapd_pid
#   snmp_agentx              the AgentX master socket path
#   snmp_conf_block [PING]   "snmp = { agentx = ...; ping_interval = PING; };"
#                            for lvsmond's global block (PING default 1.0)
#   snmp_conf_global P [BACKEND] [PING]  lab_conf_global with that block
#   snmp_v2 TOOL [OPTIONS] [--] ARGS...  TOOL -v2c -c private (read-write)
#                            -On against snmpd, timeout 3 s, 1 retry; TOOL
#                            is snmpget, snmpwalk, snmpbulkwalk, snmpset...;
#                            OPTIONS (-Ir, -Cr50, -t 1) go before the agent
#   snmp_v2ro TOOL ARGS...   the same with the read-only community
#   snmp_v3 TOOL ARGS...     the same as user lvsadmin, authPriv
#   snmp_v3_pass AUTH PRIV TOOL ARGS...   with these passphrases instead
#   snmp_env CMD ARGS...     CMD with the environment that keeps Net-SNMP
#                            away from the system's config, state and MIBs
#   snmp_traps               the trap log's path
#   snmp_wait_subagent SECS  wait until a GET of lvsNumServices.0 (served
#                            only by lvsmond's subagent) answers
#   snmp_value LINE          the value of one "-On" output line
#                            (".1.3... = INTEGER: 5" -> "5"; strings
#                            unquoted, Hex-STRING as "0A 00 00 01")
#   snmp_walk_norm           walk output on stdin -> "OID VALUE" lines
#   snmp_show_oids           "lvsmonctl show --json" on stdin -> the
#                            "OID VALUE" lines the MIB must serve for it
#   snmp_compare WANT GOT [PREFIX]  the differences of two such files
#
# The historical LVS-MIB root and its tables, for the tests:
SNMP_LVS=.1.3.6.1.4.1.8225.4711
SNMP_SVC=$SNMP_LVS.17.1		# lvsServiceEntry
SNMP_REAL=$SNMP_LVS.18.1	# lvsRealEntry

SNMP_V3_USER=lvsadmin
SNMP_V3_AUTH=authpass-123
SNMP_V3_PRIV=privpass-123
SNMP_DIR=""
SNMP_MIBS=""
SNMP_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SNMPD_PORT=""
TRAPD_PORT=""
: "${LAB_TMP:=${TMPDIR:-/tmp}}"

snmp_need()
{
	local c
	for c in snmpd snmptrapd snmpget snmpwalk snmpbulkwalk snmpset; do
		command -v "$c" >/dev/null 2>&1 ||
		    PATH=$PATH:/usr/sbin command -v "$c" >/dev/null 2>&1 ||
		    skip_all "no $c (apt-get install snmpd snmptrapd snmp)"
	done
	PATH=$PATH:/usr/sbin
}

# Through env(1), so that "snmp_env daemon &" leaves $! the daemon's pid.
# Only our MIB directory (LVS-MIB and the test-only IETF stubs, when the
# tree has them): enumerations print as "up(3)", OIDs stay numeric (-On).
snmp_env()
{
	env MIBS="$SNMP_MIBS" MIBDIRS="$SNMP_DIR/mibs" \
	    SNMPCONFPATH="$SNMP_DIR/conf" \
	    SNMP_PERSISTENT_DIR="$SNMP_DIR/persist" "$@"
}

# _snmp_wait SECS CMD...: poll CMD every 50 ms; status 2 from CMD means it
# can never succeed (the daemon died): give up at once.
_snmp_wait()
{
	local secs=$1 end rc; shift
	end=$((${EPOCHREALTIME/./} + secs * 1000000))
	while :; do
		"$@" && return 0
		rc=$?
		[ "$rc" -ne 2 ] || return 1
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.05
	done
}

_snmp_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# Stop one pid of ours: SIGTERM (SIGCONT first: it may be stopped), 3 s,
# then SIGKILL.
_snmp_kill()
{
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	kill -CONT "$pid" 2>/dev/null
	_snmp_wait 3 _snmp_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# Two free UDP ports on 127.0.0.1 in 20000..29999 (not ephemeral: a client
# socket of another test cannot take them in between).
_snmp_free_ports()
{
	perl -MIO::Socket::INET -e '
		my @p;
		for (1 .. 200) {
			my $port = 20000 + int(rand(10000));
			next if grep { $_ == $port } @p;
			my $s = IO::Socket::INET->new(Proto => "udp",
			    LocalAddr => "127.0.0.1", LocalPort => $port)
			    or next;
			push @p, $port;
			last if @p == 2;
		}
		exit 1 unless @p == 2;
		print "@p\n";'
}

_snmp_write_conf()
{
	local d=$SNMP_DIR
	mkdir -p "$d/agentx" "$d/persist" "$d/conf" "$d/mibs" "$d/trapd" ||
	    return 1
	chmod 0700 "$d/agentx"
	SNMP_MIBS=""
	if [ -f "$SNMP_SRC/LVS-MIB.txt" ]; then
		cp "$SNMP_SRC/LVS-MIB.txt" "$SNMP_SRC"/t/mibs/*.txt "$d/mibs/" \
		    2>/dev/null
		SNMP_MIBS=LVS-MIB
	fi
	cat >"$d/snmpd.conf" <<EOF
agentAddress  udp:127.0.0.1:$SNMPD_PORT
master        agentx
agentXSocket  $d/agentx/master
agentXPerms   0600 0700
agentXTimeout 5
agentXRetries 0
rocommunity   public  127.0.0.1
rwcommunity   private 127.0.0.1
createUser    $SNMP_V3_USER SHA "$SNMP_V3_AUTH" AES "$SNMP_V3_PRIV"
rwuser        $SNMP_V3_USER priv
trap2sink     udp:127.0.0.1:$TRAPD_PORT public
informsink    udp:127.0.0.1:$TRAPD_PORT public
engineID      lvsmon-test-$$
sysLocation   lvsmon test lab
sysContact    nobody
dontLogTCPWrappersConnects yes
EOF
	cat >"$d/trapd/snmptrapd.conf" <<EOF
snmpTrapdAddr udp:127.0.0.1:$TRAPD_PORT
authCommunity log public
format2 TRAP %V| %v\n
EOF
	cat >"$d/conf/snmp.conf" <<EOF
mibdirs $d/mibs
persistentDir $d/persist
EOF
}

snmp_up()
{
	local try ports
	[ -z "$SNMP_DIR" ] || snmp_down
	SNMP_DIR=${1:-$LAB_TMP/lvsmon-snmp-$$}
	rm -rf "$SNMP_DIR"
	_snmp_register_exit
	# A port taken between our probe and snmpd's bind: try others.
	for try in 1 2 3; do
		ports=$(_snmp_free_ports) || continue
		read -r SNMPD_PORT TRAPD_PORT <<<"$ports"
		_snmp_write_conf || return 1
		_snmptrapd_start && snmpd_start && return 0
		_snmp_kill "$(snmptrapd_pid)"
		_snmp_kill "$(snmpd_pid)"
		echo "snmp: start on ports $ports failed:" \
		    "$(tail -n 3 "$SNMP_DIR/snmpd.log" \
		    "$SNMP_DIR/trapd.log" 2>/dev/null)" >&2
		rm -f "$SNMP_DIR/snmpd.bg" "$SNMP_DIR/trapd.bg"
	done
	return 1
}

snmp_down()
{
	[ -n "$SNMP_DIR" ] || return 0
	_snmp_kill "$(snmpd_pid)"
	_snmp_kill "$(snmptrapd_pid)"
	if [ -z "${LAB_KEEP:-}" ]; then
		rm -rf "$SNMP_DIR"
	fi
	SNMP_DIR=""
}

_snmp_exit()
{
	local f
	if [ "${T_FAILED:-0}" -gt 0 ] && [ -n "$SNMP_DIR" ] &&
	    declare -F diag >/dev/null; then
		for f in snmpd.log traps.log; do
			[ -s "$SNMP_DIR/$f" ] || continue
			diag "--- last lines of $SNMP_DIR/$f:"
			diag "$(tail -n 20 "$SNMP_DIR/$f")"
		done
	fi
	snmp_down
}

_snmp_register_exit()
{
	[ -n "${_SNMP_EXIT_SET:-}" ] && return
	_SNMP_EXIT_SET=1
	if declare -p T_EXIT_HOOKS >/dev/null 2>&1; then
		T_EXIT_HOOKS+=(_snmp_exit)	# t/lib.sh runs it on exit
	else
		trap _snmp_exit EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
}

snmpd_pid()
{
	[ -f "$SNMP_DIR/snmpd.bg" ] && cat "$SNMP_DIR/snmpd.bg"
}

snmptrapd_pid()
{
	[ -f "$SNMP_DIR/trapd.bg" ] && cat "$SNMP_DIR/trapd.bg"
}

snmp_agentx()
{
	echo "$SNMP_DIR/agentx/master"
}

snmp_traps()
{
	echo "$SNMP_DIR/traps.log"
}

# Up means: its own sysUpTime.0 answers over UDP and the AgentX socket is
# there.
_snmpd_ready()
{
	local pid
	pid=$(snmpd_pid) && kill -0 "$pid" 2>/dev/null || return 2
	[ -S "$(snmp_agentx)" ] &&
	    snmp_v2ro snmpget -t 0.3 .1.3.6.1.2.1.1.3.0 >/dev/null 2>&1
}

snmpd_start()
{
	local bg
	[ -n "$SNMP_DIR" ] || return 1
	# -C: no default config files; -I -smux: no SMUX (TCP 199).
	# Not through the function (a subshell would own $!), and never on
	# the test's stdout: prove waits for that pipe to close.
	env MIBS= SNMP_PERSISTENT_DIR="$SNMP_DIR/persist" \
	    snmpd -f -C -c "$SNMP_DIR/snmpd.conf" -I -smux -A \
	    -Lf "$SNMP_DIR/snmpd.log" </dev/null >>"$SNMP_DIR/snmpd.out" 2>&1 &
	bg=$!
	echo "$bg" >"$SNMP_DIR/snmpd.bg"
	_snmp_wait 10 _snmpd_ready && return 0
	echo "snmp: snmpd did not start or answer on" \
	    "udp:127.0.0.1:$SNMPD_PORT within 10 s" >&2
	return 1
}

snmpd_stop()
{
	_snmp_kill "$(snmpd_pid)"
	rm -f "$SNMP_DIR/snmpd.bg"
}

snmpd_kill()
{
	local pid
	pid=$(snmpd_pid) || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$SNMP_DIR/snmpd.bg"
	return 0
}

snmpd_signal()
{
	local pid
	pid=$(snmpd_pid) || return 1
	kill -"$1" "$pid"
}

_snmptrapd_ready()
{
	local pid
	pid=$(snmptrapd_pid) && kill -0 "$pid" 2>/dev/null || return 2
	ss -Hlun "src 127.0.0.1:$TRAPD_PORT" 2>/dev/null | grep -q .
}

_snmptrapd_start()
{
	local bg
	: >"$SNMP_DIR/traps.log"
	# -X: not an AgentX subagent itself; -n: no DNS; -On: numeric OIDs.
	env MIBS="$SNMP_MIBS" MIBDIRS="$SNMP_DIR/mibs" \
	    SNMP_PERSISTENT_DIR="$SNMP_DIR/persist" \
	    snmptrapd -f -C -c "$SNMP_DIR/trapd/snmptrapd.conf" -X -n \
	    -On -Lf "$SNMP_DIR/traps.log" -A </dev/null \
	    >"$SNMP_DIR/trapd.log" 2>&1 &
	bg=$!
	echo "$bg" >"$SNMP_DIR/trapd.bg"
	_snmp_wait 10 _snmptrapd_ready && return 0
	echo "snmp: snmptrapd did not listen on udp:127.0.0.1:$TRAPD_PORT" \
	    "within 10 s" >&2
	return 1
}

snmp_conf_block()
{
	echo "snmp = { agentx = \"$(snmp_agentx)\";" \
	    "ping_interval = ${1:-1.0}; };"
}

snmp_conf_global()
{
	local p=$1 backend=${2:-nft} ping=${3:-1.0} block
	block=$(snmp_conf_block "$ping")
	lab_conf_global "$p" "$backend" |
	    awk -v b="  $block" '/^};/ && !done { print b; done = 1 } 1'
}

# _snmp_tool TOOL AUTH-OPTIONS... -- [OPTIONS...] ARGS...: the tools stop
# reading options at the first word that is not one (the agent), so the
# caller's leading options go before the agent and the rest after it; a
# "--" after the caller's options is dropped ("-5" after the agent is a
# value, not an option).
_snmp_tool()
{
	local tool=$1 opts=() a; shift
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	while [ $# -gt 0 ]; do
		a=$1
		case $a in
		--)	shift; break ;;
		-t|-r|-m|-M|-O|-I|-C|-c|-l|-u|-a|-A|-x|-X|-n|-E|-e)
			opts+=("$a" "$2"); shift 2 ;;
		-*)	opts+=("$a"); shift ;;
		*)	break ;;
		esac
	done
	snmp_env "$tool" -On -t 3 -r 1 "${opts[@]}" \
	    "udp:127.0.0.1:$SNMPD_PORT" "$@"
}

snmp_v2()
{
	local tool=$1; shift
	_snmp_tool "$tool" -v2c -c private -- "$@"
}

snmp_v2ro()
{
	local tool=$1; shift
	_snmp_tool "$tool" -v2c -c public -- "$@"
}

snmp_v3_pass()
{
	local auth=$1 priv=$2 tool=$3; shift 3
	_snmp_tool "$tool" -v3 -l authPriv -u "$SNMP_V3_USER" -a SHA \
	    -A "$auth" -x AES -X "$priv" -- "$@"
}

snmp_v3()
{
	snmp_v3_pass "$SNMP_V3_AUTH" "$SNMP_V3_PRIV" "$@"
}

# The value of one "-On" line: ".1.3.6... = INTEGER: up(1)" -> "up(1)",
# 'STRING: "web"' -> "web", "Hex-STRING: C6 33 64 0B " -> "C6 33 64 0B".
snmp_value()
{
	local v=${1#* = }
	v=${v#*: }
	v=${v%"${v##*[! ]}"}
	[[ $v == \"*\" ]] && v=${v:1:-1}
	echo "$v"
}

_snmp_subagent_ready()
{
	local out
	out=$(snmp_v2ro snmpget -t 0.5 "$SNMP_LVS.2.0" 2>/dev/null)
	[[ $out =~ \ =\ INTEGER:\ [0-9]+ ]]
}

snmp_wait_subagent()
{
	_snmp_wait "$1" _snmp_subagent_ready
}

# snmp_walk_norm: "-On" walk output on stdin -> "OID VALUE" lines, the
# value without its type ("INTEGER: up(3)" -> "up(3)", strings unquoted,
# Hex-STRING without the trailing blank).  Lines that are not a varbind
# ("No more variables ...") are dropped.
snmp_walk_norm()
{
	perl -ne '
		next unless /^(\.[0-9.]+) = (.*)$/;
		my ($o, $v) = ($1, $2);
		$v =~ s/^[A-Za-z0-9-]+: ?// unless $v =~ /^""$/;
		$v =~ s/^"(.*)"$/$1/;
		$v =~ s/\s+$//;
		print "$o $v\n";'
}

# snmp_show_oids: "lvsmonctl show --json" on stdin -> the "OID VALUE"
# lines the MIB must serve for it (mib/README.md's OID map): every
# service and real in the lvsmon tables, the IPv4 ones in the historical
# tables too.  An enumeration whose number the test does not know is
# written "label(?)" (snmp_compare accepts any number there), a live number
# in a message (a connect time) as "<N>" (any number).
snmp_show_oids()
{
	perl -MJSON::PP -MSocket=inet_pton,AF_INET,AF_INET6 -e '
		my ($root) = @ARGV;
		my $d = decode_json(join "", <STDIN>);
		my %proto = (tcp => "tcp(6)", udp => "udp(17)");
		my %fwd = (nat => "nat(1)", dr => "dr(2)", tun => "tun(3)");
		my %hfwd = (nat => "masq(0)", tun => "tunnel(2)",
		    dr => "route(3)");
		my %state = (down => 1, rising => 2, up => 3, falling => 4);
		my %admin = (enabled => 1, disabled => 2, drain => 3);
		sub hex_of {
			my $a = shift;
			my $six = $a =~ /:/;
			my $b = inet_pton($six ? AF_INET6 : AF_INET, $a);
			return ($six ? "ipv6(2)" : "ipv4(1)",
			    join " ", map { sprintf "%02X", $_ }
			    unpack "C*", $b);
		}
		sub out { print "$root.$_[0] $_[1]\n" }
		sub num { defined $_[0] ? $_[0] : -1 }
		for my $s (@{$d->{services}}) {
			my $S = $s->{id};
			my ($t, $h) = hex_of($s->{address});
			my @r = @{$s->{servers}};
			out("100.2.1.2.$S", $s->{name});
			out("100.2.1.3.$S", $t);
			out("100.2.1.4.$S", $h);
			out("100.2.1.5.$S", $s->{port});
			out("100.2.1.6.$S", $proto{$s->{protocol}});
			out("100.2.1.7.$S", $s->{scheduler});
			out("100.2.1.8.$S", $fwd{$s->{forward}});
			out("100.2.1.9.$S", scalar @r);
			out("100.2.1.11.$S", $s->{quorum} eq "ok" ?
			    "ok(1)" : "lost(2)");
			my $v4 = $t eq "ipv4(1)";
			if ($v4) {
				out("17.1.1.$S", $S);
				out("17.1.2.$S", $s->{scheduler});
				out("17.1.3.$S", $proto{$s->{protocol}});
				out("17.1.4.$S", $s->{address});
				out("17.1.5.$S", $s->{port});
				out("17.1.9.$S", scalar @r);
			}
			for my $r (@r) {
				my $i = "$S.$r->{id}";
				my ($rt, $rh) = hex_of($r->{address});
				out("100.3.1.2.$i", $rt);
				out("100.3.1.3.$i", $rh);
				out("100.3.1.4.$i", $r->{port});
				out("100.3.1.5.$i",
				    "$r->{state}($state{$r->{state}})");
				out("100.3.1.7.$i",
				    "$r->{admin}($admin{$r->{admin}})");
				out("100.3.1.8.$i", $r->{weight});
				out("100.3.1.9.$i", $r->{config_weight});
				out("100.3.1.10.$i", $r->{effective_weight});
				out("100.3.1.11.$i", num($r->{kernel_weight}));
				out("100.3.1.12.$i", $r->{check});
				out("100.3.1.13.$i", lc($r->{reason}) . "(?)");
				# the connect time moves between runs:
				# any number there ("<N>", snmp_compare)
				(my $m = $r->{message}) =~
				    s/\bin \d+ ms\b/in <N> ms/g;
				out("100.3.1.14.$i", $m);
				out("100.3.1.18.$i", $r->{changes});
				out("100.3.1.32.$i", num($r->{check_weight}));
				next unless $v4;
				out("18.1.1.$i", $S);
				out("18.1.2.$i", $r->{id});
				out("18.1.3.$i", $r->{address});
				out("18.1.4.$i", $r->{port});
				out("18.1.5.$i", $hfwd{$s->{forward}});
				out("18.1.6.$i", $r->{effective_weight});
			}
		}' "$SNMP_LVS"
}

# snmp_compare WANT GOT [PREFIX]: every "OID VALUE" line of file WANT whose
# OID starts with PREFIX (an OID under the LVS root, e.g. 100.3.1) has the
# same value in file GOT.  Prints one line per difference, nothing when
# all match.
snmp_compare()
{
	perl -e '
		my ($want, $got, $pre) = @ARGV;
		my %g;
		open my $G, "<", $got or die "$got: $!";
		while (<$G>) { chomp; my ($o, $v) = split / /, $_, 2;
			$g{$o} = $v // ""; }
		open my $W, "<", $want or die "$want: $!";
		while (<$W>) {
			chomp;
			my ($o, $v) = split / /, $_, 2;
			$v //= "";
			next if $pre ne "" && index($o, $pre) != 0;
			if (!exists $g{$o}) {
				print "$o: missing, want \"$v\"\n";
				next;
			}
			my $re = quotemeta($v);
			$re =~ s/\\\(\\\?\\\)$/\\(\\d+\\)/;
			$re =~ s/\\<N\\>/\\d+/g;
			print "$o: got \"$g{$o}\", want \"$v\"\n"
			    unless $g{$o} =~ /^$re$/;
		}' "$1" "$2" "${3:+$SNMP_LVS.$3}"
}

# Reading the trap log (lines "TRAP oid = value| oid = value| ...").
#   snmp_trap_lines SINCE NOTIFICATION [OID VALUE-REGEX]...  the log's lines
#                            after line SINCE for that notification whose
#                            varbinds match (values unquoted, the type
#                            label dropped), one per line
#   snmp_ntraps SINCE NOTIFICATION [OID REGEX]...   how many
#   snmp_have_traps N SINCE NOTIFICATION [OID REGEX]...  at least N (for
#                            wait_until)
#   snmp_trap_value LINE OID the value of one varbind of a trap line
snmp_trap_lines()
{
	tail -n +"$(($1 + 1))" "$(snmp_traps)" | perl -e '
		my ($n, %want) = @ARGV;
		LINE: while (my $l = <STDIN>) {
			next unless $l =~ /^TRAP /;
			chomp $l;
			my %vb;
			for (split /\| /, substr($l, 5)) {
				my ($o, $v) = /^(\S+) = (?:[\w-]+: ?)?(.*)$/
				    or next;
				$v =~ s/^"(.*)"$/$1/;
				$v =~ s/\s+$//;
				$vb{$o} = $v;
			}
			next unless ($vb{".1.3.6.1.6.3.1.1.4.1.0"} // "")
			    eq $n;
			for my $o (keys %want) {
				next LINE unless defined $vb{$o} &&
				    $vb{$o} =~ /^(?:$want{$o})$/;
			}
			print "$l\n";
		}' "$2" "${@:3}"
}
snmp_ntraps()
{
	snmp_trap_lines "$@" | wc -l
}
snmp_have_traps()
{
	[ "$(snmp_ntraps "${@:2}")" -ge "$1" ]
}
snmp_trap_value()
{
	perl -e 'my ($l, $o) = @ARGV;
		for (split /\| /, $l) {
			next unless /^\Q$o\E = (?:[\w-]+: ?)?(.*)$/;
			my $v = $1; $v =~ s/^"(.*)"$/$1/; $v =~ s/\s+$//;
			print $v; exit 0;
		}
		exit 1;' "$1" "$2"
}
