# t/scenarios/daemon.sh - lvsmond's end-to-end scenario on a packet core,
# the same for every backend: sourced by t/e2e/daemon_nft.t (this host,
# nftables) and t/vm/tests/ipvs_daemon.t (the IPVS guest).
#
#   . t/lib.sh; . t/lab.sh; . t/scenarios/daemon.sh
#   scenario_daemon BACKEND        runs SCENARIO_DAEMON_TESTS tests
#
# The backend is a parameter: BACKEND goes into the config (the ipvs guest
# passes "auto" and checks the choice itself), and the kernel's table is
# read by the backend's own tool (k_* below: ipvsadm for IPVS, nft for the
# nft backend), never through lvsmond, so each assertion is about what
# the kernel holds or what the traffic did.
#
# What it proves, on one config (web: rs1 weight 1, rs2 weight 2, tcp
# checks every 0.5 s):
#   split by weight      new connections follow 1:2
#   fail / restore       rs2's server stops: down, weight 0 in the kernel
#                        (quiesced, still listed), no new connection to
#                        it; back up: weight 2 again
#   set weight           lvsmonctl set weight 5 reaches the kernel
#   kill -9 + restart    the kernel's table is left as it was, the new
#                        daemon adopts it (nothing removed or re-added),
#                        an established connection completes, rs1's
#                        connection counter is kept
# Needs the lab (t/lab.sh) and a kernel with the backend.

SCENARIO_DAEMON_TESTS=13

# ---- the kernel's table, by the backend's own tool ----

_sc_ipvs_line()	# the ipvsadm -Sn line of real $1 on VIP:80
{
	lab_exec "$SC_P" dir ipvsadm -Sn |
	    awk -v v="$LAB_VIP4:80" -v r="$1" \
	    '$1 == "-a" && $3 == v && $5 == r'
}

# _sc_mark REAL: the nft backend's mark of REAL (be_addr4)
_sc_mark()
{
	local a r=${1%:*} port=${1#*:}
	a=$(lab_nft "$SC_P" list map inet lvsmon be_addr4 2>/dev/null)
	[[ $a =~ (0x[0-9a-f]+)\ :\ ${r//./\\.}\ \.\ $port([^0-9]|$) ]] ||
	    return 1
	echo "${BASH_REMATCH[1]}"
}

# k_weight REAL: the weight the kernel holds for REAL ("-" if none)
k_weight()
{
	local w="" m t
	case $SC_B in
	ipvs)	w=$(_sc_ipvs_line "$1" | awk '{ print $8 }') ;;
	nft)	m=$(_sc_mark "$1") &&
		t=$(lab_nft "$SC_P" list map inet lvsmon be_weight \
		    2>/dev/null) && [[ $t =~ $m\ :\ (0x[0-9a-f]+) ]] &&
		w=$((BASH_REMATCH[1])) ;;
	esac
	echo "${w:--}"
}

# k_weights: "W1 W2" of rs1 and rs2
k_weights()
{
	echo "$(k_weight "$SC_R1") $(k_weight "$SC_R2")"
}

k_weights_are()
{
	[ "$(k_weights)" = "$1" ]
}

# k_table: the kernel's service table without its counters (for "the
# same after a restart")
k_table()
{
	case $SC_B in
	ipvs)	lab_exec "$SC_P" dir ipvsadm -Sn ;;
	nft)	local m
		for m in svc4 svc6 be_addr4 be_addr6 be_weight be_svc; do
			lab_nft "$SC_P" list map inet lvsmon "$m"
		done 2>&1 ;;
	esac
}

# k_conns REAL: connections the kernel scheduled to REAL so far
k_conns()
{
	local n="" m t
	case $SC_B in
	ipvs)	n=$(lab_exec "$SC_P" dir ipvsadm -Ln --stats |
		    awk -v r="$1" '$2 == r { print $3 }') ;;
	nft)	# be_conn counts a connection's first packet per mark
		m=$(_sc_mark "$1") &&
		t=$(lab_nft "$SC_P" list set inet lvsmon be_conn \
		    2>/dev/null) &&
		[[ $t =~ $m\ counter\ packets\ ([0-9]+) ]] &&
		n=${BASH_REMATCH[1]} ;;
	esac
	echo "${n:-0}"
}

# ---- the scenario ----

scenario_daemon()
{
	SC_B=$1
	SC_P=$(lab_prefix)
	SC_R1=198.51.100.11:8080 SC_R2=198.51.100.12:8080
	local p=$SC_P vip=$LAB_VIP4 b=$SC_B d conf out r1 r2
	local table pid c0 c1 rc

	lab_up "$p" 2 || bail_out "cannot build the lab"
	lab_rs_start "$p" 1 && lab_rs_start "$p" 2 ||
	    bail_out "rsd did not start"
	d=$(lab_dir "$p")
	conf=$d/lvsmond.conf
	{ lab_conf_global "$p" "${SC_CONF_BACKEND:-$b}"; cat <<EOF
services = (
  { name = "web"; address = "$vip"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 2; } ); }
);
EOF
	} >"$conf"

	# 1, 2: start, both up, the kernel has 1 and 2
	lab_daemon_start "$p" "$conf"
	ok $? "$b: lvsmond starts" || bail_out "no daemon"
	lab_wait_state "$p" 10 web up "$SC_R1" "$SC_R2"
	wait_until 10 k_weights_are "1 2"
	is "$(k_weights)" "1 2" "$b: the kernel holds rs1 and rs2 with \
weights 1 and 2"

	# 3: split by weight (IPVS wrr is exact, nft random: wide bounds)
	# (60 keeps the emulated guest quick; nft's 1/3 share has a standard
	# deviation of 3.7 in 60, so 10..30 is wider than 2.5 of them)
	out=$(lab_tally "$p" -c 60 "$vip:80")
	r1=$(lab_count "$out" rs1) r2=$(lab_count "$out" rs2)
	[ "$(lab_count "$out" fail)" = 0 ] && [ "$r1" -ge 10 ] &&
	    [ "$r1" -le 30 ] && [ "$r1" -eq $((60 - r2)) ]
	ok $? "$b: 60 connections split about 1:2 (rs1 $r1, rs2 $r2)" ||
	    diag "$out"

	# 4-6: rs2 fails: quiesced, not removed
	lab_rs_stop "$p" 2
	lab_wait_state "$p" 10 web down "$SC_R2"
	ok $? "$b: rs2 goes down when its server stops"
	wait_until 5 k_weights_are "1 0"
	is "$(k_weights)" "1 0" "$b: the kernel keeps rs2 with weight 0 \
(quiesced)"
	out=$(lab_tally "$p" -c 20 -t 1000 "$vip:80")
	is "$(lab_count "$out" rs1) $(lab_count "$out" fail)" "20 0" \
	    "$b: all 20 new connections go to rs1"

	# 7, 8: rs2 back
	lab_rs_start "$p" 2
	lab_wait_state "$p" 10 web up "$SC_R2"
	ok $? "$b: rs2 comes back up"
	wait_until 5 k_weights_are "1 2"
	is "$(k_weights)" "1 2" "$b: the kernel has rs2's weight 2 again"

	# 9: an operator's weight
	lab_ctl "$p" set weight web "$SC_R1" 5 >/dev/null
	wait_until 5 k_weights_are "5 2"
	is "$(k_weights)" "5 2" "$b: lvsmonctl set weight 5 reaches the \
kernel"

	# 10-13: kill -9 and restart under an established connection
	lab_tally "$p" -c 10 "$vip:80" >/dev/null
	_sc_hold_to_rs1 "$p" "$d"
	ok $? "$b: a long connection is open to rs1"
	table=$(k_table)
	pid=$(cat "$d/lvsmond.bg")
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$d/lvsmond.bg"
	wait_until 6 test "$(k_conns "$SC_R1")" -gt 0
	c0=$(k_conns "$SC_R1")
	is "$(k_table)" "$table" "$b: after kill -9 the kernel's table is as \
it was"
	lab_daemon_start "$p" "$conf" &&
	    lab_wait_state "$p" 10 web up "$SC_R1" "$SC_R2"
	ok $? "$b: lvsmond restarts and finds both reals up"
	wait "$SC_HOLD"
	rc=$?
	c1=$(k_conns "$SC_R1")
	[ $rc = 0 ] && grep -q "complete yes" "$d/hold" &&
	    [ "$(k_table)" = "$table" ] && [ "$c1" -ge "$c0" ]
	ok $? "$b: the restarted daemon adopted the table unchanged; the \
connection completed; rs1's counter kept ($c0 -> $c1)" ||
	    diag "$(cat "$d/hold"; k_table)"
	lab_daemon_stop "$p"
}

# Open /slow connections until one lands on rs1 (ten tries); its tally
# runs in the background as SC_HOLD, output in DIR/hold.
_sc_slow_n()	# _sc_slow_n PREFIX I
{
	grep -c ' GET /slow' "$(lab_rs_access "$1" "$2")" 2>/dev/null
}

_sc_slow_gt()
{
	[ "$(($(_sc_slow_n "$1" 1) + $(_sc_slow_n "$1" 2)))" -gt "$2" ]
}

_sc_hold_to_rs1()	# PREFIX DIR
{
	local p=$1 d=$2 k b1 bt
	for ((k = 1; k <= 10; k++)); do
		b1=$(_sc_slow_n "$p" 1)
		bt=$((b1 + $(_sc_slow_n "$p" 2)))
		lab_tally "$p" --hold 6 -t 3000 "$LAB_VIP4:80" >"$d/hold" &
		SC_HOLD=$!
		wait_until 5 _sc_slow_gt "$p" "$bt" || return 1
		[ "$(_sc_slow_n "$p" 1)" -gt "$b1" ] && return 0
		wait "$SC_HOLD"
	done
	return 1
}
