#!/bin/bash
# t/e2e/route_events.t - route health injection without a router: one
# director with global.announce; its VIP route in table 100 follows the
# service's quorum, and each change reaches every place an operator looks:
# lvsmonctl events (--json too), show --json, /metrics, an alert script
# (mon's calling convention) and SNMP (lvsmonServiceAnnounced in the
# service table, lvsmonServiceRouteChange to snmptrapd).  A route deleted
# by hand comes back with the reconcile; a reload that drops announce
# withdraws it.  The BGP side is
# t/e2e/ecmp_bgp.t.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
ROUTE_CHANGE=$SNMP_LVS.100.0.5		# lvsmonServiceRouteChange
SE=$SNMP_LVS.100.2.1			# lvsmonServiceEntry

plan 32
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf MAIL=$D/alerts.mail
: >"$MAIL"
{ snmp_conf_global "$P" | awk '/^};/ && !d {
    print "  announce = { table = 100; protocol = 250; };"
    print "  reconcile_interval = 1;"
    print "  metrics = \"127.0.0.1:9580\";"; d = 1 } 1'
cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; announce = true;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; } ); }
);
alerts = (
  { type = "exec"; command = "$T/tools/file.alert"; args = ["$MAIL"];
    events = [ "route" ]; }
);
EOF
} >"$CONF"

table100() { ip -n "$P-dir" -4 route show table 100; }
announced() {
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
	    my $v = decode_json(join "", <STDIN>)->{services}[0]{announced};
	    print !defined $v ? "null" : $v ? "true" : "false"'
}
metric() {
	ip netns exec "$P-dir" curl -s --max-time 3 \
	    http://127.0.0.1:9580/metrics | awk -v m="$1" '
	    index($1, m) == 1 && (substr($1, length(m) + 1, 1) == "{" ||
	    length($1) == length(m)) { print $2 }'
}
svc_oid() { snmp_v2ro snmpget "$SE.23.$S" 2>/dev/null | sed 's/.*= //'; }

lab_daemon_start "$P" "$CONF" || bail_out "lvsmond did not start"
lab_events_start "$P" "$D/events.json" --json
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"
wait_until 5 eval '[ "$(announced)" = true ]'
is "$(announced)" true "show --json: announced true"
is "$(table100)" "203.0.113.10 dev lo proto 250 scope link " \
    "table 100 holds the VIP's host route"
is "$(metric lvsmon_service_announced)" 1 "/metrics: lvsmon_service_announced 1"
snmp_wait_subagent 5
S=$(lab_ctl "$P" show --json | perl -MJSON::PP -e '
    print decode_json(join "", <STDIN>)->{services}[0]{id}')
is "$(svc_oid)" "INTEGER: announced(1)" \
    "SNMP: lvsmonServiceAnnounced = announced(1)"
mark=$(wc -l <"$(snmp_traps)")

# every real down: quorum lost, route withdrawn
lab_rs_stop "$P" 1
lab_rs_stop "$P" 2
wait_until 10 eval '[ -z "$(table100)" ]'
is "$(table100)" "" "every real down: the route leaves table 100"
is "$(announced)" false "show --json: announced false"
wait_until 5 grep -q '"type":"route"' "$D/events.json"
line=$(grep '"type":"route"' "$D/events.json" | tail -n 1)
like "$line" '"old":"announced","new":"withdrawn"' \
    "events --json: a route event, announced -> withdrawn"
like "$line" '"message":"service web: quorum lost"' "its message says why"
is "$(metric lvsmon_service_announced)" 0 "/metrics: lvsmon_service_announced 0"
between "$(metric lvsmon_route_changes_total)" 2 2 \
    "/metrics: lvsmon_route_changes_total 2 (announced, withdrawn)"
is "$(svc_oid)" "INTEGER: withdrawn(2)" \
    "SNMP: lvsmonServiceAnnounced = withdrawn(2)"
wait_until 5 snmp_have_traps 2 "$mark" "$ROUTE_CHANGE" "$SE.23.$S" \
    'withdrawn\(2\)'
ok $? "snmptrapd gets lvsmonServiceRouteChange with withdrawn(2) (trap and inform)"
tl=$(snmp_trap_lines "$mark" "$ROUTE_CHANGE" | head -n 1)
is "$(snmp_trap_value "$tl" "$SE.2.$S") $(snmp_trap_value "$tl" "$SE.11.$S")" \
    "web lost(2)" "it names the service and its quorum (lost)"
wait_until 10 grep -q "^Subject: ALERT web/route: " "$MAIL"
ok $? "the alert script gets an ALERT for web/route"
like "$(grep -m1 '^Subject: ALERT' "$MAIL")" \
    "web route withdrawn: service web: quorum lost" \
    "its summary: web route withdrawn: service web: quorum lost"

# back: announced again, an up alert, a notification with announced(1)
mark=$(wc -l <"$(snmp_traps)")
lab_rs_start "$P" 1 || bail_out "rsd 1 did not restart"
wait_until 10 eval '[ -n "$(table100)" ]'
is "$(table100)" "203.0.113.10 dev lo proto 250 scope link " \
    "a real back: the route is back in table 100"
wait_until 5 snmp_have_traps 2 "$mark" "$ROUTE_CHANGE" "$SE.23.$S" \
    'announced\(1\)'
ok $? "snmptrapd gets lvsmonServiceRouteChange with announced(1)"
wait_until 10 grep -q "^Subject: UPALERT web/route: " "$MAIL"
ok $? "the alert script gets an UPALERT for web/route"
like "$(lab_ctl "$P" show)" "route announced" "lvsmonctl show: route announced"

# deleted by hand: the reconcile (reconcile_interval = 1) puts it back
ip -n "$P-dir" route del 203.0.113.10/32 table 100
lab_wait_log "$P" 10 "route 203.0.113.10 table 100: gone from the kernel"
ok $? "the daemon notices the route deleted by hand (log)"
wait_until 10 eval '[ -n "$(table100)" ]'
is "$(table100)" "203.0.113.10 dev lo proto 250 scope link " \
    "and puts it back"

# drain-director lasts a restart (state file)
is "$(lab_ctl "$P" drain-director)" ok "drain-director"
wait_until 10 eval '[ -z "$(table100)" ]'
is "$(table100)" "" "drained: the route is withdrawn"
lab_daemon_stop "$P"
lab_daemon_start "$P" "$CONF" || bail_out "lvsmond did not restart"
like "$(lab_ctl "$P" show)" "director drained" \
    "after a restart the director is still drained (state file)"
lab_wait_state "$P" 10 web up "$R1"
is "$(table100)" "" "and the route stays withdrawn once rs1 is up again"
is "$(lab_ctl "$P" undrain-director)" ok "undrain-director"
wait_until 10 eval '[ -n "$(table100)" ]'

# a restart adopts the route; with every real down meanwhile, the first
# verdicts withdraw it (the reals are adopted as up from the kernel's
# weights and fall at their first check; reconcile off, so no tick helps)
sed -i 's/reconcile_interval = 1;/reconcile_interval = 0;/' "$CONF"
lab_daemon_stop "$P"
lab_rs_stop "$P" 1
lab_daemon_start "$P" "$CONF" || bail_out "lvsmond did not restart"
lab_wait_log "$P" 10 "route 203.0.113.10 table 100: adopted"
ok $? "the restart adopts the route"
wait_until 10 eval '[ -z "$(table100)" ]'
is "$(table100)" "" \
    "every real down: the first verdicts withdraw the adopted route"
lab_rs_start "$P" 1 || bail_out "rsd 1 did not restart"
wait_until 10 eval '[ -n "$(table100)" ]'

# a reload without announce = true withdraws it
sed -i 's/ announce = true;//' "$CONF"
like "$(lab_ctl "$P" reload)" "^reloaded" "reload without announce = true"
wait_until 10 eval '[ -z "$(table100)" ]'
is "$(table100)" "" "the route is withdrawn"
lab_wait_log "$P" 5 "withdrawn: no service announces it any more"
ok $? "the log says why: no service announces it any more"
