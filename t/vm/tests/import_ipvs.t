#!/bin/bash
# t/vm/tests/import_ipvs.t - adopting a director's running table: ipvsadm
# builds a table by hand; `lvsmonctl import ipvs` prints a config with
# those services (address, fwmark, flags, persistence, forwarding), reals,
# weights and thresholds; lvsmond on it adopts the table without changing
# it, right after start and once its checks have found the reals up.
#
# (The comparison with keepalived is import_keepalived.t.)
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
[ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"
CTL=$LVSMON_BUILD/lvsmonctl
SRC=$(cd "$T/.." && pwd)

P=$(lab_prefix)
plan 11
lab_up "$P" 2 || bail_out "cannot build the lab"
D=$(lab_dir "$P")
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
ipvsadm_() { lab_exec "$P" dir ipvsadm "$@"; }
# lvsmond.conf of an import with the lab's global block in place of its own
# (reconcile every second: it must find nothing to repair)
lab_conf()	# IMPORTED OUT
{
	{ lab_conf_global "$P" ipvs |
	      sed 's/^};$/  reconcile_interval = 1;\n};/'
	  grep -v '^global = ' "$1"; } >"$2"
}
# The table as ipvsadm saves it, one line per entry, sorted.
table() { ipvsadm_ -Sn | sort; }
# ------------------------------------------------------- import ipvs
ipvsadm_ -C
ipvsadm_ -A -t 203.0.113.10:80 -s wrr -p 120 -M 255.255.255.0 &&
ipvsadm_ -a -t 203.0.113.10:80 -r 198.51.100.11:8080 -m -w 3 &&
ipvsadm_ -a -t 203.0.113.10:80 -r 198.51.100.12:8080 -m -w 1 &&
ipvsadm_ -A -t 203.0.113.10:81 -s sh -b sh-port &&
ipvsadm_ -a -t 203.0.113.10:81 -r 198.51.100.11:8080 -m -w 2 -x 100 -y 50 &&
ipvsadm_ -A -u 203.0.113.10:53 -s rr -o &&
ipvsadm_ -a -u 203.0.113.10:53 -r 198.51.100.12:8080 -m -w 4 &&
ipvsadm_ -A -f 5 -s lc &&
ipvsadm_ -a -f 5 -r 198.51.100.12:8080 -g -w 6 &&
ipvsadm_ -A -f 6 -s sh -b sh-port -p 900 -M 255.255.255.0 &&
ipvsadm_ -a -f 6 -r 198.51.100.11:0 -g -w 2 ||
    bail_out "ipvsadm could not build the table"
want=$(table)

lab_exec "$P" dir "$CTL" import ipvs >"$D/ipvs.imported" 2>"$D/ipvs.err"
is "$?" 0 "import ipvs reads the kernel's table" || diag "$(cat "$D/ipvs.err")"
imp=$(cat "$D/ipvs.imported")
like "$imp" 'address = "203.0.113.10"; port = 80; protocol = "tcp"; scheduler = "wrr"; forward = "nat"; persistence = 120; persistence_prefix = 24;' \
    "import ipvs: service, scheduler, persistence and its netmask"
like "$imp" '\{ address = "198.51.100.11"; port = 8080; weight = 2; upper_threshold = 100; lower_threshold = 50; \}' \
    "import ipvs: a real with its weight and thresholds"
like "$imp" 'fwmark = 5; family = "ipv4"; scheduler = "lc"; forward = "dr";' \
    "import ipvs: a fwmark service on direct routing"
like "$imp" 'scheduler = "sh"; forward = "nat"; scheduler_flags = \[ "sh-port" \];' \
    "import ipvs: scheduler flags"
like "$imp" 'fwmark = 6; family = "ipv4"; scheduler = "sh"; forward = "dr"; persistence = 900; persistence_prefix = 24; scheduler_flags = \[ "sh-port" \];' \
    "import ipvs: a fwmark service with persistence, a netmask and flags"
lab_conf "$D/ipvs.imported" "$D/ipvs.conf"
lab_daemon_start "$P" "$D/ipvs.conf"
ok $? "lvsmond starts on import ipvs's config" ||
    diag "$(tail -20 "$(lab_log "$P")")"
is "$(table)" "$want" "lvsmond adopts the table as it is" ||
    diag "$(tail -20 "$(lab_log "$P")")"
_all_up() {
	_lab_all_in_state "$P" tcp-203.0.113.10:80 up 198.51.100.11:8080 \
	    198.51.100.12:8080 &&
	_lab_all_in_state "$P" tcp-203.0.113.10:81 up 198.51.100.11:8080 &&
	_lab_all_in_state "$P" udp-203.0.113.10:53 up 198.51.100.12:8080 &&
	_lab_all_in_state "$P" fwmark5 up 198.51.100.12:8080 &&
	_lab_all_in_state "$P" fwmark6 up 198.51.100.11:0
}
wait_until 30 _all_up
ok $? "its checks (tcp, icmp for udp and fwmark) find every real up" ||
    diag "$(lab_ctl "$P" show)"
is "$(table)" "$want" "... and the table is still as it was" ||
    diag "$(lab_ctl "$P" show)" "$(tail -20 "$(lab_log "$P")")"
# three reconciles (1 s apart) at least: none may repair anything
lab_wait_log "$P" 4 'reconcile: '
ok $((!$?)) "the reconcile finds the adopted table as it should be (fwmark services too)" ||
    diag "$(grep 'reconcile' "$(lab_log "$P")" | head -5)"
lab_daemon_stop "$P"
ipvsadm_ -C
