#!/bin/bash
# t/vm/tests/import_ipvs.t - migrating a director to lvsmond gives the same
# kernel table.
#
#  1. For three keepalived files of the corpus (t/import/keepalived/
#     web-nat.conf, lab-dr-fwmark.conf, lab-misc-udp.conf, whose addresses
#     are the lab's): keepalived (checker only) fills the IPVS table and it
#     is saved (ipvsadm -Sn, sorted); keepalived stops (and empties it);
#     lvsmond runs on `lvsmonctl import keepalived FILE` and must make the
#     same table: services, schedulers and flags, persistence, forwarding,
#     reals and weights (a dead real at weight 0 with inhibit_on_failure,
#     a MISC_CHECK misc_dynamic weight from the script's exit code).
#  2. ipvsadm builds a table by hand; `lvsmonctl import ipvs` prints a
#     config with those services, reals and weights; lvsmond on it adopts
#     the table without changing it, before and after its first checks.
#
# Runs in the IPVS guest (t/e2e/ipvs_guest.t); needs ipvsadm, keepalived.
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
[ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
KA=$(command -v keepalived || echo /usr/sbin/keepalived)
[ -x "$KA" ] || skip_all "no keepalived"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"
CTL=$LVSMON_BUILD/lvsmonctl
SRC=$(cd "$T/.." && pwd)

P=$(lab_prefix)
plan 18
lab_up "$P" 2 || bail_out "cannot build the lab"
D=$(lab_dir "$P")
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
KPID=""
ka_stop()
{
	[ -n "$KPID" ] || return 0
	kill -TERM "$KPID" 2>/dev/null
	wait_until 10 bash -c "! kill -0 $KPID 2>/dev/null" ||
	    kill -KILL "$KPID" 2>/dev/null
	wait "$KPID" 2>/dev/null
	KPID=""
}
T_EXIT_HOOKS+=(ka_stop)

ipvsadm_() { lab_exec "$P" dir ipvsadm "$@"; }
# The table as ipvsadm saves it, one line per entry, sorted.
table() { ipvsadm_ -Sn | sort; }

# lvsmond.conf of an import with the lab's global block in place of its own
lab_conf()	# IMPORTED OUT
{
	{ lab_conf_global "$P" ipvs
	  grep -v '^global = ' "$1"; } >"$2"
}

# compare NAME FILE NLINES: keepalived's table, then lvsmond's, for FILE
compare()
{
	local name=$1 f=$SRC/$2 n=$3 want got
	ipvsadm_ -C
	# straight from ip netns exec (it execs keepalived: $! is its pid)
	ip netns exec "$P-dir" "$KA" --check --dont-fork --no-syslog \
	    --log-console \
	    --log-detail -f "$f" -p "$D/ka.pid" -c "$D/ka-check.pid" \
	    -r "$D/ka-vrrp.pid" >"$D/ka-$name.log" 2>&1 &
	KPID=$!
	# settled: the expected number of entries, twice in a row 1 s apart
	# (keepalived adds reals as up, then its checks may change them)
	_settled() {
		local a b
		a=$(table)
		[ "$(grep -c . <<<"$a")" = "$n" ] || return 1
		sleep 1
		b=$(table)
		[ "$a" = "$b" ]
	}
	wait_until 40 _settled
	want=$(table)
	is "$(grep -c . <<<"$want")" "$n" \
	    "$name: keepalived made its table ($n entries)" ||
	    diag "$want" "$(tail -20 "$D/ka-$name.log")"
	ka_stop
	_empty() { [ -z "$(table)" ]; }
	wait_until 10 _empty
	ipvsadm_ -C

	"$CTL" import keepalived "$f" >"$D/$name.imported" 2>"$D/$name.err"
	is "$?" 0 "$name: lvsmonctl import keepalived" ||
	    diag "$(cat "$D/$name.err")"
	lab_conf "$D/$name.imported" "$D/$name.conf"
	lab_daemon_start "$P" "$D/$name.conf" ||
	    diag "$(tail -20 "$(lab_log "$P")")"
	_same() { [ "$(table)" = "$want" ]; }
	wait_until 40 _same
	got=$(table)
	is "$got" "$want" "$name: lvsmond on the imported file makes keepalived's table" ||
	    diag "$(tail -20 "$(lab_log "$P")")"
	lab_daemon_stop "$P"
	ipvsadm_ -C
}

# web-nat: wrr NAT, persistence 50, HTTP_GET on /health (rsd answers 200),
# quorum and a sorry server not needed: 1 service + 2 reals.
compare web-nat t/import/keepalived/web-nat.conf 3
# DR by address (a dead real at weight 0), fwmark sh with flags and
# persistence granularity: 2 services + 5 reals.
compare dr-fwmark t/import/keepalived/lab-dr-fwmark.conf 7
like "$want" "198.51.100.13:8080 -g -w 0" \
    "dr-fwmark: the dead real is at weight 0 in both (inhibit_on_failure)"
# misc_dynamic (exit 7: weight 5) and a UDP ops service without checks:
# 2 services + 4 reals.
compare misc-udp t/import/keepalived/lab-misc-udp.conf 6
like "$want" "198.51.100.11:8080 -m -w 5" \
    "misc-udp: misc_dynamic's exit code 7 is weight 5 in both"

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
ipvsadm_ -a -f 5 -r 198.51.100.12:8080 -g -w 6 ||
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
lab_conf "$D/ipvs.imported" "$D/ipvs.conf"
lab_daemon_start "$P" "$D/ipvs.conf" ||
    diag "$(tail -20 "$(lab_log "$P")")"
is "$(table)" "$want" "lvsmond on import ipvs's config adopts the table as it is" ||
    diag "$(tail -20 "$(lab_log "$P")")"
lab_wait_state "$P" 30 tcp-203.0.113.10:80 up 198.51.100.11:8080 \
    198.51.100.12:8080
lab_wait_state "$P" 30 fwmark5 up 198.51.100.12:8080
is "$(table)" "$want" "... and keeps it once its checks have found the reals up" ||
    diag "$(lab_ctl "$P" show)" "$(tail -20 "$(lab_log "$P")")"
lab_daemon_stop "$P"
ipvsadm_ -C
