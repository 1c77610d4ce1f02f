# t/ecmp.sh - a lab of two active lvsmon directors behind a router that
# runs BIRD 2 and spreads flows over them by ECMP; sourced after t/lab.sh
# by t/e2e/ecmp_*.t and bench/scaleout.
#
#   P-cli  eth0 192.0.2.2/26, default via the router
#     |
#   P-rtr  cli0 192.0.2.1/26; da 192.0.2.65/30; db 192.0.2.69/30
#          BIRD (director/examples/bird2-router.conf): BGP with both
#          directors, their VIP routes merged into one ECMP route;
#          fib_multipath_hash_policy=1 (hash on the 5-tuple)
#     |                    |
#   Pa-dir up0 .66/30     Pb-dir up0 .70/30   default via the router
#          be0 198.51.100.1/24   be0 198.51.100.2/24  (on P-sw's bridge)
#          hc0 192.0.2.129/26    hc0 192.0.2.129/26   (to Pa-hc / Pb-hc)
#          BIRD (director/examples/bird2-director.conf): kernel table
#          100 -> BGP; lvsmond (nft, announce table 100); table ip
#          ecmplab: masquerade toward the reals (so a real answers the
#          director that sent it the flow), a "new flow" counter, and a
#          switch that cuts this director's health checks (port 8081)
#     |                    |
#   P-sw   br0: ports a, b, rs1..rsN
#   P-rsI  eth0 198.51.100.(10+I)/24; rsd on 8080 (service) and 8081
#          (health check)
#   Pa-hc, Pb-hc  eth0 192.0.2.130..135/26 via their director: the same
#          5-tuple sent to one director or the other, bypassing the
#          router (the hashing test)
#
# Functions:
#   ecmp_up P NREAL          build it (cleanup registered with t/lab.sh)
#   ecmp_conf P D [EXTRA]    lvsmond.conf of director D (a|b); EXTRA is
#                            inserted in the service block
#   ecmp_start P D [EXTRA]   write the config and start lvsmond in Pd-dir
#   ecmp_bird_start P        BIRD in the router and both directors
#   ecmp_router_hops P       the VIP's next hops in the router's kernel
#                            table, one per line (sorted)
#   ecmp_checks P D cut|ok   cut (or restore) D's health checks
#   ecmp_new_flows P D       new flows to the VIP that D has seen
# The directors are lab prefixes of their own ("${P}a", "${P}b"): lab_ctl,
# lab_log, lab_field... work with them.

ECMP_VIP=203.0.113.10

_ecmp_ns()
{
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	_lab_sysctl "$1" net.ipv6.conf.all.accept_dad=0
	_lab_sysctl "$1" net.ipv4.conf.all.rp_filter=0
	_lab_sysctl "$1" net.ipv4.conf.default.rp_filter=0
}

# _ecmp_veth NS1 IF1 NS2 IF2
_ecmp_veth()
{
	ip -n "$1" link add name "$2" type veth peer name "$4" netns "$3" &&
	    ip -n "$1" link set dev "$2" up && ip -n "$3" link set dev "$4" up
}

ecmp_up()
{
	local p=$1 n=$2 i d sub up hc
	for d in "$p" "${p}a" "${p}b"; do
		lab_down "$d"
		mkdir -p "$(lab_dir "$d")" || return 1
		: >"$(lab_dir "$d")/pids"
		LAB_PREFIXES+=("$d")
	done
	_lab_register_exit

	_ecmp_ns "$p-cli" && _ecmp_ns "$p-rtr" && _ecmp_ns "$p-sw" || return 1
	_lab_sysctl "$p-rtr" net.ipv4.ip_forward=1
	_lab_sysctl "$p-rtr" net.ipv4.fib_multipath_hash_policy=1
	_ecmp_veth "$p-cli" eth0 "$p-rtr" cli0 || return 1
	ip -n "$p-cli" addr add 192.0.2.2/26 dev eth0
	ip -n "$p-cli" route add default via 192.0.2.1
	ip -n "$p-rtr" addr add 192.0.2.1/26 dev cli0
	ip -n "$p-sw" link add br0 type bridge stp_state 0 forward_delay 0 \
	    mcast_snooping 0 || return 1
	ip -n "$p-sw" link set br0 up

	for d in a b; do
		if [ $d = a ]; then sub=64 be=1; else sub=68 be=2; fi
		_ecmp_ns "$p$d-dir" && _ecmp_ns "$p$d-hc" || return 1
		_lab_sysctl "$p$d-dir" net.ipv4.ip_forward=1
		_ecmp_veth "$p-rtr" "d$d" "$p$d-dir" up0 || return 1
		ip -n "$p-rtr" addr add "192.0.2.$((sub + 1))/30" dev "d$d"
		ip -n "$p$d-dir" addr add "192.0.2.$((sub + 2))/30" dev up0
		ip -n "$p$d-dir" route add default via "192.0.2.$((sub + 1))"
		_ecmp_veth "$p-sw" "$d" "$p$d-dir" be0 || return 1
		ip -n "$p-sw" link set dev "$d" master br0
		ip -n "$p$d-dir" addr add "198.51.100.$be/24" dev be0
		_ecmp_veth "$p$d-hc" eth0 "$p$d-dir" hc0 || return 1
		ip -n "$p$d-dir" addr add 192.0.2.129/26 dev hc0
		for i in 130 131 132 133 134 135; do
			ip -n "$p$d-hc" addr add "192.0.2.$i/26" dev eth0
		done
		ip -n "$p$d-hc" route add default via 192.0.2.129
		ip netns exec "$p$d-dir" nft -f - <<NFT || return 1
table ip ecmplab {
	set cut { type inet_service; }
	chain pre {
		type filter hook prerouting priority -150;
		ip daddr $ECMP_VIP tcp flags syn ct state new counter
	}
	chain out {
		type filter hook output priority 0;
		ip daddr 198.51.100.0/24 tcp dport @cut drop
	}
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "be0" masquerade
	}
}
NFT
	done
	for ((i = 1; i <= n; i++)); do
		_ecmp_ns "$p-rs$i" || return 1
		_ecmp_veth "$p-sw" "rs$i" "$p-rs$i" eth0 || return 1
		ip -n "$p-sw" link set "rs$i" master br0
		ip -n "$p-rs$i" addr add "$(lab_rs_addr "$i")/24" dev eth0
		ip -n "$p-rs$i" addr add "$(lab_rs_addr "$i" 6)/64" dev eth0 \
		    nodad
	done
	echo "$n" >"$(lab_dir "$p")/nreal"
	_lab_wait 10 _ecmp_links_up "$p" "$n" || {
		echo "ecmp: links of $p not up within 10 s" >&2
		return 1
	}
}

_ecmp_links_up()
{
	local p=$1 n=$2 i d
	_lab_link_up "$p-cli" eth0 && _lab_link_up "$p-rtr" cli0 || return 1
	for d in a b; do
		_lab_link_up "$p-rtr" "d$d" && _lab_link_up "$p$d-dir" up0 &&
		    _lab_link_up "$p$d-dir" be0 &&
		    _lab_link_up "$p$d-dir" hc0 || return 1
	done
	for ((i = 1; i <= n; i++)); do
		_lab_link_up "$p-rs$i" eth0 || return 1
	done
}

# ecmp_conf P D [EXTRA]: one service, announced, over every real; the
# health check on port 8081 (ecmp_checks cuts it on one director)
ecmp_conf()
{
	local p=$1 d=$2 extra=${3:-} dir n i
	dir=$(lab_dir "$p$d")
	n=$(cat "$(lab_dir "$p")/nreal")
	cat <<CONF
global = {
  backend = "nft";
  control_socket = "$dir/ctl.sock";
  state_file = "$dir/state";
  log_level = "info";
  reconcile_interval = 2;
  announce = { table = 100; protocol = 250; };
};
services = (
  { name = "web"; address = "$ECMP_VIP"; port = 80;
    announce = true;
    $extra
    check = { type = "tcp"; port = 8081; interval = 0.5; timeout = 0.4;
              fall = 1; rise = 1; };
    real_servers = (
CONF
	for ((i = 1; i <= n; i++)); do
		printf '      { address = "%s"; port = 8080; }%s\n' \
		    "$(lab_rs_addr "$i")" "$([ "$i" -lt "$n" ] && echo ,)"
	done
	echo "    ); }"
	echo ");"
}

ecmp_start()
{
	local p=$1 d=$2 conf
	conf="$(lab_dir "$p$d")/lvsmond.conf"
	ecmp_conf "$p" "$d" "${3:-}" >"$conf" || return 1
	lab_daemon_start "$p$d" "$conf"
}

_ecmp_bird()
{
	local ns=$1 conf=$2 sock=$3 pref=$4 bg
	ip netns exec "$ns" bird -c "$conf" -s "$sock" -f \
	    >>"$conf.log" 2>&1 &
	bg=$!
	_lab_track "$pref" "$bg"
	_lab_wait 10 test -S "$sock"
}

ecmp_bird_start()
{
	local p=$1 d ex="$LAB_SRC/director/examples" dir
	dir=$(lab_dir "$p")
	cp "$ex/bird2-router.conf" "$dir/bird-rtr.conf"
	_ecmp_bird "$p-rtr" "$dir/bird-rtr.conf" "$dir/bird-rtr.sock" "$p" ||
	    return 1
	sed 's/192\.0\.2\.66/192.0.2.70/g; s/192\.0\.2\.65/192.0.2.69/g' \
	    "$ex/bird2-director.conf" >"$dir/bird-b.conf"
	cp "$ex/bird2-director.conf" "$dir/bird-a.conf"
	for d in a b; do
		_ecmp_bird "$p$d-dir" "$dir/bird-$d.conf" \
		    "$dir/bird-$d.sock" "$p$d" || return 1
	done
}

# birdc in the router: "show protocols" etc.
ecmp_birdc()
{
	local p=$1; shift
	ip netns exec "$p-rtr" birdc -s "$(lab_dir "$p")/bird-rtr.sock" "$@"
}

ecmp_router_hops()
{
	ip -n "$1-rtr" -4 route show "$ECMP_VIP/32" 2>/dev/null |
	    grep -o 'via 192\.0\.2\.[0-9]*' | awk '{print $2}' | sort
}

ecmp_checks()
{
	local p=$1 d=$2 what=$3
	if [ "$what" = cut ]; then
		ip netns exec "$p$d-dir" nft add element ip ecmplab cut '{ 8081 }'
	else	# restoring checks that were never cut is not an error
		ip netns exec "$p$d-dir" nft delete element ip ecmplab cut \
		    '{ 8081 }' 2>/dev/null || true
	fi
}

ecmp_new_flows()
{
	ip netns exec "$1$2-dir" nft list chain ip ecmplab pre |
	    grep -o 'packets [0-9]*' | awk '{print $2}'
}
