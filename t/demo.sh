#!/bin/bash
# t/demo.sh - `make demo`: lvsmon at work in two minutes, in a lab of network
# namespaces (t/lab.sh) that is removed afterwards, also on Ctrl-C.
#
# Each step is a function, so later features (SNMP, Lua checks, alerts) add
# a step and a line in main().  Needs root; runs build/ (LVSMON_BUILD).
T=$(cd "$(dirname "$0")" && pwd)
# Every helper (lab, snmpd) adds its cleanup here; one trap runs them all,
# also on Ctrl-C.
T_EXIT_HOOKS=()
_demo_exit()
{
	local rc=$? h
	for h in "${T_EXIT_HOOKS[@]}"; do
		"$h" || true
	done
	exit "$rc"
}
trap _demo_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# ha.sh brings lab.sh (sourcing lab.sh twice would forget the lab to clean)
. "$T/ha.sh"
. "$T/snmp.sh"
PATH=$PATH:/usr/sbin
SNMP=""

P=demo$$
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
VIP=203.0.113.10:80
STEP=0

if [ -t 1 ]; then
	B=$'\e[1m' DIM=$'\e[2m' N=$'\e[0m'
else
	B="" DIM="" N=""
fi

step()
{
	STEP=$((STEP + 1))
	printf '\n%s== %d. %s%s\n' "$B" "$STEP" "$*" "$N"
}

say()
{
	printf '%s\n' "$*" | fmt -w 78
}

# show a command as the operator would type it, then its output, indented
shown()
{
	printf '%s$ %s%s\n' "$DIM" "$1" "$N"
	shift
	"$@" 2>&1 | sed 's/^/    /'
}

die()
{
	echo "demo: $*" >&2
	exit 1
}

ctl()
{
	lab_ctl "$P" "$@"
}

# print tally's output as bars
bars()
{
	awk '{ printf "    %-5s %4d  ", $1, $2
		for (i = 0; i < $2 / 5; i++) printf "#"; printf "\n" }' <<<"$1"
}

traffic()
{
	local n=$1 out
	out=$(lab_tally "$P" -c "$n" -t 1000 "$VIP")
	say "$n new connections from the client to $VIP; who answered:"
	bars "$out"
}

demo_lab()
{
	step "A lab: one client, one director, three real servers"
	lab_up "$P" 3 || die "could not build the lab (are you root?)"
	for i in 1 2 3; do
		lab_rs_start "$P" "$i" || die "real server $i did not start"
	done
	cat <<EOF
    client $P-cli  192.0.2.2 ----veth---- 192.0.2.1  director $P-dir
                                                  VIP 203.0.113.10, nftables
                                          bridge 198.51.100.1
               +--------------------------+----------------------+
       rs1 198.51.100.11:8080   rs2 198.51.100.12:8080   rs3 198.51.100.13:8080
EOF
	say "Each real server (t/tools/rsd) answers HTTP with its name and has a" \
	    "/health page. The director forwards in NAT mode: the servers' replies" \
	    "go back through it."
}

demo_config()
{
	local global
	step "The configuration"
	CONF=$(lab_dir "$P")/lvsmond.conf
	ALERTS=$(lab_dir "$P")/alerts.txt
	# a private snmpd (its own ports and AgentX socket): the demo never
	# touches a system snmpd
	if command -v snmpd >/dev/null && snmp_up >/dev/null 2>&1; then
		SNMP=1
		global=$(snmp_conf_global "$P" auto)
	else
		global=$(lab_conf_global "$P" auto)
	fi
	# and Prometheus metrics on the director's loopback
	global=$(awk '/^};/ && !done {
		print "  metrics = \"127.0.0.1:9580\";"; done = 1 } 1' <<<"$global")
	{ echo "$global"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; protocol = "tcp";
    scheduler = "wrr"; forward = "nat";
    check = { type = "http"; path = "/health"; expect_status = "200-299";
              interval = 1.0; timeout = 0.5; rise = 2; fall = 3; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 100; },
      { address = "198.51.100.12"; port = 8080; weight = 50; },
      # rs3 is checked by a few lines of Lua instead
      { address = "198.51.100.13"; port = 8080; weight = 50;
        check = { type = "lua"; code = "
          function check(t)
            local url = 'http://' .. t.address .. ':' .. t.port .. '/health'
            local status, body = lvsmon.http_get(url, { timeout = 400 })
            if status == 200 then return true, nil, 'lua: healthy' end
            return false, nil, 'lua: ' .. tostring(status or body)
          end"; }; } ); }
);
# a mon-style alert script (t/tools/file.alert writes what mail.alert mails)
alerts = (
  { type = "exec"; command = "$T/tools/file.alert"; args = ["$ALERTS"];
    alertafter = 3; upalert = true; }
);
EOF
	} >"$CONF"
	sed 's/^/    /' "$CONF"
	shown "lvsmond -t -f lvsmond.conf" "$LVSMON_BUILD/lvsmond" -t -f "$CONF"
}

demo_start()
{
	step "Start lvsmond on the director"
	lab_daemon_start "$P" "$CONF" ||
	    { cat "$(lab_log "$P")"; die "lvsmond did not start"; }
	lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3" ||
	    die "the real servers did not come up"
	say "Its log (foreground, -n):"
	sed 's/^/    /' "$(lab_log "$P")"
	shown "lvsmonctl show" ctl show
	say "The kernel's packet core is an nftables table of its own; the" \
	    "weights are a numgen interval map (a slice of 1,000,000 per weight):"
	shown "nft list table inet lvsmon   (three of its maps)" \
	    bash -c "ip netns exec $P-dir nft list table inet lvsmon | awk '
		/^[[:space:]]*map / { m = \$2 }
		/elements = / && m ~ /^(svc4|be_addr4|sched_[0-9]+)\$/ {
			sub(/^[[:space:]]*/, \"\"); print m \": \" \$0 }'"
}

demo_traffic()
{
	step "Traffic is split by weight (100 : 50 : 50)"
	traffic 300
}

demo_failure()
{
	local ev seen
	step "A real server fails: falling, then down after fall = 3 checks"
	ev=$(lab_dir "$P")/events
	lab_events_start "$P" "$ev"
	say "In another terminal: lvsmonctl events. Now rs3's process stops."
	lab_rs_stop "$P" 3
	lab_wait_state "$P" 15 web down "$R3" || die "rs3 did not go down"
	sleep 0.2	# let the kernel batch's "applied" event arrive
	shown "lvsmonctl events" cat "$ev"
	shown "lvsmonctl show" ctl show
	traffic 100
	say "rs3 comes back: after rise = 2 good checks it is up again."
	seen=$(wc -l <"$ev")
	lab_rs_start "$P" 3 || die "rs3 did not restart"
	lab_wait_state "$P" 15 web up "$R3" || die "rs3 did not come back"
	sleep 0.2
	shown "lvsmonctl events   (continued)" tail -n +"$((seen + 1))" "$ev"
}

demo_snmp()
{
	local tool
	[ -n "$SNMP" ] || { step "SNMP (skipped: no snmpd here)"; return; }
	step "The same, polled with SNMP: the LVS-MIB over AgentX"
	say "lvsmond is an AgentX subagent of snmpd. Old pollers keep their" \
	    "OIDs (enterprises.8225.4711, net-snmp-lvs' LVS-MIB); the lvsmon" \
	    "tables add health, admin state, reasons and IPv6."
	tool="snmpwalk -v2c -c public udp:127.0.0.1:$SNMPD_PORT"
	shown "$tool lvsmonRealState" snmp_env snmpwalk -v2c -c public \
	    "udp:127.0.0.1:$SNMPD_PORT" LVS-MIB::lvsmonRealState
	shown "$tool lvsmonRealLastMessage" snmp_env snmpwalk -v2c -c public \
	    "udp:127.0.0.1:$SNMPD_PORT" LVS-MIB::lvsmonRealLastMessage
	shown "snmpget ... .1.3.6.1.4.1.8225.4711.17.1.10.1 (lvsServiceStatsConns)" \
	    snmp_env snmpget -v2c -c public "udp:127.0.0.1:$SNMPD_PORT" \
	    .1.3.6.1.4.1.8225.4711.17.1.10.1
	say "When rs3 failed, snmptrapd received lvsmonRealStateChange:"
	# the trap whose lvsmonRealState.1.3 (.100.3.1.5.1.3) says down
	grep -m1 '8225\.4711\.100\.3\.1\.5\.1\.3 = INTEGER: down' \
	    "$(snmp_traps)" | tr '|' '\n' | sed 1,2d | while read -r oid rest; do
		printf '    %s %s\n' "$(snmp_env snmptranslate "$oid" \
		    2>/dev/null || echo "$oid")" "$rest"
	done | head -14
}

demo_alerts()
{
	step "The alarm, where the NOC already looks"
	say "An unmodified mon-style alert script got the failure after 3 bad" \
	    "checks, and an up-alert when rs3 came back:"
	sed 's/^/    /' "$ALERTS" 2>/dev/null | head -20
}

demo_drain()
{
	local k hold out
	step "Drain rs2: established connections finish, new ones go elsewhere"
	# a 5-second download through the VIP that lands on rs2
	for ((k = 0; k < 20; k++)); do
		hold=$(lab_dir "$P")/hold.$k
		lab_tally "$P" --hold 5 -t 2000 "$VIP" >"$hold" &
		_lab_wait 3 grep -q ' GET /slow' \
		    "$(lab_rs_access "$P" 2)" "$(lab_rs_access "$P" 1)" \
		    "$(lab_rs_access "$P" 3)"
		if grep -q ' GET /slow' "$(lab_rs_access "$P" 2)"; then
			HOLD_PID=$! HOLD=$hold
			break
		fi
		wait $!
		sed -i '/ GET \/slow/d' "$(lab_rs_access "$P" 1)" \
		    "$(lab_rs_access "$P" 3)"
	done
	[ -n "${HOLD_PID:-}" ] || die "no long connection landed on rs2"
	say "A client holds a 5-second download (GET /slow?s=5) from rs2."
	shown "lvsmonctl drain web $R2" ctl drain web "$R2"
	traffic 100
	say "...while the download from rs2 goes on to its end:"
	wait "$HOLD_PID"
	sed 's/^/    /' "$HOLD"
	shown "lvsmonctl enable web $R2" ctl enable web "$R2"
}

demo_weight()
{
	step "Change a weight at run time"
	shown "lvsmonctl set weight web $R1 10" ctl set weight web "$R1" 10
	lab_wait_state "$P" 5 web up "$R1"
	_lab_wait 5 lab_field_is "$P" web "$R1" kernel_weight 10
	say "Weights are now 10 : 50 : 50."
	traffic 300
	shown "lvsmonctl show --json | head -c 400" \
	    bash -c "'$LVSMON_BUILD/lvsmonctl' -s '$(lab_sock "$P")' show --json |
	        head -c 400; echo ..."
}

demo_reload()
{
	step "Reload a changed file: only the difference reaches the kernel"
	sed -i 's/port = 8080; weight = 50; },/port = 8080; weight = 80; },/' \
	    "$CONF"
	say "rs2's weight is now 80 in the file; lvsmonctl reload (or SIGHUP)" \
	    "keeps every server's state, ids and running checks:"
	shown "lvsmonctl reload" ctl reload
	_lab_wait 5 lab_field_is "$P" web "$R2" kernel_weight 80
	shown "lvsmonctl show" ctl show
}

demo_metrics()
{
	step "Prometheus metrics (global.metrics)"
	say "The same state, scraped: GET /metrics on the director (a few series):"
	shown "curl -s http://127.0.0.1:9580/metrics | grep ..." \
	    bash -c "ip netns exec $P-dir curl -s http://127.0.0.1:9580/metrics |
		grep -E '^lvsmon_(real_weight\\{.*kind=\"(configured|kernel)\"|real_state\\{.*\\} 1|real_connections_total|service_quorum_up)'"
}

demo_failover()
{
	local p=demoha$$ d i pid gap fails probe
	step "Director failover: two directors, kill -9 the master"
	ha_up "$p" 2 || { say "(skipped: could not build the failover lab)"
		return; }
	for i in 1 2; do
		lab_rs_start "$p" "$i" || die "failover lab: rs$i did not start"
	done
	d=$(lab_dir "$p")
	ha_conf "$p" 1 150 true "" 0.2 3 >"$d/d1.conf"
	ha_conf "$p" 2 100 true "" 0.2 3 >"$d/d2.conf"
	ha_start "$p" 1 "$d/d1.conf" && ha_start "$p" 2 "$d/d2.conf" ||
	    die "failover lab: lvsmond did not start"
	_lab_wait 10 ha_role_is "$p" 1 master &&
	    _lab_wait 10 ha_role_is "$p" 2 backup ||
	    die "failover lab: no master/backup pair"
	say "A second lab: a client and two directors on one segment, each" \
	    "running lvsmond with the same service and a director block; the" \
	    "VIPs (outside, and the real servers' gateway inside) are held by" \
	    "the master. Heartbeats every 0.2 s, signed with HMAC-SHA256 over a" \
	    "shared key; a peer silent for 3 intervals is dead."
	shown "sed -n '/^director/,/^};/p' d1.conf" \
	    sed -n '/^director/,/^};/p' "$d/d1.conf"
	shown "lvsmonctl role            # on the backup, d2" ha_ctl "$p" 2 role
	ha_watch "$p" cli probe "$HA_VIP4" "$HA_PORT" 20 -r >"$d/probe.out" \
	    2>&1 &
	probe=$!
	_lab_track "$p" "$probe"
	sleep 0.5
	say "The client connects to $HA_VIP4:$HA_PORT every 20 ms. Now" \
	    "kill -9 the master and take its links down (the machine died):"
	pid=$(cat "$d/d1.bg")
	# the shell's own "Killed" notice is not part of the show
	exec 3>&2 2>/dev/null
	kill -KILL "$pid"
	ip -n "$p-d1" link set eth0 down
	ip -n "$p-d1" link set eth1 down
	wait "$pid"
	exec 2>&3 3>&-
	rm -f "$d/d1.bg"
	_lab_wait 10 ha_role_is "$p" 2 master || die "d2 did not take over"
	_lab_wait 20 eval '! kill -0 '"$probe"' 2>/dev/null'
	wait "$probe" 2>/dev/null
	gap=$(sed -n 's/^gap_ms //p' "$d/probe.out")
	fails=$(sed -n 's/^fail //p' "$d/probe.out")
	say "The client could not connect for ${gap:-?} ms (${fails:-?} connects" \
	    "failed); d2 added the VIPs and sent gratuitous ARPs and" \
	    "neighbour advertisements:"
	shown "lvsmonctl role            # on d2, now master" ha_ctl "$p" 2 role
	say "The role change is an event like a real server's: it goes to the" \
	    "alert sinks and as lvsmonDirectorRoleChange to SNMP."
	ha_kill "$p" 2 TERM
	lab_down "$p"
}

demo_import()
{
	local f=$T/import/keepalived/web-nat.conf out
	step "Coming from keepalived: one command"
	[ -r "$f" ] || { say "(skipped: no $f)"; return; }
	say "lvsmonctl import reads a keepalived.conf (or ldirectord.cf, or the" \
	    "running IPVS table) and prints an lvsmond.conf; what has no" \
	    "equivalent comes out as a comment with its file:line. The" \
	    "beginning of one:"
	shown "lvsmonctl import keepalived $f | head -30" \
	    bash -c "'$LVSMON_BUILD/lvsmonctl' import keepalived '$f' |
		head -30"
	out=$(lab_dir "$P")/imported.conf
	"$LVSMON_BUILD/lvsmonctl" import keepalived "$f" >"$out" &&
	    shown "lvsmond -t -f imported.conf" \
	    "$LVSMON_BUILD/lvsmond" -t -f "$out"
}

demo_end()
{
	step "Clean up"
	lab_daemon_stop "$P"
	lab_down "$P"
	say "lvsmond stopped, namespaces and files removed." \
	    "Next: README.md (configuration), t/README.md (tests and the lab)."
}

main()
{
	[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, nftables)"
	[ -x "$LVSMON_BUILD/lvsmond" ] || die "no $LVSMON_BUILD/lvsmond: make"
	demo_lab
	demo_config
	demo_start
	demo_traffic
	demo_failure
	demo_snmp
	demo_alerts
	demo_drain
	demo_weight
	demo_reload
	demo_metrics
	demo_failover
	demo_import
	demo_end
}

main "$@"
