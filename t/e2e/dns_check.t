#!/bin/bash
# t/e2e/dns_check.t - the dns check against dnsmasq in the lab: a name it
# serves with the expected address is up; the same name with an address it
# does not serve, and a name it says NXDOMAIN for, are down with L7RSP and
# a message saying why; once dnsmasq stops, the port is unreachable and the
# good one goes down too (L4CON).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$DNSMASQ" ] || skip_all "no dnsmasq (apt-get install dnsmasq-base)"

P=$(lab_prefix)
R=198.51.100.11:53

plan 11
lab_up "$P" 1 || bail_out "could not build the lab"
D=$(lab_dir "$P")
ip netns exec "$P-rs1" "$DNSMASQ" -k -C /dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=198.51.100.11 --port=53 \
    --address=/www.example/192.0.2.80 --address=/gone.example/ \
    --pid-file="$D/dnsmasq.pid" >"$D/dnsmasq.log" 2>&1 &
DNSMASQ_PID=$!
stop_dnsmasq()
{
	kill "$DNSMASQ_PID" 2>/dev/null
	wait "$DNSMASQ_PID" 2>/dev/null
}
T_EXIT_HOOKS+=(stop_dnsmasq)
wait_until 20 test -s "$D/dnsmasq.pid" || bail_out "dnsmasq did not start"

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<'EOF2'
services = (
  { name = "good"; address = "203.0.113.53"; port = 53; protocol = "udp";
    check = { type = "dns"; name = "www.example"; expect = "192.0.2.80";
              interval = 0.5; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 53; } ); },
  { name = "wrong"; address = "203.0.113.54"; port = 53; protocol = "udp";
    check = { type = "dns"; name = "www.example"; expect = "192.0.2.99";
              interval = 0.5; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 53; } ); },
  { name = "gone"; address = "203.0.113.55"; port = 53; protocol = "udp";
    check = { type = "dns"; name = "gone.example";
              interval = 0.5; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 53; } ); }
);
EOF2
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 good up "$R"
ok $? "dnsmasq serving www.example 192.0.2.80: up"
is "$(lab_field "$P" good "$R" message)" \
    "dns: www.example A NOERROR, 1 answer" "the message sums up the answer"
lab_wait_state "$P" 10 wrong down "$R"
ok $? "expecting an address it does not serve: down"
is "$(lab_field "$P" wrong "$R" reason)" L7RSP "the reason is L7RSP"
is "$(lab_field "$P" wrong "$R" message)" \
    "dns: www.example A: no 192.0.2.99 in 192.0.2.80" \
    "the message lists what came"
lab_wait_state "$P" 10 gone down "$R"
ok $? "a name dnsmasq answers NXDOMAIN for: down"
is "$(lab_field "$P" gone "$R" message)" \
    "dns: rcode NXDOMAIN, want NOERROR" "the message names the rcode"

stop_dnsmasq
lab_wait_state "$P" 10 good down "$R"
ok $? "once dnsmasq stops, the good one goes down too"
# ICMP errors are rate-limited: wait for a run that saw one.
wait_until 5 lab_field_is "$P" good "$R" reason L4CON
ok $? "with reason L4CON (ICMP port unreachable)"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
