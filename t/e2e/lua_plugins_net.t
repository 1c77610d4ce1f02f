#!/bin/bash
# t/e2e/lua_plugins_net.t - the UDP plugins (plugins/dns.lua, sip.lua,
# ntp.lua) against fake servers (t/tools/fakesrv.py): an answer that
# matches, a wrong answer, NXDOMAIN, SERVFAIL, a SIP 503, an NTP stratum
# too high or unsynchronized, a stopped server; and plugins/http_json.lua,
# whose weight_field sets the real's weight from the server's own JSON all
# the way into the kernel's nft table, and whose field mismatch takes it
# down.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
plug_need_lua

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12 B6=[2001:db8:2::12]

plan 25
lab_up "$P" 2 || bail_out "could not build the lab"
D=$(lab_dir "$P")
# A stopped UDP server is seen as ECONNREFUSED (ICMP port unreachable):
# without a rate limit on those, every check sees one.
lab_exec "$P" rs1 sysctl -qw net.ipv4.icmp_ratelimit=0

body()
{
	printf '%s\n' "$2" >"$D/body$1.json.tmp" &&
	    mv -f "$D/body$1.json.tmp" "$D/body$1.json"
}
body 1 '{"status": "ok", "capacity": 40}'
body 2 '{"status": "ok", "capacity": 10}'
body 3 '{"checks": [{"db": true}, {"cache": false}]}'

plug_fake "$P" 1 dns 53 \
    --record www.example.org A 192.0.2.80 \
    --record www.example.org AAAA 2001:db8:0:0:0:0:0:80 \
    --record alias.example.org CNAME www.example.org \
    --record txt.example.org TXT v=lvsmon1 &&
    plug_fake "$P" 1 sip 5060 &&
    plug_fake "$P" 2/6 sip 5060 &&
    plug_fake "$P" 1 ntp 123 --stratum 2 &&
    plug_fake "$P" 2 ntp 123 --stratum 5 &&
    plug_fake "$P" 1 http 8080 --body "$D/body1.json" &&
    plug_fake "$P" 2 http 8080 --body "$D/body2.json" &&
    plug_fake "$P" 2/6 http 8080 --body "$D/body3.json" ||
    bail_out "a fake server did not start"

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; echo "services = ("
plug_svc dns 53 dns "$A:53" \
    'name = "www.example.org"; expect = "192.0.2.80";'
plug_svc dns6 1053 dns "$A:53" \
    'name = "www.example.org"; type = "AAAA"; expect = "2001:db8::80";'
plug_svc dns-wrong 2053 dns "$A:53" \
    'name = "www.example.org"; expect = "192.0.2.99";'
plug_svc dns-nx 3053 dns "$A:53" 'name = "nosuch.example.org";'
plug_svc dns-cname 4053 dns "$A:53" 'name = "alias.example.org";
    type = "CNAME"; expect = "www.example.org.";'
plug_svc dns-txt 5053 dns "$A:53" 'name = "txt.example.org";
    type = "TXT"; expect = "v=lvsmon1";'
plug_svc sip 5060 sip "$A:5060" ''
plug_svc ntp 123 ntp "$A:123 $B:123" 'max_stratum = 3; max_offset = 5;'
plug_svc web 80 http_json "$A:8080/1 $B:8080/1" 'path = "/status";
    field = "status"; equals = "ok"; weight_field = "capacity";'
PLUG_VIP=2001:db8:ff::10 plug_svc sip6 5060 sip "$B6:5060" ''
PLUG_VIP=2001:db8:ff::10 plug_svc web6 80 http_json "$B6:8080" \
    'field = "checks.1.db"; equals = true;'
echo ");"
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with dns, sip, ntp and http_json lua checks" || exit

plug_want dns up "$A:53" '^dns: www\.example\.org A 192\.0\.2\.80$' \
    "dns is up: the A answer matches expect"
plug_want dns6 up "$A:53" \
    '^dns: www\.example\.org AAAA 2001:db8::80$' \
    "dns AAAA: the answer's RFC 5952 text matches expect"
plug_want dns-wrong down "$A:53" \
    '^dns: www\.example\.org A: 192\.0\.2\.80, want 192\.0\.2\.99$' \
    "dns with another answer than expected: down, both in the message"
plug_want dns-nx down "$A:53" \
    '^dns: nosuch\.example\.org A: NXDOMAIN$' \
    "dns for a name that does not exist: down, NXDOMAIN"
plug_want dns-cname up "$A:53" \
    '^dns: alias\.example\.org CNAME www\.example\.org$' \
    "dns CNAME: the name in the answer matches (case and final dot aside)"
plug_want dns-txt up "$A:53" \
    '^dns: txt\.example\.org TXT v=lvsmon1$' \
    "dns TXT: the string matches"
plug_want sip up "$A:5060" '^sip: 200 OK$' \
    "sip OPTIONS is up on 200 OK (after a 100 Trying)"
plug_want sip6 up "$B6:5060" '^sip: 200 OK$' \
    "sip OPTIONS to an IPv6 real (a [v6] URI and Via) is up"
plug_want ntp up "$A:123" '^ntp: stratum 2, refid 192\.0\.2\.1$' \
    "ntp at stratum 2 is up with its refid"
plug_want ntp down "$B:123" '^ntp: stratum 5, max 3$' \
    "ntp at stratum 5 is down where max_stratum is 3"

plug_want web up "$A:8080" \
    '^http_json: status = "ok", weight 40$' \
    "http_json is up: the field equals ok; the weight comes from capacity"
plug_want web up "$B:8080" \
    '^http_json: status = "ok", weight 10$' "the second real asks for 10"
plug_want web6 up "$B6:8080" '^http_json: checks\.1\.db = true$' \
    "http_json over IPv6: a boolean inside an array is found and equal"
plug_settle "$P" 10
wait_until 5 lab_field_is "$P" web "$A:8080" kernel_weight 40 &&
    wait_until 5 lab_field_is "$P" web "$B:8080" kernel_weight 10
is "$(lab_field "$P" web "$A:8080" kernel_weight)/$(lab_field "$P" web \
    "$B:8080" kernel_weight)" 40/10 \
    "the kernel holds the weights the Lua check asked for (40 and 10)"
body 1 '{"status": "ok", "capacity": 7}'
wait_until 10 lab_field_is "$P" web "$A:8080" kernel_weight 7
is "$(lab_field "$P" web "$A:8080" kernel_weight)" 7 \
    "a new capacity in the JSON moves the kernel's weight to 7"
body 2 '{"status": "degraded", "capacity": 10}'
plug_want web down "$B:8080" \
    '^http_json: status is "degraded", want "ok"$' \
    "a field that does not equal the value: down, both in the message"
plug_settle "$P" 10
wait_until 5 lab_field_is "$P" web "$B:8080" kernel_weight 0
is "$(lab_field "$P" web "$B:8080" kernel_weight)" 0 \
    "and the kernel's weight for it is 0"

plug_sick "$P" 1 dns yes
plug_sick "$P" 1 sip yes
plug_sick "$P" 1 ntp yes
plug_want dns down "$A:53" '^dns: www\.example\.org A: SERVFAIL$' \
    "a dns server answering SERVFAIL: down"
plug_want sip down "$A:5060" '^sip: 503 Service Unavailable$' \
    "a sip server answering 503: down with the status"
plug_want ntp down "$A:123" \
    '^ntp: not synchronized \(stratum 16\)$' \
    "an unsynchronized ntp server (leap 3, stratum 16): down"
plug_settle "$P" 10

plug_fake_stop "$P" 1 dns
plug_fake_stop "$P" 1 sip
plug_fake_stop "$P" 1 ntp
plug_want dns6 down "$A:53" \
    '^dns: www\.example\.org AAAA: ECONNREFUSED$' \
    "a stopped dns server: down"
plug_want sip down "$A:5060" '^sip: OPTIONS: ECONNREFUSED$' \
    "a stopped sip server: down"
plug_want ntp down "$A:123" '^ntp: ECONNREFUSED$' \
    "a stopped ntp server: down"
plug_settle "$P" 10

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
