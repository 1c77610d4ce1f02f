#!/bin/bash
# t/e2e/net_checks.t - the icmp, ntp and radius checks against real
# servers in the lab, each up and down with its reason:
#   icmp    the reals' own kernels answer echo requests (v4 and v6, count
#           and min_replies); an address with no host on the bridge is
#           "host unreachable from 198.51.100.1" (the director's own ARP /
#           ND gives up); a real whose firewall drops echoes times out and
#           comes back; a route of type unreachable fails the send; all
#           checks share one raw socket per family; without CAP_NET_RAW the
#           ping socket serves, and without that either the run is
#           INTERNAL with both errors
#   ntp     chronyd -x (never touches the clock) with "local stratum 8":
#           up, over v6 too; max_stratum 5 is down; a chronyd without a
#           source answers leap 3 (unsynchronised); stopped: L4CON
#   radius  FreeRADIUS from a throw-away config: Accept, Reject (any
#           reply passes), expect = "accept" against a wrong password, a
#           wrong secret (dropped for its Message-Authenticator: timeout;
#           without one: bad response authenticator), v6; stopped: L4CON
# chrony and freeradius are Debian packages (DEB_PKGS); the test skips
# their parts' absence as a whole.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
CHRONYD=/usr/sbin/chronyd FREERADIUS=/usr/sbin/freeradius
[ -x "$CHRONYD" ] || skip_all "no chronyd (apt-get install chrony)"
[ -x "$FREERADIUS" ] || skip_all "no freeradius (apt-get install freeradius)"
command -v setpriv >/dev/null || skip_all "no setpriv (util-linux)"

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12 A6=2001:db8:2::11 B6=2001:db8:2::12

plan 32
lab_up "$P" 2 || bail_out "could not build the lab"
D=$(lab_dir "$P")
# stopped UDP servers answer ICMP port unreachable to every check
for i in 1 2; do
	lab_exec "$P" "rs$i" sysctl -qw net.ipv4.icmp_ratelimit=0
	lab_exec "$P" "rs$i" sysctl -qw net.ipv6.icmp.ratelimit=0
done

# chronyd on rs1 (a local reference at stratum 8) and rs2 (no source at
# all: unsynchronised).  -x: never adjust the clock; cmdport 0: no
# control socket; -u root: no switch to _chrony.
chrony_start()
{
	local i=$1 local_line=$2
	cat >"$D/chrony$i.conf" <<EOF
$local_line
allow all
bindaddress $(lab_rs_addr "$i")
bindaddress $(lab_rs_addr "$i" 6)
port 123
cmdport 0
pidfile $D/chrony$i.pid
EOF
	plug_bg "$P" "chrony$i" ip netns exec "$P-rs$i" "$CHRONYD" -x -d \
	    -u root -f "$D/chrony$i.conf"
	_lab_wait 10 plug_listening "$P" "$i" 123 udp
}

# FreeRADIUS on rs1 from a minimal config: pap and a users file, one
# client (the director, v4 and v6) with secret s3cret.
radius_start()
{
	mkdir -p "$D/raddb"
	cat >"$D/raddb/radiusd.conf" <<EOF
prefix = /usr
localstatedir = $D/raddb
logdir = \${localstatedir}
raddbdir = $D/raddb
confdir = \${raddbdir}
run_dir = \${localstatedir}
libdir = /usr/lib/freeradius
pidfile = \${run_dir}/radiusd.pid
name = radiusd
max_request_time = 5
hostname_lookups = no
log {
	destination = files
	file = \${logdir}/radius.log
	auth = yes
}
security {
	allow_core_dumps = no
	allow_vulnerable_openssl = yes
}
thread pool {
	start_servers = 1
	max_servers = 2
	min_spare_servers = 1
	max_spare_servers = 2
}
modules {
	pap {
	}
	files {
		filename = \${confdir}/users
	}
}
client director {
	ipaddr = 198.51.100.1
	secret = s3cret
}
client director6 {
	ipv6addr = 2001:db8:2::1
	secret = s3cret
}
server default {
	listen {
		type = auth
		ipaddr = $A
		port = 1812
	}
	listen {
		type = auth
		ipv6addr = $A6
		port = 1812
	}
	authorize {
		files
		pap
	}
	authenticate {
		pap
	}
}
EOF
	printf 'lvsmon\tCleartext-Password := "pw"\n' >"$D/raddb/users"
	plug_bg "$P" radius ip netns exec "$P-rs1" "$FREERADIUS" -f \
	    -d "$D/raddb"
	_lab_wait 20 plug_listening "$P" 1 1812 udp
}

chrony_start 1 "local stratum 8" && chrony_start 2 "" ||
    bail_out "chronyd did not start"
radius_start || bail_out "freeradius did not start"

svc()	# NAME VIP PORT PROTO REAL RPORT CHECK (timeout 1 s unless in CHECK)
{
	local to="timeout = 1.0;"
	[[ $7 == *timeout* ]] && to=""
	cat <<EOF
  $SEP{ name = "$1"; address = "$2"; port = $3; protocol = "$4";
    check = { interval = 0.5; $to rise = 1; fall = 1; $7 };
    real_servers = ( { address = "$5"; port = $6; } ); }
EOF
	SEP=","
}
V4=203.0.113.10 V6=2001:db8:ff::10
CONF=$D/lvsmond.conf
SEP=""
{ lab_conf_global "$P"; echo "services = ("
svc ping $V4 1 tcp $A 80 'type = "icmp";'
svc ping6 $V6 1 tcp $A6 80 'type = "icmp";'
svc ping3 $V4 2 tcp $B 80 'type = "icmp"; count = 3; min_replies = 2;
    size = 200;'
svc drop $V4 3 tcp $B 80 'type = "icmp";'
svc gone $V4 4 tcp 198.51.100.99 80 'type = "icmp"; timeout = 5;'
svc gone6 $V6 4 tcp 2001:db8:2::99 80 'type = "icmp"; timeout = 5;'
svc noroute $V4 5 tcp 203.0.113.200 80 'type = "icmp";'
svc ntp $V4 123 udp $A 123 'type = "ntp"; max_offset = 0.5;'
svc ntp6 $V6 123 udp $A6 123 'type = "ntp";'
svc ntp-strat $V4 1123 udp $A 123 'type = "ntp"; max_stratum = 5;'
svc ntp-unsync $V4 2123 udp $B 123 'type = "ntp";'
svc rad $V4 1812 udp $A 1812 'type = "radius"; secret = "s3cret";
    password = "pw"; expect = "accept";'
svc rad-reject $V4 2812 udp $A 1812 'type = "radius"; secret = "s3cret";
    user = "nobody";'
svc rad-wantacc $V4 3812 udp $A 1812 'type = "radius"; secret = "s3cret";
    password = "wrong"; expect = "accept";'
svc rad-secret $V4 4812 udp $A 1812 'type = "radius"; secret = "other";'
svc rad-nomsgauth $V4 5812 udp $A 1812 'type = "radius"; secret = "other";
    message_authenticator = false;'
svc rad6 $V6 1812 udp $A6 1812 'type = "radius"; secret = "s3cret";'
echo ");"
} >"$CONF"

# an address with no host behind it and one with no route at all
lab_exec "$P" dir ip route add unreachable 203.0.113.200/32
# rs2's firewall drops echo requests while this table has its rule
lab_exec "$P" rs2 nft -f - <<'EOF'
table inet fw { chain in { type filter hook input priority 0; }; }
EOF

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with icmp, ntp and radius checks" || exit

MS='[0-9]+(\.[0-9])? ms'
plug_expect "$P" 10 ping "$A:80" up OK "^icmp: echo reply in $MS\$" \
    "icmp: rs1's kernel answers the echo: up, with the round trip"
plug_expect "$P" 10 ping6 "[$A6]:80" up OK "^icmp: echo reply in $MS\$" \
    "icmp over IPv6: up"
plug_expect "$P" 10 ping3 "$B:80" up OK \
    "^icmp: [23] of 3 echo replies, avg $MS\$" \
    "icmp count = 3, min_replies = 2, 200-byte payloads: up"
plug_expect "$P" 10 noroute "203.0.113.200:80" down L4ERR \
    '^icmp: send: EHOSTUNREACH$' \
    "icmp to an unreachable route: down, the send fails (L4ERR)"
plug_expect "$P" 20 gone "198.51.100.99:80" down L4ERR \
    '^icmp: host unreachable from 198\.51\.100\.1$' \
    "icmp to an address with no host: down, host unreachable (no ARP reply)"
plug_expect "$P" 20 gone6 "[2001:db8:2::99]:80" down L4ERR \
    '^icmp: address unreachable from 2001:db8:2::1$' \
    "icmp over IPv6 to no host: down, address unreachable (no ND reply)"

plug_expect "$P" 10 drop "$B:80" up OK "^icmp: echo reply" \
    "icmp: rs2 is up before its firewall drops echoes"
lab_exec "$P" rs2 nft add rule inet fw in icmp type echo-request drop
plug_expect "$P" 10 drop "$B:80" down TIMEOUT \
    '^timeout after 1000 ms during echo$' \
    "icmp: echoes dropped by the real's firewall: down, TIMEOUT during echo"
lab_exec "$P" rs2 nft flush chain inet fw in
plug_expect "$P" 10 drop "$B:80" up OK "^icmp: echo reply" \
    "icmp: up again once the firewall lets echoes through"

# one raw socket per family serves the seven icmp checks
PID=$(cat "$D/lvsmond.bg")
raw_sockets()	# FILE PROTO: raw sockets of lvsmond for that protocol
{
	local inodes
	inodes=$(ls -l /proc/"$PID"/fd 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p')
	lab_exec "$P" dir cat "/proc/net/$1" | awk -v proto="$2" -v \
	    list="$inodes" 'BEGIN { n = split(list, a, "\n");
		for (i = 1; i <= n; i++) mine[a[i]] = 1 }
	    NR > 1 && mine[$10] && $2 ~ (":" sprintf("%04X", proto) "$") \
	    { c++ } END { print c + 0 }'
}
is "$(raw_sockets raw 1)/$(raw_sockets raw6 58)" 1/1 \
    "the icmp checks share one raw ICMP socket and one raw ICMPv6 socket"

# ntp
plug_expect "$P" 10 ntp "$A:123" up OK \
    "^ntp: stratum 8, offset -?$MS\$" \
    "ntp: chronyd with a local reference at stratum 8: up, with the offset"
plug_expect "$P" 10 ntp6 "[$A6]:123" up OK "^ntp: stratum 8, offset" \
    "ntp over IPv6: up"
plug_expect "$P" 10 ntp-strat "$A:123" down L7RSP \
    '^ntp: stratum 8, max 5$' \
    "ntp: stratum 8 where max_stratum is 5: down, L7RSP"
plug_expect "$P" 10 ntp-unsync "$B:123" down L7RSP \
    '^ntp: unsynchronised \(leap 3\)$' \
    "ntp: a chronyd without a source (leap 3): down, unsynchronised"

# radius
plug_expect "$P" 10 rad "$A:1812" up OK \
    '^radius: Access-Accept in [0-9]+ ms$' \
    "radius: FreeRADIUS accepts lvsmon/pw: up, Access-Accept"
plug_expect "$P" 10 rad-reject "$A:1812" up OK \
    '^radius: Access-Reject in [0-9]+ ms$' \
    "radius: an Access-Reject signed with the secret is up too"
plug_expect "$P" 10 rad-wantacc "$A:1812" down L7RSP \
    '^radius: Access-Reject, want Access-Accept$' \
    "radius: expect = accept and a wrong password: down, L7RSP"
plug_expect "$P" 10 rad-secret "$A:1812" down TIMEOUT \
    '^timeout after 1000 ms during read$' \
    "radius: a wrong secret: FreeRADIUS drops the request (bad Message-Authenticator): TIMEOUT"
plug_expect "$P" 10 rad-nomsgauth "$A:1812" down L7RSP \
    '^radius: bad response authenticator \(wrong secret\?\)$' \
    "radius: a wrong secret without Message-Authenticator: the reply does not verify: down"
plug_expect "$P" 10 rad6 "[$A6]:1812" up OK \
    '^radius: Access-Reject in [0-9]+ ms$' \
    "radius over IPv6: up"
grep -q 'Login OK: \[lvsmon\] (from client director ' "$D/raddb/radius.log"
ok $? "FreeRADIUS logged the check's login as OK: the hidden password decoded"
grep -q 'Login incorrect.*\[nobody\] (from client director ' \
    "$D/raddb/radius.log"
ok $? "and the login of user nobody as incorrect"

# stopped servers: ICMP port unreachable
_lab_kill "$(cat "$D/chrony1.bg")"
_lab_kill "$(cat "$D/radius.bg")"
plug_expect "$P" 10 ntp "$A:123" down L4CON '^read: ECONNREFUSED$' \
    "ntp: chronyd stopped: down, L4CON"
plug_expect "$P" 10 rad "$A:1812" down L4CON '^read: ECONNREFUSED$' \
    "radius: FreeRADIUS stopped: down, L4CON"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"

# Without CAP_NET_RAW: the ping socket (net.ipv4.ping_group_range) serves;
# without that either, every run is INTERNAL and says why.
WRAP=$D/nocap
mkdir -p "$WRAP"
cat >"$WRAP/lvsmond" <<EOF
#!/bin/sh
exec setpriv --inh-caps=-net_raw --bounding-set=-net_raw \
    "$LVSMON_BUILD/lvsmond" "\$@"
EOF
chmod +x "$WRAP/lvsmond"
ln -sf "$LVSMON_BUILD/lvsmonctl" "$WRAP/lvsmonctl"
SEP=""
{ lab_conf_global "$P"; echo "services = ("
svc ping $V4 1 tcp $A 80 'type = "icmp";'
svc ping6 $V6 1 tcp $A6 80 'type = "icmp";'
echo ");"
} >"$D/nocap.conf"
lab_exec "$P" dir sysctl -qw net.ipv4.ping_group_range="0 0"
LVSMON_BUILD=$WRAP lab_daemon_start "$P" "$D/nocap.conf"
ok $? "lvsmond starts without CAP_NET_RAW"
grep -q '^CapEff:.*' /proc/"$(cat "$D/lvsmond.bg")"/status &&
    capeff=$(awk '/^CapEff/ { print $2 }' /proc/"$(cat "$D/lvsmond.bg")"/status)
is "$(( (0x${capeff:-2000} >> 13) & 1 ))" 0 "it really lacks CAP_NET_RAW"
plug_expect "$P" 10 ping "$A:80" up OK "^icmp: echo reply in $MS\$" \
    "icmp through the ping socket: up"
plug_expect "$P" 10 ping6 "[$A6]:80" up OK "^icmp: echo reply in $MS\$" \
    "icmp through the IPv6 ping socket: up"
lab_daemon_stop "$P"
lab_exec "$P" dir sysctl -qw net.ipv4.ping_group_range="1 0"
LVSMON_BUILD=$WRAP lab_daemon_start "$P" "$D/nocap.conf"
plug_expect "$P" 10 ping "$A:80" down INTERNAL \
    '^icmp: no ICMP socket: raw EPERM \(needs CAP_NET_RAW\), ping EACCES' \
    "no raw socket and no ping socket: down, INTERNAL, naming both errors"
LVSMON_BUILD=$WRAP lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
