#!/bin/bash
# t/e2e/ecmp_bgp.t - two active directors behind a router running BIRD 2:
# each lvsmond puts its VIP route into table 100 while its service has
# quorum, each director's BIRD announces it by BGP, and the router holds
# the VIP with two ECMP next hops; a client behind the router reaches the
# real servers through both.  Failing every real's health check on one
# director (or lvsmonctl drain-director) withdraws that director's route
# from the router, and the client's new connections keep succeeding
# through the other.  A restart with on_exit = "keep" adopts the route
# without withdrawing it.  Picture: t/ecmp.sh.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/ecmp.sh"
need_lab
command -v bird >/dev/null && command -v birdc >/dev/null ||
    skip_all "no bird(8) (Debian package bird2)"

P=$(lab_prefix)
A=${P}a B=${P}b
HOP_A=192.0.2.66 HOP_B=192.0.2.70

plan 36
ecmp_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" -l "$(lab_rs_addr "$i"):8081" ||
	    bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")

# svc_field PREFIX FIELD: the service's field in show --json
svc_field()
{
	lab_ctl "$1" show --json 2>/dev/null | perl -MJSON::PP -e '
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		my $v = $d->{services}[0]{$ARGV[0]};
		print !defined $v ? "null" : JSON::PP::is_bool($v) ?
		    ($v ? "true" : "false") : $v;' "$2"
}
svc_field_is() { [ "$(svc_field "$1" "$2")" = "$3" ]; }
hops() { ecmp_router_hops "$P" | tr '\n' ' ' | sed 's/ $//'; }
hops_are() { [ "$(hops)" = "$1" ]; }
table100() { ip -n "$1-dir" -4 route show table 100 2>/dev/null; }
ms() { echo "${EPOCHREALTIME/./}" | cut -c1-13; }
# tally_ok N: N new connections from the client, none failed, all answered
tally_fails()
{
	lab_tally "$P" -c "$1" -t 2000 "$ECMP_VIP:80" |
	    awk '$1 == "fail" { print $2 }'
}

ecmp_start "$P" a || bail_out "lvsmond a did not start"
ecmp_start "$P" b || bail_out "lvsmond b did not start"
lab_events_start "$A" "$D/events-a"
lab_events_start "$B" "$D/events-b"

# --- announced: each director's table, then BGP, then the router ---------
wait_until 20 svc_field_is "$A" announced true
is "$(svc_field "$A" announced)" true \
    "show --json: director a announces web once its reals are up"
wait_until 20 svc_field_is "$B" announced true
is "$(svc_field "$B" announced)" true "show --json: director b announces it"
like "$(table100 "$A")" "^$ECMP_VIP dev lo proto 250 scope link" \
    "director a: the VIP's host route is in table 100, protocol 250"
like "$(lab_ctl "$A" show)" "route announced" \
    "lvsmonctl show says the route is announced"
ecmp_bird_start "$P" || bail_out "bird did not start"
wait_until 60 hops_are "$HOP_A $HOP_B"
is "$(hops)" "$HOP_A $HOP_B" \
    "the router's table holds the VIP with two ECMP next hops (a and b)"
note "router: $(ip -n "$P-rtr" route show "$ECMP_VIP/32" | tr '\n' ' ')"

# --- traffic through both directors ---------------------------------------
fa0=$(ecmp_new_flows "$P" a) fb0=$(ecmp_new_flows "$P" b)
is "$(tally_fails 200)" 0 "200 new connections from the client all answered"
fa1=$(ecmp_new_flows "$P" a) fb1=$(ecmp_new_flows "$P" b)
note "new flows: director a $((fa1 - fa0)), director b $((fb1 - fb0))"
between $((fa1 - fa0)) 1 200 "some of them went through director a"
between $((fb1 - fb0)) 1 200 "some of them went through director b"
between $((fa1 - fa0 + fb1 - fb0)) 200 400 \
    "every connection went through one of the directors"

# --- every real fails on director a: its route leaves the router -----------
t0=$(ms)
ecmp_checks "$P" a cut
wait_until 30 hops_are "$HOP_B"
t1=$(ms)
is "$(hops)" "$HOP_B" \
    "every real failing on director a withdraws its route from the router"
note "withdraw time (checks cut -> route gone at the router): $((t1 - t0)) ms" \
    "(check interval 0.5 s, fall 1)"
between $((t1 - t0)) 0 30000 "within a generous bound (30 s)"
is "$(table100 "$A")" "" "director a: table 100 no longer holds the VIP"
is "$(svc_field "$A" announced)" false "show --json: a's route withdrawn"
is "$(svc_field "$A" quorum)" lost "show --json: a's service lost quorum"
wait_until 5 grep -q "route web withdrawn: service web: quorum lost" \
    "$D/events-a"
ok $? "lvsmonctl events: 'route web withdrawn: service web: quorum lost'"
is "$(table100 "$B")" "$ECMP_VIP dev lo proto 250 scope link " \
    "director b keeps its route"
fa0=$(ecmp_new_flows "$P" a) fb0=$(ecmp_new_flows "$P" b)
is "$(tally_fails 100)" 0 \
    "the client's new connections keep succeeding (100 of 100)"
fa1=$(ecmp_new_flows "$P" a) fb1=$(ecmp_new_flows "$P" b)
is $((fa1 - fa0)) 0 "none of them went to director a"
between $((fb1 - fb0)) 100 200 "all of them went through director b"

# --- a's reals back: its route comes back ----------------------------------
ecmp_checks "$P" a ok
wait_until 30 hops_are "$HOP_A $HOP_B"
is "$(hops)" "$HOP_A $HOP_B" "a's reals back up: two next hops again"
wait_until 5 grep -q "route web announced: quorum held" "$D/events-a"
ok $? "lvsmonctl events: 'route web announced: quorum held'"

# --- drain-director on b ----------------------------------------------------
t0=$(ms)
is "$(lab_ctl "$B" drain-director)" ok "lvsmonctl drain-director: ok"
wait_until 30 hops_are "$HOP_A"
t1=$(ms)
is "$(hops)" "$HOP_A" "drain-director on b withdraws b's route"
note "withdraw time (drain-director -> route gone at the router):" \
    "$((t1 - t0)) ms"
like "$(lab_ctl "$B" show)" "director drained" "show says b is drained"
is "$(svc_field "$B" quorum)" ok "b's service still has quorum (only drained)"
grep -q "route web withdrawn: director drained" "$D/events-b"
ok $? "lvsmonctl events: 'route web withdrawn: director drained'"
is "$(tally_fails 100)" 0 "the client's new connections keep succeeding"
is "$(lab_ctl "$B" undrain-director)" ok "lvsmonctl undrain-director: ok"
wait_until 30 hops_are "$HOP_A $HOP_B"
is "$(hops)" "$HOP_A $HOP_B" "undrain-director: b announces again"

# --- restart with on_exit = "keep": the route is adopted, not flapped ------
lab_daemon_stop "$A"
ok $? "lvsmond a stops cleanly (on_exit = keep)"
like "$(table100 "$A")" "^$ECMP_VIP dev lo" \
    "on_exit = keep: the route stays in table 100 while lvsmond is down"
lab_daemon_start "$A" "$(lab_dir "$A")/lvsmond.conf" ||
    bail_out "lvsmond a did not restart"
: >"$D/events-a2"
lab_events_start "$A" "$D/events-a2" --since 0
lab_wait_log "$A" 20 "route $ECMP_VIP table 100: adopted"
ok $? "the restarted daemon adopts the route it finds"
wait_until 20 svc_field_is "$A" announced true
is "$(svc_field "$A" announced)" true "and announces on once its reals are up"
grep -q "route web withdrawn" "$D/events-a2"
is $? 1 "no withdraw happened in the restart (no flap)"
is "$(hops)" "$HOP_A $HOP_B" "the router kept both next hops"

# --- on_exit = flush withdraws -----------------------------------------------
sed -i 's/reconcile_interval = 2;/reconcile_interval = 2; on_exit = "flush";/' \
    "$(lab_dir "$B")/lvsmond.conf"
lab_ctl "$B" reload >/dev/null
lab_daemon_stop "$B"
is "$(table100 "$B")" "" "on_exit = flush: b's route is withdrawn at exit"
