#!/bin/bash
# t/e2e/director_nft.t - the nft backend forwards real traffic by weight.
#
# Drives director/nft.c through t/tools/dirctl (no daemon) on a NAT lab in
# namespaces of its own:
#
#   dnt<pid>-cli  eth0 192.0.2.2/24 2001:db8:1::2/64, VIPs via the director
#   dnt<pid>-dir  cli0 192.0.2.1/24 2001:db8:1::1/64, br0 198.51.100.1/24
#                 2001:db8:2::1/64 with one veth per real; forwarding on
#   dnt<pid>-rsN  eth0 198.51.100.1N/24 2001:db8:2::1N/64, default via the
#                 director; t/tools/rsd -n rsN on port 8080 (tcp and udp)
#
# Traffic comes from t/tools/tally in the client namespace; what is counted
# is which real server answered.  Bounds on the weighted split are wide
# (several standard deviations), so a pass is not luck and a fail is real.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${LVSMON_BUILD:-$SRC/build}
P=dnt$$
VIP4=203.0.113.10
VIP6=2001:db8:ff::10
T=0
FAILED=0
PIDS=()
TMP=""

ok()	# ok RC sentence
{
	local rc=$1; shift
	T=$((T + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $T - $*"
	else
		echo "not ok $T - $*"
		FAILED=$((FAILED + 1))
	fi
	return "$rc"
}

diag()
{
	local l
	while IFS= read -r l; do echo "# $l" >&2; done <<<"$*"
}

in_range()	# in_range VALUE LO HI
{
	[[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

wait_until()	# wait_until SECS CMD...: poll every 50 ms, bounded
{
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while :; do
		"$@" && return 0
		[ "$SECONDS" -le "$end" ] || return 1
		sleep 0.05
	done
}

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

cleanup()
{
	local p n
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for n in cli dir rs1 rs2 rs3; do
		ip netns del "$P-$n" 2>/dev/null
	done
	[ -n "$TMP" ] && rm -rf "$TMP"
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces)"
command -v ip >/dev/null || skip_all "no ip(8)"
command -v nft >/dev/null || skip_all "no nft(8)"
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$P-dir" 2>/dev/null || skip_all "ip netns add does not work"
ip netns exec "$P-dir" nft list tables >/dev/null 2>&1 ||
    skip_all "nftables does not work in a network namespace"
TMP=$(mktemp -d /tmp/director_nft.XXXXXX)

# The tools: the build's, else compiled here.
tool()
{
	local name=$1
	if [ -x "$BUILD/t/tools/$name" ]; then
		echo "$BUILD/t/tools/$name"
		return
	fi
	if [ "$name" = dirctl ]; then
		cc -std=c11 -D_GNU_SOURCE -I"$SRC" -o "$TMP/$name" \
		    "$SRC/t/tools/dirctl.c" "$SRC"/director/*.c \
		    $(pkg-config --cflags --libs libnftnl libmnl \
		    libnl-genl-3.0 libnl-route-3.0) >&2 || return 1
	else
		cc -std=c11 -D_GNU_SOURCE -O2 -o "$TMP/$name" \
		    "$SRC/t/tools/$name.c" >&2 || return 1
	fi
	echo "$TMP/$name"
}
DIRCTL=$(tool dirctl) || skip_all "cannot build dirctl"
RSD=$(tool rsd) || skip_all "cannot build rsd"
TALLY=$(tool tally) || skip_all "cannot build tally"

ns()	# ns NAME CMD...
{
	local n=$1; shift
	ip netns exec "$P-$n" "$@"
}

dirctl()
{
	ns dir "$DIRCTL" -b nft "$@"
}

# ---- the lab ----
lab_up()
{
	local i
	for n in cli rs1 rs2 rs3; do
		ip netns add "$P-$n" || return 1
	done
	ip -n "$P-dir" link add cli0 type veth peer name eth0 netns "$P-cli" &&
	ip -n "$P-dir" link add br0 type bridge &&
	ip -n "$P-dir" link set br0 up &&
	ip -n "$P-dir" addr add 192.0.2.1/24 dev cli0 &&
	ip -n "$P-dir" addr add 2001:db8:1::1/64 dev cli0 nodad &&
	ip -n "$P-dir" addr add 198.51.100.1/24 dev br0 &&
	ip -n "$P-dir" addr add 2001:db8:2::1/64 dev br0 nodad &&
	ip -n "$P-dir" link set cli0 up &&
	ip -n "$P-dir" link set lo up &&
	ns dir sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.rp_filter=0 \
	    net.ipv4.conf.default.rp_filter=0 || return 1
	ip -n "$P-cli" addr add 192.0.2.2/24 dev eth0 &&
	ip -n "$P-cli" addr add 2001:db8:1::2/64 dev eth0 nodad &&
	ip -n "$P-cli" link set eth0 up &&
	ip -n "$P-cli" link set lo up &&
	ip -n "$P-cli" route add 203.0.113.0/24 via 192.0.2.1 &&
	ip -n "$P-cli" route add 2001:db8:ff::/64 via 2001:db8:1::1 ||
	    return 1
	for i in 1 2 3; do
		ip -n "$P-dir" link add "rs$i" type veth peer name eth0 \
		    netns "$P-rs$i" &&
		ip -n "$P-dir" link set "rs$i" master br0 &&
		ip -n "$P-dir" link set "rs$i" up &&
		ip -n "$P-rs$i" addr add "198.51.100.1$i/24" dev eth0 &&
		ip -n "$P-rs$i" addr add "2001:db8:2::1$i/64" dev eth0 nodad &&
		ip -n "$P-rs$i" link set eth0 up &&
		ip -n "$P-rs$i" link set lo up &&
		ip -n "$P-rs$i" route add default via 198.51.100.1 &&
		ip -n "$P-rs$i" route add default via 2001:db8:2::1 ||
		    return 1
		# ip netns exec execs rsd: $! is rsd itself, so cleanup
		# can stop it (a backgrounded function would be a subshell)
		ip netns exec "$P-rs$i" "$RSD" -n "rs$i" \
		    -l "198.51.100.1$i:8080" \
		    -l "[2001:db8:2::1$i]:8080" -u -a "$TMP/rs$i.log" \
		    -p "$TMP/rs$i.pid" 2>"$TMP/rs$i.err" &
		PIDS+=($!)
	done
	for i in 1 2 3; do
		wait_until 10 test -s "$TMP/rs$i.pid" || return 1
	done
	# Every real answers the director, on both families, before any
	# test depends on it.
	for i in 1 2 3; do
		wait_until 10 reaches dir "198.51.100.1$i:8080" "rs$i" &&
		wait_until 10 reaches dir "[2001:db8:2::1$i]:8080" "rs$i" ||
		    return 1
	done
}

reaches()	# reaches NS ADDR:PORT NAME: one request answered by NAME
{
	[ "$(ns "$1" "$TALLY" -c 1 "$2" | awk '$2 == 1 { print $1 }')" = "$3" ]
}

count()	# count TALLY_OUTPUT NAME
{
	local n
	n=$(awk -v k="$2" '$1 == k { print $2 }' <<<"$1")
	echo "${n:-0}"
}

# show's field for real ID ("weight", "conns", "inpkts", ...)
field()	# field SHOW_OUTPUT REAL_ID FIELD
{
	awk -v id="$2" -v f="$3" '$1 == "real" && $3 == id {
		for (i = 5; i < NF; i++) if ($i == f) print $(i + 1) }' <<<"$1"
}

tally()
{
	ns cli "$TALLY" "$@"
}

echo "1..21"
lab_up || { echo "Bail out!  cannot build the lab"; exit 255; }

cat >"$TMP/table" <<EOF
# A: weighted random 1:3
service 1 tcp $VIP4 80 wrr
real 11 198.51.100.11 8080 1
real 12 198.51.100.12 8080 3
# B: drain (rs3 carries a long connection; rs1 waits at weight 0)
service 2 tcp $VIP4 81 wrr
real 21 198.51.100.11 8080 0
real 23 198.51.100.13 8080 1
# C: IPv6, round robin 1:1:2
service 3 tcp $VIP6 80 rr
real 31 2001:db8:2::11 8080 1
real 32 2001:db8:2::12 8080 1
real 33 2001:db8:2::13 8080 2
# D: source hash
service 4 tcp $VIP4 82 sh
real 41 198.51.100.11 8080 1
real 42 198.51.100.12 8080 1
real 43 198.51.100.13 8080 1
# E: udp
service 5 udp $VIP4 53 wrr
real 51 198.51.100.12 8080 1
EOF

# 1
out=$(dirctl sync "$TMP/table" 2>&1)
ok $? "sync of a five-service table is accepted"
[ -n "$out" ] && diag "$out"

# 2
tables=$(ns dir nft list tables 2>&1)
[[ $tables == *"table inet lvsmon"* && $tables == *"inet lvsmon_anchor"* ]]
ok $? "the kernel holds table inet lvsmon and its conntrack anchor"

# 3, 4
out=$(tally -c 300 "$VIP4:80")
r1=$(count "$out" rs1) r2=$(count "$out" rs2) f=$(count "$out" fail)
in_range "$r1" 35 115 && in_range "$r2" 185 265 && [ "$f" = 0 ] &&
    [ "$(count "$out" rs3)" = 0 ]
ok $? "weights 1:3 split 300 requests about 75/225 (rs1 $r1, rs2 $r2, \
failed $f)"
show=$(dirctl show 2>&1)
c11=$(field "$show" 11 conns) c12=$(field "$show" 12 conns)
in_range "$((c11 + c12))" 300 310 && [ "$c11" -ge "$r1" ] &&
    [ "$c12" -ge "$r2" ]
ok $? "read_stats counts the 300 connections per real (conns $c11 + $c12)"
[ $? -eq 0 ] || diag "$show"

# 5
[ "$(field "$show" 11 weight)" = 1 ] && [ "$(field "$show" 12 weight)" = 3 ] &&
    [ "$(field "$show" 33 weight)" = 2 ] &&
    [ "$(field "$show" 21 weight)" = 0 ]
ok $? "read_stats shows the weights the kernel holds (1, 3, 2, 0)"

# 6
p11=$(field "$show" 11 inpkts) o11=$(field "$show" 11 outbytes)
in_range "$p11" 1 100000000 && in_range "$o11" 1 100000000000
ok $? "packet and byte counters grow both ways (rs1: in $p11 pkts, \
out $o11 bytes)"

# 7: a long connection to rs3 through B, then rs3 drained
ip netns exec "$P-cli" "$TALLY" --hold 6 -t 3000 "$VIP4:81" >"$TMP/hold1" 2>&1 &
hold=$!
PIDS+=($hold)
wait_until 10 grep -q /slow "$TMP/rs3.log"
ok $? "a long connection through service B reaches rs3"
dirctl apply 2 23 0 2 21 1 2>"$TMP/err"
rc=$?
out=$(tally -c 50 "$VIP4:81")
[ $rc = 0 ] && [ "$(count "$out" rs1)" = 50 ] &&
    [ "$(count "$out" rs3)" = 0 ]
ok $? "after weight 0 on rs3, 50 new connections all go to rs1"
[ $? -eq 0 ] || diag "$(cat "$TMP/err") $out"

# 9
wait "$hold"
rc=$?
[ $rc = 0 ] && grep -q "complete yes" "$TMP/hold1"
ok $? "the established connection to the drained rs3 still completes"
[ $? -eq 0 ] || diag "$(cat "$TMP/hold1")"

# 10, 11: every weight 0 refuses new connections at once
dirctl apply 2 21 0 2>"$TMP/err"
rc=$?
before=$(cat "$TMP"/rs?.log | wc -l)
out=$(tally -c 5 -t 3000 "$VIP4:81")
after=$(cat "$TMP"/rs?.log | wc -l)
[ $rc = 0 ] && [ "$(count "$out" fail)" = 5 ] && [ "$before" = "$after" ]
ok $? "with every weight 0 no connection reaches any server"
refused=$(ns cli timeout 5 bash -c "exec 3<>/dev/tcp/$VIP4/81" 2>&1)
[[ $refused == *"refused"* ]]
ok $? "and the client is refused at once (tcp reset), not left waiting"
[ $? -eq 0 ] || diag "$refused"

# 12: apply changes the split
dirctl apply 1 11 3 1 12 1 2>"$TMP/err"
rc=$?
out=$(tally -c 300 "$VIP4:80")
r1=$(count "$out" rs1) r2=$(count "$out" rs2)
[ $rc = 0 ] && in_range "$r1" 185 265 && in_range "$r2" 35 115
ok $? "apply 3:1 turns the split around (rs1 $r1, rs2 $r2)"
show=$(dirctl show 2>&1)
[ "$(field "$show" 11 weight)" = 3 ] && [ "$(field "$show" 12 weight)" = 1 ]
ok $? "read_stats shows the applied weights 3 and 1"

# 14: IPv6, round robin: exact shares
out=$(tally -c 200 "[$VIP6]:80")
a=$(count "$out" rs1) b=$(count "$out" rs2) c=$(count "$out" rs3)
in_range "$a" 48 52 && in_range "$b" 48 52 && in_range "$c" 98 102
ok $? "IPv6 round robin 1:1:2 gives 50/50/100 of 200 ($a/$b/$c)"

# 15: source hash keeps one client on one server
out=$(tally -c 60 "$VIP4:82")
[ "$(awk '$1 != "fail" && $2 == 60' <<<"$out" | wc -l)" = 1 ]
ok $? "source hashing sends all 60 requests of one client to one server"
[ $? -eq 0 ] || diag "$out"

# 16: udp
out=$(tally -u -c 20 "$VIP4:53")
[ "$(count "$out" rs2)" = 20 ]
ok $? "a udp service is balanced too (20 datagrams answered by rs2)"
[ $? -eq 0 ] || diag "$out"

# 17: re-sync (a new process: adopts the kernel's table) keeps a flow
ip netns exec "$P-cli" "$TALLY" --hold 5 -t 3000 "$VIP4:80" \
    >"$TMP/hold2" 2>&1 &
hold=$!
PIDS+=($hold)
slow()
{
	cat "$TMP"/rs?.log | grep -c /slow
}
n=$(slow)
wait_until 10 test "$(slow)" -gt "$n"
cbefore=$(field "$(dirctl show)" 11 conns)
dirctl sync "$TMP/table" 2>"$TMP/err" &&
    dirctl sync "$TMP/table" 2>>"$TMP/err"
rc=$?
cafter=$(field "$(dirctl show)" 11 conns)
wait "$hold"
hrc=$?
[ $rc = 0 ] && [ $hrc = 0 ] && grep -q "complete yes" "$TMP/hold2"
ok $? "re-syncing the same table twice keeps an established connection"
[ $? -eq 0 ] || diag "$(cat "$TMP/err" "$TMP/hold2")"

# 18
in_range "$cbefore" 1 1000000 && in_range "$cafter" "$cbefore" 1000000
ok $? "counters survive a re-sync (rs1 conns $cbefore before, $cafter after)"

# 19: a scheduler nft cannot do is refused, and nothing changes
sed 's/ wrr$/ lc/' "$TMP/table" >"$TMP/table.lc"
before=$(ns dir nft list table inet lvsmon 2>&1)
msg=$(dirctl sync "$TMP/table.lc" 2>&1)
rc=$?
after=$(ns dir nft list table inet lvsmon 2>&1)
[ $rc != 0 ] && [[ $msg == *"scheduler lc is not supported by the nft backend (use rr, wrr, sh)"* ]] &&
    [ "$before" = "$after" ]
ok $? "sync with scheduler lc is refused with a message, table untouched"
[ $? -eq 0 ] || diag "$msg"

# 20: a removed service stops being served; others keep going
grep -v -e '^service 4' -e '^real 4' "$TMP/table" >"$TMP/table.less"
dirctl sync "$TMP/table.less" 2>"$TMP/err"
rc=$?
gone=$(tally -c 3 -t 1000 "$VIP4:82")
kept=$(tally -c 10 "$VIP4:80")
[ $rc = 0 ] && [ "$(count "$gone" fail)" = 3 ] &&
    [ "$(count "$kept" fail)" = 0 ] &&
    ! ns dir nft list chain inet lvsmon svc_4 >/dev/null 2>&1
ok $? "a service dropped from the table is removed, the others still serve"

# 21: flush removes what the backend put in the kernel
dirctl flush 2>"$TMP/err"
rc=$?
tables=$(ns dir nft list tables 2>&1)
[ $rc = 0 ] && [[ $tables != *lvsmon* ]]
ok $? "flush removes table inet lvsmon and the anchor"

exit $((FAILED > 254 ? 254 : FAILED))
