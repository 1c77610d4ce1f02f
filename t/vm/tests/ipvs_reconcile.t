#!/bin/bash
# t/vm/tests/ipvs_reconcile.t - a hand-made change to the IPVS table
# ("ipvsadm -d" of a real, "-e" of a weight, "-A" of a stray service) is
# repaired by lvsmond's periodic reconcile (global.reconcile_interval = 1)
# without a restart.
#
# Skips while this build's lvsmond does not know reconcile_interval (the
# periodic reconcile is its own piece of work; the backend's repair is in
# ipvs_kernel.t).
T=$(cd "$(dirname "$0")/../.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
[ -e /proc/net/ip_vs ] || modprobe ip_vs 2>/dev/null
[ -e /proc/net/ip_vs ] || skip_all "no IPVS in this kernel"
command -v ipvsadm >/dev/null || skip_all "no ipvsadm"
[ -x "$LVSMON_BUILD/lvsmond" ] || skip_all "no lvsmond (make first)"

P=$(lab_prefix)
VIP=$LAB_VIP4
R1=198.51.100.11:8080 R2=198.51.100.12:8080
probe=$(mktemp)
printf 'global = { backend = "none"; reconcile_interval = 1; };\n' >"$probe"
"$LVSMON_BUILD/lvsmond" -t -f "$probe" >/dev/null 2>&1 ||
    { rm -f "$probe"; skip_all "this lvsmond has no global.reconcile_interval"; }
rm -f "$probe"

plan 6
lab_up "$P" 2 || bail_out "cannot build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P" ipvs | sed '$d'; cat <<EOF
  reconcile_interval = 1;
};
services = (
  { name = "web"; address = "$VIP"; port = 80; scheduler = "wrr";
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 2; } ); }
);
EOF
} >"$CONF"

saved()
{
	lab_exec "$P" dir ipvsadm -Sn | sort
}
want=$(sort <<EOF
-A -t $VIP:80 -s wrr
-a -t $VIP:80 -r $R1 -m -w 1
-a -t $VIP:80 -r $R2 -m -w 2
EOF
)
saved_is_want()
{
	[ "$(saved)" = "$want" ]
}

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with reconcile_interval = 1" || bail_out "no daemon"
wait_until 10 saved_is_want
is "$(saved)" "$want" "ipvsadm shows the configured table"
# One ipvsadm -R: the three changes at once, so that one reconcile sees
# them together (a service without reals among them).
lab_exec "$P" dir ipvsadm -R <<EOF
-d -t $VIP:80 -r $R1
-e -t $VIP:80 -r $R2 -m -w 9
-A -t $VIP:99 -s lc
EOF
ok $? "ipvsadm -d, -e and -A by hand change the kernel's table"
wait_until 5 saved_is_want
is "$(saved)" "$want" "within a few seconds the reconcile puts the real \
back, its weight right and the stray service away"
# every real of the service deleted by hand: an empty service
lab_exec "$P" dir ipvsadm -R <<EOF
-d -t $VIP:80 -r $R1
-d -t $VIP:80 -r $R2
EOF
wait_until 5 saved_is_want
is "$(saved)" "$want" "a service whose reals were all deleted by hand \
gets them back"
lab_daemon_alive "$P"
ok $? "lvsmond is still running after both repairs"
lab_daemon_stop "$P"
