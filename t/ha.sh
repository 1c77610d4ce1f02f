# t/ha.sh - two directors in failover, sourced by t/e2e/ha_*.t and
# bench/failover.  Builds on t/lab.sh (lab_dir, lab_rs_start, lab_down...).
#
#                 PREFIX-sw: br0 (outside)            br1 (inside)
#   PREFIX-cli eth0 192.0.2.10/24  2001:db8:1::10/64
#   PREFIX-d1  eth0 192.0.2.1/24   2001:db8:1::1/64   eth1 198.51.100.2/24
#   PREFIX-d2  eth0 192.0.2.2/24   2001:db8:1::2/64   eth1 198.51.100.3/24
#   PREFIX-rsN                                        eth0 198.51.100.1N/24
#                                                     default via .1
#
# VIPs: 192.0.2.100/24 and 2001:db8:1::100/64 on eth0 (what the client
# connects to) and 198.51.100.1/24 on eth1: the real servers' gateway, so
# NAT replies return through whichever director is master (keepalived's
# "inside VIP").  Heartbeats go over eth0.  Both directors run lvsmond with
# the nft backend and the same service (192.0.2.100:80 -> rsN:8080).
#
# Functions:
#   ha_up PREFIX NREAL            build it (cleanup registered on exit)
#   ha_conf PREFIX I PRIO PREEMPT [EXTRA] [INTERVAL] [DEAD]
#                                 director I's config on stdout (EXTRA:
#                                 more director keys; $HA_GLOBAL_EXTRA:
#                                 more global keys; $HA_BACKEND: the
#                                 backend, default nft)
#   ha_start PREFIX I CONF        lvsmond in PREFIX-dI, returns once its
#                                 control socket answers
#   ha_kill PREFIX I [SIG]        signal it (default KILL) and reap it
#   ha_ctl PREFIX I ARGS...       lvsmonctl against director I
#   ha_role PREFIX I              its role ("master", "backup"...)
#   ha_role_is PREFIX I ROLE      the same as a condition
#   ha_has_vip PREFIX I           does dI hold 192.0.2.100 now?
#   ha_watch PREFIX NS ARGS...    t/tools/hawatch in PREFIX-NS
#   ha_log PREFIX I               director I's log file
HA_VIP4=192.0.2.100
HA_VIP6=2001:db8:1::100
HA_INSIDE=198.51.100.1
HA_PORT=80

. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

_ha_veth()	# _ha_veth P NS IF SWPORT BRIDGE
{
	ip -n "$1-$2" link add "$3" type veth peer name "$4" \
	    netns "$1-sw" || return 1
	ip -n "$1-sw" link set "$4" master "$5" up
	ip -n "$1-$2" link set "$3" up
}

ha_up()
{
	local p=$1 n=$2 i ns dir
	dir=$(lab_dir "$p")
	lab_down "$p"
	mkdir -p "$dir" || return 1
	: >"$dir/pids"
	LAB_PREFIXES+=("$p")
	_lab_register_exit
	head -c 32 /dev/urandom | base64 >"$dir/ha.key"
	head -c 32 /dev/urandom | base64 >"$dir/wrong.key"
	for ns in sw cli d1 d2 $(for ((i = 1; i <= n; i++)); do
	    echo "rs$i"; done); do
		ip netns add "$p-$ns" || return 1
		ip -n "$p-$ns" link set lo up
		_lab_sysctl "$p-$ns" net.ipv6.conf.all.accept_dad=0
		_lab_sysctl "$p-$ns" net.ipv6.conf.default.accept_dad=0
		_lab_sysctl "$p-$ns" net.ipv4.conf.all.rp_filter=0
		_lab_sysctl "$p-$ns" net.ipv4.conf.default.rp_filter=0
	done
	for ns in d1 d2; do
		_lab_sysctl "$p-$ns" net.ipv4.ip_forward=1
		_lab_sysctl "$p-$ns" net.ipv6.conf.all.forwarding=1
	done
	for i in 0 1; do
		ip -n "$p-sw" link add "br$i" type bridge stp_state 0 \
		    forward_delay 0 mcast_snooping 0 || return 1
		ip -n "$p-sw" link set "br$i" up
	done
	_ha_veth "$p" cli eth0 c0 br0 || return 1
	ip -n "$p-cli" addr add 192.0.2.10/24 dev eth0
	ip -n "$p-cli" addr add 2001:db8:1::10/64 dev eth0 nodad
	for i in 1 2; do
		_ha_veth "$p" "d$i" eth0 "d${i}o" br0 || return 1
		_ha_veth "$p" "d$i" eth1 "d${i}i" br1 || return 1
		ip -n "$p-d$i" addr add "192.0.2.$i/24" dev eth0
		ip -n "$p-d$i" addr add "2001:db8:1::$i/64" dev eth0 nodad
		ip -n "$p-d$i" addr add "198.51.100.$((1 + i))/24" dev eth1
	done
	for ((i = 1; i <= n; i++)); do
		_ha_veth "$p" "rs$i" eth0 "r$i" br1 || return 1
		ip -n "$p-rs$i" addr add "$(lab_rs_addr "$i")/24" dev eth0
		ip -n "$p-rs$i" addr add "$(lab_rs_addr "$i" 6)/64" dev eth0 \
		    nodad
		ip -n "$p-rs$i" route add default via "$HA_INSIDE"
	done
	echo "$n" >"$dir/nreal"
	_lab_wait 10 _ha_links_up "$p" "$n" || {
		echo "ha: links of $p not up within 10 s" >&2
		return 1
	}
}

_ha_links_up()
{
	local p=$1 n=$2 i
	_lab_link_up "$p-cli" eth0 || return 1
	for i in 1 2; do
		_lab_link_up "$p-d$i" eth0 && _lab_link_up "$p-d$i" eth1 ||
		    return 1
	done
	for ((i = 1; i <= n; i++)); do
		_lab_link_up "$p-rs$i" eth0 || return 1
	done
}

ha_conf()
{
	local p=$1 i=$2 prio=$3 preempt=$4 extra=${5:-} interval=${6:-0.2}
	local dead=${7:-3} dir n r other
	dir=$(lab_dir "$p")
	n=$(cat "$dir/nreal")
	other=$((3 - i))
	cat <<-CONF
	global = {
	  backend = "${HA_BACKEND:-nft}";
	  control_socket = "$dir/d$i.sock";
	  state_file = "$dir/d$i.state";
	  log_level = "info";
	  ${HA_GLOBAL_EXTRA:-}
	};
	director = {
	  priority = $prio;
	  preempt = $preempt;
	  peers = ("192.0.2.$other");
	  interface = "eth0";
	  vips = ("$HA_VIP4/24", "$HA_VIP6/64", "$HA_INSIDE/24 dev eth1");
	  interval = $interval;
	  dead = $dead;
	  key_file = "$dir/ha.key";
	  announce = 3;
	  announce_interval = 0.1;
	  $extra
	};
	services = (
	  { name = "web"; address = "$HA_VIP4"; port = $HA_PORT;
	    protocol = "tcp"; scheduler = "rr"; forward = "nat";
	    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
	    real_servers = (
	CONF
	for ((r = 1; r <= n; r++)); do
		printf '      { address = "%s"; port = 8080; }%s\n' \
		    "$(lab_rs_addr "$r")" "$([ "$r" -lt "$n" ] && echo ,)"
	done
	printf '    );\n  }\n);\n'
}

ha_sock()
{
	echo "$(lab_dir "$1")/d$2.sock"
}

ha_log()
{
	echo "$(lab_dir "$1")/d$2.log"
}

ha_ctl()
{
	local p=$1 i=$2; shift 2
	"$LVSMON_BUILD/lvsmonctl" -s "$(ha_sock "$p" "$i")" "$@"
}

ha_alive()
{
	local f
	f="$(lab_dir "$1")/d$2.bg"
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

_ha_ready()
{
	ha_alive "$1" "$2" || return 2
	[ -S "$(ha_sock "$1" "$2")" ] && ha_ctl "$1" "$2" role >/dev/null 2>&1
}

ha_start()
{
	local p=$1 i=$2 conf=$3 dir bg
	dir=$(lab_dir "$p")
	rm -f "$(ha_sock "$p" "$i")"
	ip netns exec "$p-d$i" "$LVSMON_BUILD/lvsmond" -n -f "$conf" \
	    >>"$dir/d$i.log" 2>&1 &
	bg=$!
	_lab_track "$p" "$bg"
	echo "$bg" >"$dir/d$i.bg"
	_lab_wait 15 _ha_ready "$p" "$i" && return 0
	echo "ha: lvsmond d$i did not answer within 15 s" >&2
	return 1
}

ha_kill()
{
	local p=$1 i=$2 sig=${3:-KILL} f pid
	f="$(lab_dir "$p")/d$i.bg"
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill "-$sig" "$pid" 2>/dev/null
	_lab_wait 10 _lab_gone "$pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$f"
	return 0
}

ha_role()
{
	ha_ctl "$1" "$2" role 2>/dev/null |
	    sed -n 's/^director: \([a-z]*\) since.*/\1/p'
}

ha_role_is()
{
	[ "$(ha_role "$1" "$2")" = "$3" ]
}

ha_has_vip()
{
	ip -n "$1-d$2" -4 -o addr show dev eth0 2>/dev/null |
	    grep -q " $HA_VIP4/"
}

ha_watch()
{
	local p=$1 ns=$2; shift 2
	ip netns exec "$p-$ns" "$LVSMON_BUILD/t/tools/hawatch" "$@"
}
