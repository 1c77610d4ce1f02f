#!/bin/bash
# t/e2e/quorum.t - a service that falls below its quorum sends new flows to
# its sorry server and says so (log, event stream, show); when enough reals
# are back, traffic returns to them and the sorry server gets weight 0.
# A second service over the same reals has hysteresis 1 and no sorry
# server: it is lost only when no real is left (below 2 - 1) and regained
# only when all three are up (2 + 1).
#
# Lab: rs1..rs3 are the reals, rs4 is the sorry server.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
SORRY=198.51.100.14:8080

plan 29
lab_up "$P" 4 || bail_out "could not build the lab"
for i in 1 2 3 4; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    quorum = 2; sorry_server = "$SORRY"; sorry_weight = 5;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; },
      { address = "198.51.100.13"; port = 8080; } ); },
  { name = "hyst"; address = "203.0.113.10"; port = 81;
    quorum = 2; hysteresis = 1;
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; },
      { address = "198.51.100.12"; port = 8080; },
      { address = "198.51.100.13"; port = 8080; } ); }
);
EOF
} >"$CONF"

# svc_field SERVICE FIELD: a service's field in show --json
svc_field()
{
	lab_ctl "$P" show --json 2>/dev/null | perl -MJSON::PP -e '
		my ($svc, $field) = @ARGV;
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		for my $s (@{$d->{services}}) {
			next unless $s->{name} eq $svc;
			my $v = $s->{$field};
			print !defined $v ? "null" : JSON::PP::is_bool($v) ?
			    ($v ? "true" : "false") : $v;
			exit 0;
		}
		exit 1;' "$1" "$2"
}
svc_field_is() { [ "$(svc_field "$1" "$2")" = "$3" ]; }
# seen SERVICE TEXT: the event stream has "quorum SERVICE ok: TEXT" after
# a "quorum SERVICE lost" line (the start, with every real down until its
# first check, has its own "ok" line).
seen_after_lost()
{
	awk -v l="quorum $1 lost" -v o="quorum $1 ok: $2" '
	    index($0, l) { lost = 1 }
	    lost && index($0, o) { found = 1 }
	    END { exit !found }' "$D/events"
}
kw() { lab_field "$P" web "$1" kernel_weight; }
kws() { echo "$(kw $R1) $(kw $R2) $(kw $R3) $(kw $SORRY)"; }

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with quorum, hysteresis and a sorry server" || exit
lab_events_start "$P" "$D/events"
lab_wait_state "$P" 10 web up "$R1" "$R2" "$R3"
ok $? "the three reals are up"
wait_until 5 svc_field_is web quorum ok
is "$(svc_field web quorum)" ok "show --json: web holds its quorum"
is "$(lab_field "$P" web "$SORRY" sorry)" true \
    "show --json marks $SORRY as the sorry server"
like "$(lab_ctl "$P" show)" "$SORRY +up .*\[sorry\]" \
    "show marks the sorry server [sorry]"
wait_until 5 test "$(kws)" = "1 1 1 0"
is "$(kws)" "1 1 1 0" "kernel: reals at weight 1, the sorry server at 0"
out=$(lab_tally "$P" -c 60 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs4)" 0 "with quorum the sorry server gets nothing"
is "$(lab_count "$out" fail)" 0 "every request is answered"

lab_rs_stop "$P" 1
lab_wait_state "$P" 10 web down "$R1"
ok $? "rs1 stopped: down"
is "$(svc_field web quorum)" ok "2 of 3 serving: quorum 2 still held"

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
wait_until 5 svc_field_is web quorum lost
is "$(svc_field web quorum)" lost "1 of 3 serving: web has lost its quorum"
lab_wait_log "$P" 5 "service web: quorum lost: 1 of 3 serving, quorum 2; sorry server takes new flows"
ok $? "the log says: quorum lost: 1 of 3 serving, quorum 2; sorry server takes new flows"
wait_until 5 grep -q "quorum web lost: 1 of 3 serving, quorum 2" "$D/events"
ok $? "lvsmonctl events shows the quorum_lost event with the numbers"
is "$(svc_field hyst quorum)" ok \
    "hyst (hysteresis 1) still holds with 1 of 3 serving (lost below 2 - 1)"
wait_until 5 test "$(kws)" = "0 0 0 5"
is "$(kws)" "0 0 0 5" \
    "kernel: the sorry server has weight 5, the remaining real rs3 0"
out=$(lab_tally "$P" -c 60 -t 1000 203.0.113.10:80)
note "quorum lost:" "$out"
is "$(lab_count "$out" rs4)" 60 "every new request is answered by the sorry server"
like "$(lab_ctl "$P" show)" "quorum lost: sorry server serving" \
    "show says the sorry server is serving"

lab_rs_stop "$P" 3
lab_wait_state "$P" 10 web down "$R3"
wait_until 5 svc_field_is hyst quorum lost
is "$(svc_field hyst quorum)" lost "no real left: hyst has lost its quorum too"

lab_rs_start "$P" 1 && lab_rs_start "$P" 2
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "rs1 and rs2 are back up"
wait_until 5 svc_field_is web quorum ok
is "$(svc_field web quorum)" ok "2 of 3 serving: web has regained its quorum"
wait_until 5 seen_after_lost web "2 of 3 serving, quorum 2"
ok $? "lvsmonctl events shows the quorum_regained event"
lab_wait_log "$P" 5 "service web: quorum regained: 2 of 3 serving, quorum 2; back to the real servers"
ok $? "the log says quorum regained, back to the real servers"
is "$(svc_field hyst quorum)" lost \
    "hyst is still lost with 2 of 3: it needs 2 + 1"
wait_until 5 test "$(kws)" = "1 1 0 0"
is "$(kws)" "1 1 0 0" "kernel: rs1 rs2 at 1 again, the sorry server at 0"
out=$(lab_tally "$P" -c 60 -t 1000 203.0.113.10:80)
note "quorum regained:" "$out"
is "$(lab_count "$out" rs4)" 0 "the sorry server gets no new request"
is "$(( $(lab_count "$out" rs1) + $(lab_count "$out" rs2) ))" 60 \
    "rs1 and rs2 answer every request"

lab_rs_start "$P" 3
lab_wait_state "$P" 10 hyst up "$R3"
wait_until 5 svc_field_is hyst quorum ok
is "$(svc_field hyst quorum)" ok "3 of 3: hyst regains its quorum (2 + 1)"
wait_until 5 seen_after_lost hyst "3 of 3 serving, quorum 2 (hysteresis 1)"
ok $? "the event names the hysteresis"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
