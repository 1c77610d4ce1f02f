#!/bin/bash
# t/vm/tests/import_keepalived.t - migrating from keepalived to lvsmond
# gives the same kernel table: for three keepalived files of the corpus (t/import/keepalived/
#     web-nat.conf, lab-dr-fwmark.conf, lab-misc-udp.conf, whose addresses
#     are the lab's): keepalived (checker only) fills the IPVS table and it
#     is saved (ipvsadm -Sn, sorted); keepalived stops (and empties it);
#     lvsmond runs on `lvsmonctl import keepalived FILE` and must make the
#     same table: services, schedulers and flags, persistence, forwarding,
#     reals and weights (a dead real at weight 0 with inhibit_on_failure,
#     a MISC_CHECK misc_dynamic weight from the script's exit code, DR
#     reals on the virtual port while their checks use the port written).
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
plan 12
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

# compare NAME FILE NLINES [REGEX]: keepalived's table (NLINES entries,
# matching REGEX once its checks have run), then lvsmond's, for FILE;
# WANT is keepalived's table
compare()
{
	local name=$1 f=$SRC/$2 n=$3 re=${4:-.} got
	ipvsadm_ -C
	# straight from ip netns exec (it execs keepalived: $! is its pid)
	ip netns exec "$P-dir" "$KA" --check --dont-fork --no-syslog \
	    --log-console \
	    --log-detail -f "$f" -p "$D/ka.pid" -c "$D/ka-check.pid" \
	    -r "$D/ka-vrrp.pid" >"$D/ka-$name.log" 2>&1 &
	KPID=$!
	# settled: the expected entries, what its checks decide (keepalived
	# adds reals as up, then its checks may change them), the same
	# twice 0.5 s apart
	_settled() {
		local a b
		a=$(table)
		[ "$(grep -c . <<<"$a")" = "$n" ] && [[ $a =~ $re ]] ||
		    return 1
		sleep 0.5
		b=$(table)
		[ "$a" = "$b" ]
	}
	wait_until 30 _settled
	WANT=$(table)
	is "$(grep -c . <<<"$WANT")" "$n" \
	    "$name: keepalived made its table ($n entries)" ||
	    diag "$WANT" "$(tail -20 "$D/ka-$name.log")"
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
	_same() { [ "$(table)" = "$WANT" ]; }
	wait_until 30 _same
	got=$(table)
	is "$got" "$WANT" "$name: lvsmond on the imported file makes keepalived's table" ||
	    diag "$(tail -20 "$(lab_log "$P")")"
	lab_daemon_stop "$P"
	ipvsadm_ -C
}

# web-nat: wrr NAT, persistence 50, HTTP_GET on /health (rsd answers 200),
# quorum held so the sorry server is out: 1 service + 2 reals.
compare web-nat t/import/keepalived/web-nat.conf 3
# DR by address (a dead real at weight 0), fwmark sh with flags and
# persistence granularity: 2 services + 5 reals.
compare dr-fwmark t/import/keepalived/lab-dr-fwmark.conf 7 \
    '198\.51\.100\.13:80 -g -w 0'
like "$WANT" "-a -t 203.0.113.10:80 -r 198.51.100.13:80 -g -w 0" \
    "dr-fwmark: the dead real is at weight 0 in both (inhibit_on_failure)"
like "$WANT" "-a -f 42 -r 198.51.100.11:0 -g -w 2" \
    "dr-fwmark: a DR real of a fwmark service has port 0 in both"
# misc_dynamic (exit 7: weight 5) and a UDP ops service without checks:
# 2 services + 4 reals.
compare misc-udp t/import/keepalived/lab-misc-udp.conf 6 \
    '198\.51\.100\.11:8080 -m -w 5'
like "$WANT" "-a -t 203.0.113.10:8000 -r 198.51.100.11:8080 -m -w 5" \
    "misc-udp: misc_dynamic's exit code 7 is weight 5 in both"
