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
#              "TRAP <oid of the notification>|<oid> = <value>|..."
#              (numeric OIDs, so the tests need no MIB file).
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
#   snmp_v2 TOOL ARGS...     TOOL -v2c -c private (read-write) -On against
#                            snmpd, timeout 2 s, no retry; TOOL is snmpget,
#                            snmpwalk, snmpbulkwalk, snmpset, ...
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
#
# The historical LVS-MIB root and its tables, for the tests:
SNMP_LVS=.1.3.6.1.4.1.8225.4711
SNMP_SVC=$SNMP_LVS.17.1		# lvsServiceEntry
SNMP_REAL=$SNMP_LVS.18.1	# lvsRealEntry

SNMP_V3_USER=lvsadmin
SNMP_V3_AUTH=authpass-123
SNMP_V3_PRIV=privpass-123
SNMP_DIR=""
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
snmp_env()
{
	env MIBS= MIBDIRS="$SNMP_DIR/mibs" SNMPCONFPATH="$SNMP_DIR/conf" \
	    SNMP_PERSISTENT_DIR="$SNMP_DIR/persist" "$@"
}

_snmp_wait()
{
	local secs=$1 end; shift
	end=$((${EPOCHREALTIME/./} + secs * 1000000))
	until "$@"; do
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
	cat >"$d/snmpd.conf" <<EOF
agentAddress  udp:127.0.0.1:$SNMPD_PORT
master        agentx
agentXSocket  $d/agentx/master
agentXPerms   0600 0700
agentXTimeout 1
agentXRetries 1
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
mibs :
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
	echo "snmp: snmpd did not answer on udp:127.0.0.1:$SNMPD_PORT" \
	    "within 10 s" >&2
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
	env MIBS= SNMP_PERSISTENT_DIR="$SNMP_DIR/persist" \
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

_snmp_tool()
{
	local tool=$1; shift
	snmp_env "$tool" -On -t 2 -r 0 "$@"
}

snmp_v2()
{
	local tool=$1; shift
	_snmp_tool "$tool" -v2c -c private \
	    "udp:127.0.0.1:$SNMPD_PORT" "$@"
}

snmp_v2ro()
{
	local tool=$1; shift
	_snmp_tool "$tool" -v2c -c public \
	    "udp:127.0.0.1:$SNMPD_PORT" "$@"
}

snmp_v3_pass()
{
	local auth=$1 priv=$2 tool=$3; shift 3
	_snmp_tool "$tool" -v3 -l authPriv -u "$SNMP_V3_USER" -a SHA \
	    -A "$auth" -x AES -X "$priv" \
	    "udp:127.0.0.1:$SNMPD_PORT" "$@"
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
