#!/bin/bash
# t/vm/tests/ipvs_config.t - lvsmond's IPVS keys reach the kernel: sctp,
# fwmark (IPv4 and IPv6), persistence with a netmask and a prefix,
# one-packet scheduling, scheduler flags, connection thresholds, direct
# routing and global.ipvs timeouts, as ipvsadm shows them; traffic through
# a fwmark service marked by nft and through the DR service; the daemon's
# counters (show --json) rise with traffic and agree with ipvsadm's; the
# sync daemon API (dirctl) seen by ipvsadm --daemon.
#
# Runs in the IPVS guest (t/e2e/ipvs_guest.t); needs ipvsadm and nft.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
[ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"
DIRCTL=$LVSMON_BUILD/t/tools/dirctl

P=$(lab_prefix)
VIP=$LAB_VIP4
DRVIP=203.0.113.20
R1=198.51.100.11:8080 R2=198.51.100.12:8080

plan 13
lab_up "$P" 2 || bail_out "cannot build the lab"
D=$(lab_dir "$P")
# Direct routing: rs1 owns the DR VIP on its loopback without answering
# ARP for it; the director owns it too (IPVS schedules in LOCAL_IN) and,
# being the reals' router too, accepts rs1's replies sourced from it.
lab_exec "$P" rs1 sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
    net.ipv4.conf.all.arp_announce=2 &&
lab_exec "$P" rs1 ip addr add "$DRVIP/32" dev lo &&
lab_exec "$P" dir ip addr add "$DRVIP/32" dev lo &&
lab_exec "$P" dir sysctl -qw net.ipv4.conf.all.accept_local=1 \
    net.ipv4.conf.br0.accept_local=1 ||
    bail_out "cannot set up the DR VIP"
lab_rs_start "$P" 1 -u -l "$DRVIP:80" && lab_rs_start "$P" 2 -u ||
    bail_out "rsd did not start"

ipvsadm_()
{
	lab_exec "$P" dir ipvsadm "$@"
}

CONF=$D/lvsmond.conf
{ lab_conf_global "$P" ipvs | sed '$d'; cat <<EOF
  ipvs = { timeout_tcp = 900; timeout_tcpfin = 120; timeout_udp = 300; };
};
services = (
  { name = "web"; address = "$VIP"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); },
  { name = "mark"; fwmark = 7; scheduler = "rr";
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; } ); },
  { name = "mark6"; fwmark = 8; family = "ipv6"; scheduler = "wlc";
    persistence = 60; persistence_prefix = 64;
    real_servers = ( { address = "2001:db8:2::11"; port = 8080; } ); },
  { name = "sig"; protocol = "sctp"; address = "$VIP"; port = 3868;
    scheduler = "lc";
    real_servers = ( { address = "198.51.100.11"; upper_threshold = 50;
      lower_threshold = 10; } ); },
  { name = "dns"; protocol = "udp"; address = "$VIP"; port = 53;
    scheduler = "rr"; one_packet = true;
    real_servers = ( { address = "198.51.100.12"; port = 8080; } ); },
  { name = "sticky"; address = "$VIP"; port = 84; scheduler = "sh";
    scheduler_flags = [ "sh-fallback", "sh-port" ];
    persistence = 300; persistence_netmask = "255.255.255.0";
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; } ); },
  { name = "dr"; address = "$DRVIP"; port = 80; scheduler = "rr";
    forward = "dr";
    real_servers = ( { address = "198.51.100.11"; port = 80; } ); }
);
EOF
} >"$CONF"

# 1, 2
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts on ipvs with every IPVS key in its config" ||
    bail_out "no daemon: $(tail -n 3 "$(lab_log "$P")")"
want=$(sort <<EOF
-A -t $VIP:80 -s wrr
-a -t $VIP:80 -r $R1 -m -w 1
-a -t $VIP:80 -r $R2 -m -w 1
-A -f 7 -s rr
-a -f 7 -r $R1 -m -w 1
-a -f 7 -r $R2 -m -w 1
-A -f 8 -6 -s wlc -p 60 -M 64
-a -f 8 -6 -r [2001:db8:2::11]:8080 -m -w 1
-A --sctp-service $VIP:3868 -s lc
-a --sctp-service $VIP:3868 -r 198.51.100.11:3868 -m -w 1
-A -u $VIP:53 -s rr -o
-a -u $VIP:53 -r $R2 -m -w 1
-A -t $VIP:84 -s sh -p 300 -M 255.255.255.0 -b sh-fallback,sh-port
-a -t $VIP:84 -r $R1 -m -w 1
-a -t $VIP:84 -r $R2 -m -w 1
-A -t $DRVIP:80 -s rr
-a -t $DRVIP:80 -r 198.51.100.11:80 -g -w 1
EOF
)
saved_is()
{
	[ "$(ipvsadm_ -Sn | sort)" = "$want" ]
}
wait_until 10 saved_is
is "$(ipvsadm_ -Sn | sort)" "$want" "ipvsadm -Sn shows sctp, fwmark v4 \
and v6, persistence with netmask and prefix, one-packet, sh flags, \
and DR exactly as configured"

# 3, 4 (ipvsadm -S leaves thresholds out)
like "$(ipvsadm_ -Ln --thresholds)" "198\.51\.100\.11:3868 +50 +10 " \
    "ipvsadm -Ln --thresholds shows the sctp real's upper 50, lower 10"
is "$(ipvsadm_ -L --timeout)" "Timeout (tcp tcpfin udp): 900 120 300" \
    "global.ipvs: ipvsadm -L --timeout shows 900 120 300"

# 5: fwmark: the director marks tcp to VIP:90, IPVS balances the mark
lab_nft "$P" -f - <<EOF
table ip mark7 {
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		ip daddr $VIP tcp dport 90 meta mark set 7
	}
}
EOF
out=$(lab_tally "$P" -c 20 "$VIP:90")
is "$(lab_count "$out" rs1) $(lab_count "$out" rs2)" "10 10" \
    "fwmark service: 20 connections marked by nft split 10/10 by rr"
lab_nft "$P" delete table ip mark7

# 6: direct routing: rs1 listens on the VIP only, port 80 (its
# 198.51.100.11:80 has no listener): an answer proves the packet kept
# its destination address
out=$(lab_tally "$P" -c 10 "$DRVIP:80")
is "$(lab_count "$out" rs1)" 10 \
    "direct routing: 10 connections to the DR VIP answered by rs1"

# 7: persistence (sh, /24): one client stays on one real
out=$(lab_tally "$P" -c 20 "$VIP:84")
is "$(awk '$1 != "fail" && $2 == 20' <<<"$out" | wc -l)" 1 \
    "persistent sh service: 20 connections of one client, one real"

# 8-10: counters rise; the daemon's (show --json) agree with ipvsadm's
kconns()	# kconns REAL: ipvsadm's conns of REAL on VIP:80
{
	ipvsadm_ -Ln --stats | awk -v v="$VIP:80" -v r="$1" '
	    $1 == "TCP" { in_svc = ($2 == v) }
	    in_svc && $2 == r { print $3 }'
}
d0=$(lab_field "$P" web "$R1" conns)
lab_tally "$P" -c 40 "$VIP:80" >/dev/null
rose()
{
	d1=$(lab_field "$P" web "$R1" conns)
	k1=$(kconns "$R1")
	[ "$((d1 - d0))" -ge 20 ] && [ "$d1" = "$k1" ]
}
wait_until 8 rose
between "$((d1 - d0))" 20 21 "lvsmonctl show --json: rs1's conns rose \
by 20 of 40 (weights 1:1; $d0 -> $d1)"
is "$d1" "$k1" "and equal ipvsadm -Ln --stats' count for rs1"
between "$(lab_field "$P" web "$R1" outbytes)" 1000 100000000 \
    "show --json: rs1's byte counter rose too"

# 11-13: the sync daemon API (for failover), seen by ipvsadm
lab_exec "$P" dir "$DIRCTL" -b ipvs daemon-start master br0 5 2>"$D/err"
like "$(ipvsadm_ -L --daemon)" \
    "master sync daemon \(mcast=br0, syncid=5" \
    "dirctl daemon-start master: ipvsadm -L --daemon shows it" ||
    diag "$(cat "$D/err")"
ipvsadm_ --start-daemon backup --mcast-interface br0 --syncid 6
is "$(lab_exec "$P" dir "$DIRCTL" -b ipvs daemons | sort)" \
    "daemon backup br0 syncid 6
daemon master br0 syncid 5" \
    "the backend reads back both daemons (one started by ipvsadm)"
lab_exec "$P" dir "$DIRCTL" -b ipvs daemon-stop master daemon-stop backup \
    2>"$D/err"
is "$?:$(ipvsadm_ -L --daemon)" "0:" \
    "dirctl daemon-stop master and backup: none left" ||
    diag "$(cat "$D/err")"
lab_daemon_stop "$P"
