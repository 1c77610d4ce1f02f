# t/lab.sh - a throw-away LVS-NAT cluster in network namespaces, sourced by
# the e2e tests and by t/demo.sh.  Picture and walkthrough: t/README.md.
#
#   PREFIX-cli  eth0 192.0.2.2/24  2001:db8:1::2/64
#               routes 203.0.113.0/24, 2001:db8:ff::/64 via the director
#        |  veth
#   PREFIX-dir  cli0 192.0.2.1/24  2001:db8:1::1/64
#               br0  198.51.100.1/24  2001:db8:2::1/64  (bridge, ports rsN)
#               forwarding on; lvsmond runs here, nft table inet lvsmon
#        |  veth per real, on br0
#   PREFIX-rsN  eth0 198.51.100.(10+N)/24  2001:db8:2::(10+N)/64
#               default routes via the director (NAT mode: replies return
#               through it); rsd listens on port 8080
#
# Functions (PREFIX is short: interface names stay well under 15 chars,
# namespace names are PREFIX-cli, PREFIX-dir, PREFIX-rs1..N):
#   lab_prefix                    a prefix unique to this run ("l<pid>")
#   lab_up PREFIX NREAL           build it (and register cleanup on exit)
#   lab_down PREFIX               stop what the lab started, delete its
#                                 namespaces and files; idempotent
#   lab_dir PREFIX                its directory (logs, pid files, socket)
#   lab_rs_addr I [6]             real I's address (v4, or v6 with "6")
#   lab_rs_start PREFIX I [ARGS]  rsd -n rsI on both addresses, port 8080,
#                                 returns once it listens; ARGS go to rsd
#   lab_rs_stop PREFIX I          SIGTERM it and wait until it is gone
#   lab_rs_health PREFIX I ok|fail  rsd's /health answers 200 or 503
#   lab_rs_access PREFIX I        rsd's access log (one line per request)
#   lab_exec PREFIX NS CMD...     CMD inside PREFIX-NS (cli, dir, rs1...)
#   lab_tally PREFIX ARGS...      t/tools/tally in the client namespace
#   lab_tally_in PREFIX NS ARGS...  the same in another (dir, rs1...)
#   lab_count OUTPUT NAME         NAME's count in tally's OUTPUT (0 if none)
#   lab_conf_global PREFIX [BACKEND]  the config's global block for this lab
#   lab_daemon_start PREFIX CONF [ARGS]  lvsmond -n -f CONF ARGS in the
#                                 director namespace, stderr to lab_log;
#                                 returns once the control socket answers
#   lab_daemon_stop PREFIX        SIGTERM it, wait, return its exit status
#   lab_daemon_alive PREFIX       is it still running?
#   lab_log PREFIX                the daemon's log file
#   lab_ctl PREFIX ARGS...        lvsmonctl -s SOCKET ARGS
#   lab_events_start PREFIX FILE [--json]  "lvsmonctl events" into FILE in
#                                 the background (stopped by lab_down)
#   lab_field PREFIX SVC SERVER FIELD  one field of one real from
#                                 "show --json" ("null" for JSON null;
#                                 a.b for a nested one)
#   lab_field_is PREFIX SVC SERVER FIELD WANT   the same as a test
#   lab_wait_state PREFIX SECS SVC STATE SERVER...  wait until all are STATE
#   lab_wait_log PREFIX SECS REGEX  wait until the daemon's log matches
#   lab_nft PREFIX ARGS...        nft in the director namespace
#
# Needs root.  LVSMON_BUILD (default: this tree's build/) holds lvsmond,
# lvsmonctl and t/tools/; if the tools are not built yet they are compiled
# from t/tools/*.c with cc.  LAB_KEEP=1 keeps the lab's files after
# lab_down (the namespaces are always deleted).

LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${LVSMON_BUILD:=$LAB_SRC/build}"
LAB_TMP=${LAB_TMP:-${TMPDIR:-/tmp}}
LAB_VIP4=203.0.113.10
LAB_VIP6=2001:db8:ff::10
LAB_RS_PORT=8080
LAB_PREFIXES=()

lab_prefix()
{
	echo "l$$"
}

lab_dir()
{
	echo "$LAB_TMP/lvsmon-lab-$1"
}

lab_rs_addr()
{
	if [ "${2:-}" = 6 ]; then
		echo "2001:db8:2::$((10 + $1))"
	else
		echo "198.51.100.$((10 + $1))"
	fi
}

# The path of a test tool: the build's, else compiled here from source.
_lab_tool()
{
	local name=$1 out
	if [ -x "$LVSMON_BUILD/t/tools/$name" ]; then
		echo "$LVSMON_BUILD/t/tools/$name"
		return
	fi
	out="$LAB_TMP/lvsmon-lab-tools/$name"
	if [ ! -x "$out" ] || [ "$LAB_SRC/t/tools/$name.c" -nt "$out" ]; then
		mkdir -p "$LAB_TMP/lvsmon-lab-tools"
		cc -std=c11 -D_GNU_SOURCE -O2 -o "$out.$$" \
		    "$LAB_SRC/t/tools/$name.c" >&2 && mv -f "$out.$$" "$out"
	fi
	echo "$out"
}

_lab_wait()
{
	local secs=$1 end; shift
	end=$((${EPOCHREALTIME/./} + secs * 1000000))
	until "$@"; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return 1
		sleep 0.05
	done
}

lab_exec()
{
	local p=$1 ns=$2; shift 2
	ip netns exec "$p-$ns" "$@"
}

# Remember a background process so lab_down stops it.
_lab_track()
{
	echo "$2" >>"$(lab_dir "$1")/pids"
}

_lab_sysctl()
{
	ip netns exec "$1" sysctl -qw "$2" >/dev/null
}

lab_up()
{
	local p=$1 n=$2 i ns dir
	dir=$(lab_dir "$p")
	lab_down "$p"
	mkdir -p "$dir" || return 1
	: >"$dir/pids"
	LAB_PREFIXES+=("$p")
	_lab_register_exit

	for ns in cli dir $(for ((i = 1; i <= n; i++)); do echo "rs$i"; done)
	do
		ip netns add "$p-$ns" || return 1
		ip -n "$p-$ns" link set lo up
		# No duplicate address detection: addresses work at once.
		_lab_sysctl "$p-$ns" net.ipv6.conf.all.accept_dad=0
		_lab_sysctl "$p-$ns" net.ipv6.conf.default.accept_dad=0
		_lab_sysctl "$p-$ns" net.ipv4.conf.all.rp_filter=0
		_lab_sysctl "$p-$ns" net.ipv4.conf.default.rp_filter=0
	done
	_lab_sysctl "$p-dir" net.ipv4.ip_forward=1
	_lab_sysctl "$p-dir" net.ipv6.conf.all.forwarding=1

	# client <-> director
	ip -n "$p-cli" link add eth0 type veth peer name cli0 \
	    netns "$p-dir" || return 1
	ip -n "$p-cli" addr add 192.0.2.2/24 dev eth0
	ip -n "$p-cli" addr add 2001:db8:1::2/64 dev eth0 nodad
	ip -n "$p-cli" link set eth0 up
	ip -n "$p-dir" addr add 192.0.2.1/24 dev cli0
	ip -n "$p-dir" addr add 2001:db8:1::1/64 dev cli0 nodad
	ip -n "$p-dir" link set cli0 up
	ip -n "$p-cli" route add 203.0.113.0/24 via 192.0.2.1
	ip -n "$p-cli" route add 2001:db8:ff::/64 via 2001:db8:1::1

	# The VIPs belong to the director, as on a real LVS director (on lo:
	# this kernel has no dummy interfaces).
	ip -n "$p-dir" addr add "$LAB_VIP4/32" dev lo
	ip -n "$p-dir" addr add "$LAB_VIP6/128" dev lo nodad

	# director <-> real servers over a bridge
	ip -n "$p-dir" link add br0 type bridge stp_state 0 forward_delay 0 \
	    mcast_snooping 0 || return 1
	ip -n "$p-dir" addr add 198.51.100.1/24 dev br0
	ip -n "$p-dir" addr add 2001:db8:2::1/64 dev br0 nodad
	ip -n "$p-dir" link set br0 up
	for ((i = 1; i <= n; i++)); do
		ns="$p-rs$i"
		ip -n "$p-dir" link add "rs$i" type veth peer name eth0 \
		    netns "$ns" || return 1
		ip -n "$p-dir" link set "rs$i" master br0 up
		ip -n "$ns" addr add "$(lab_rs_addr "$i")/24" dev eth0
		ip -n "$ns" addr add "$(lab_rs_addr "$i" 6)/64" dev eth0 nodad
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via 198.51.100.1
		ip -n "$ns" -6 route add default via 2001:db8:2::1
	done
	echo "$n" >"$dir/nreal"
	# A veth carries nothing until the kernel's link watcher marks it
	# up, which may take a second: wait for it, so a test's first
	# packets are not dropped.
	_lab_wait 10 _lab_links_up "$p" "$n" || {
		echo "lab: links of $p not up within 10 s" >&2
		return 1
	}
}

_lab_links_up()
{
	local p=$1 n=$2 i
	_lab_link_up "$p-cli" eth0 && _lab_link_up "$p-dir" cli0 &&
	    _lab_link_up "$p-dir" br0 || return 1
	for ((i = 1; i <= n; i++)); do
		_lab_link_up "$p-dir" "rs$i" && _lab_link_up "$p-rs$i" eth0 ||
		    return 1
	done
}

_lab_link_up()
{
	local l
	l=$(ip -n "$1" -br link show dev "$2" 2>/dev/null)
	[[ $l =~ [[:space:]]UP[[:space:]] ]]
}

# Stop the processes we started: SIGTERM, up to 3 s, then SIGKILL.
_lab_kill()
{
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		_lab_wait 3 _lab_gone "$pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	return 0
}

_lab_gone()
{
	! kill -0 "$1" 2>/dev/null
}

lab_down()
{
	local p=$1 dir ns pids
	dir=$(lab_dir "$p")
	if [ -f "$dir/pids" ]; then
		mapfile -t pids <"$dir/pids"
		_lab_kill "${pids[@]}"
		: >"$dir/pids"
	fi
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' |
	    grep "^$p-"); do
		# Anything still inside a namespace of ours was started by us.
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && _lab_kill $pids
		ip netns del "$ns" 2>/dev/null
	done
	if [ -d "$dir" ] && [ -z "${LAB_KEEP:-}" ]; then
		rm -rf "$dir"
	fi
	return 0
}

_lab_exit()
{
	local p log
	for p in "${LAB_PREFIXES[@]}"; do
		log="$(lab_dir "$p")/lvsmond.log"
		# A failed test shows the end of the daemon's log.
		if [ "${T_FAILED:-0}" -gt 0 ] && [ -s "$log" ] &&
		    declare -F diag >/dev/null; then
			diag "--- last lines of $log:"
			diag "$(tail -n 40 "$log")"
		fi
		lab_down "$p"
	done
	LAB_PREFIXES=()
}

_lab_register_exit()
{
	[ -n "${_LAB_EXIT_SET:-}" ] && return
	_LAB_EXIT_SET=1
	if declare -p T_EXIT_HOOKS >/dev/null 2>&1; then
		T_EXIT_HOOKS+=(_lab_exit)	# t/lib.sh runs it on exit
	else
		trap _lab_exit EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
	fi
}

lab_rs_start()
{
	local p=$1 i=$2 dir rsd bg; shift 2
	dir=$(lab_dir "$p")
	rsd=$(_lab_tool rsd) || return 1
	rm -f "$dir/rs$i.pid"
	ip netns exec "$p-rs$i" "$rsd" -n "rs$i" \
	    -l "$(lab_rs_addr "$i"):$LAB_RS_PORT" \
	    -l "[$(lab_rs_addr "$i" 6)]:$LAB_RS_PORT" \
	    -p "$dir/rs$i.pid" -f "$dir/rs$i.fail" -a "$dir/rs$i.access" \
	    "$@" >>"$dir/rs$i.log" 2>&1 &
	bg=$!
	_lab_track "$p" "$bg"
	echo "$bg" >"$dir/rs$i.bg"
	# rsd writes its pid file once it listens.
	_lab_wait 5 test -s "$dir/rs$i.pid"
}

lab_rs_stop()
{
	local p=$1 i=$2 dir
	dir=$(lab_dir "$p")
	[ -f "$dir/rs$i.bg" ] || return 0
	_lab_kill "$(cat "$dir/rs$i.bg")"
	rm -f "$dir/rs$i.bg" "$dir/rs$i.pid"
}

lab_rs_health()
{
	local f
	f="$(lab_dir "$1")/rs$2.fail"
	if [ "$3" = fail ]; then
		touch "$f"
	else
		rm -f "$f"
	fi
}

lab_rs_access()
{
	echo "$(lab_dir "$1")/rs$2.access"
}

lab_tally()
{
	local p=$1; shift
	lab_tally_in "$p" cli "$@"
}

lab_tally_in()
{
	local p=$1 ns=$2 tally; shift 2
	tally=$(_lab_tool tally) || return 1
	ip netns exec "$p-$ns" "$tally" "$@"
}

lab_count()
{
	local n
	n=$(awk -v k="$2" '$1 == k { print $2 }' <<<"$1")
	echo "${n:-0}"
}

lab_nft()
{
	local p=$1; shift
	ip netns exec "$p-dir" nft "$@"
}

lab_sock()
{
	echo "$(lab_dir "$1")/ctl.sock"
}

lab_log()
{
	echo "$(lab_dir "$1")/lvsmond.log"
}

lab_conf_global()
{
	local p=$1 backend=${2:-nft} dir
	dir=$(lab_dir "$p")
	cat <<EOF
global = {
  backend = "$backend";
  control_socket = "$dir/ctl.sock";
  state_file = "$dir/state";
  log_level = "info";
};
EOF
}

lab_ctl()
{
	local p=$1; shift
	"$LVSMON_BUILD/lvsmonctl" -s "$(lab_sock "$p")" "$@"
}

lab_daemon_alive()
{
	local f
	f="$(lab_dir "$1")/lvsmond.bg"
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

lab_daemon_start()
{
	local p=$1 conf=$2 dir bg; shift 2
	dir=$(lab_dir "$p")
	rm -f "$dir/ctl.sock"
	ip netns exec "$p-dir" "$LVSMON_BUILD/lvsmond" -n -f "$conf" "$@" \
	    >>"$dir/lvsmond.log" 2>&1 &
	bg=$!
	_lab_track "$p" "$bg"
	echo "$bg" >"$dir/lvsmond.bg"
	_lab_wait 15 _lab_daemon_ready "$p" && return 0
	echo "lab: lvsmond did not answer on $dir/ctl.sock within 15 s" >&2
	return 1
}

_lab_daemon_ready()
{
	# Give up early if it died.
	lab_daemon_alive "$1" || return 2
	[ -S "$(lab_sock "$1")" ] && lab_ctl "$1" show >/dev/null 2>&1
}

lab_daemon_stop()
{
	local p=$1 f pid rc
	f="$(lab_dir "$p")/lvsmond.bg"
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill -TERM "$pid" 2>/dev/null
	if ! _lab_wait 10 _lab_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	rm -f "$f"
	return "$rc"
}

lab_events_start()
{
	local p=$1 file=$2 bg; shift 2
	# The binary itself, not lab_ctl: $! must be lvsmonctl's pid.
	"$LVSMON_BUILD/lvsmonctl" -s "$(lab_sock "$p")" events "$@" \
	    >"$file" 2>&1 &
	bg=$!
	_lab_track "$p" "$bg"
	# Return once the stream is connected (the daemon then has it before
	# any check that follows can end).
	_lab_wait 5 _lab_stream_connected "$bg"
}

_lab_stream_connected()
{
	kill -0 "$1" 2>/dev/null || return 1
	ss -xpn 2>/dev/null | grep -q "pid=$1,"
}

# lab_field PREFIX SERVICE SERVER FIELD: the field of one real in
# "show --json" (FIELD may be a path: agent.says); "null" for null,
# true/false for booleans.  Fails when the
# service or the real is not there or the output is not JSON.
lab_field()
{
	local p=$1
	lab_ctl "$p" show --json 2>/dev/null | perl -MJSON::PP -e '
		my ($svc, $key, $field) = @ARGV;
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		for my $s (@{$d->{services} || []}) {
			next unless $s->{name} eq $svc;
			for my $r (@{$s->{servers} || []}) {
				my $k = $r->{address} =~ /:/ ?
				    "[$r->{address}]:$r->{port}" :
				    "$r->{address}:$r->{port}";
				next unless $k eq $key;
				my $v = $r;	# "agent.says": a nested field
				$v = ref $v eq "HASH" ? $v->{$_} : undef
				    for split /\./, $field;
				print !defined $v ? "null" :
				    JSON::PP::is_bool($v) ? ($v ? "true" : "false")
				    : $v;
				exit 0;
			}
		}
		exit 1;' "$2" "$3" "$4"
}

# lab_field_is PREFIX SERVICE SERVER FIELD WANT: for wait_until.
lab_field_is()
{
	[ "$(lab_field "$1" "$2" "$3" "$4")" = "$5" ]
}

# lab_wait_state PREFIX SECS SERVICE STATE SERVER...: every SERVER of
# SERVICE is in STATE in "show --json" within SECS seconds.
lab_wait_state()
{
	local p=$1 secs=$2 svc=$3 state=$4; shift 4
	_lab_wait "$secs" _lab_all_in_state "$p" "$svc" "$state" "$@"
}

_lab_all_in_state()
{
	local p=$1 svc=$2 state=$3 s; shift 3
	for s in "$@"; do
		lab_field_is "$p" "$svc" "$s" state "$state" || return 1
	done
}

# lab_wait_log PREFIX SECS REGEX: the daemon's log matches (grep -E).
lab_wait_log()
{
	_lab_wait "$2" grep -qE -- "$3" "$(lab_log "$1")"
}
