#!/bin/bash
# t/e2e/sendexpect_checks.t - checks built on the send/expect engine, each
# against a real server in the lab, each seen going down with its reason
# and (where the server can recover) up again:
#   sendexpect  inline steps against rsd: /health 503 -> L7RSP, with what
#               the server said and what the step wanted
#   redis       redis-server: PING/+PONG; requirepass -> L7RSP "-NOAUTH..."
#   memcached   memcached: version; stopped -> L4CON
#   udp         rsd -u answers datagrams; stopped -> ICMP port unreachable,
#               L4CON "read: ECONNREFUSED"
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
for prog in redis-server redis-cli memcached; do
	command -v "$prog" >/dev/null || skip_all "$prog is not installed"
done

P=$(lab_prefix)
R1=198.51.100.11:8080 RD=198.51.100.12:6379 MC=198.51.100.13:11211

plan 21
lab_up "$P" 3 || bail_out "could not build the lab"
lab_rs_start "$P" 1 -u || bail_out "rsd 1 did not start"
D=$(lab_dir "$P")

ip netns exec "$P-rs2" redis-server --bind 198.51.100.12 --port 6379 \
    --save "" --appendonly no --protected-mode no --daemonize no \
    --dir "$D" >"$D/redis.log" 2>&1 &
REDIS=$!
ip netns exec "$P-rs3" memcached -l 198.51.100.13 -p 11211 -U 0 -u root \
    >"$D/memcached.log" 2>&1 &
MEMCD=$!
stop_servers()
{
	kill "$REDIS" "$MEMCD" 2>/dev/null
	wait "$REDIS" "$MEMCD" 2>/dev/null
}
T_EXIT_HOOKS+=(stop_servers)
rcli() { ip netns exec "$P-rs2" redis-cli -h 198.51.100.12 "$@"; }
wait_until 5 sh -c "ip netns exec $P-rs2 redis-cli -h 198.51.100.12 ping |
    grep -q PONG" || bail_out "redis-server did not start"
wait_until 5 ip netns exec "$P-rs3" bash -c \
    'exec 3<>/dev/tcp/198.51.100.13/11211' ||
    bail_out "memcached did not start"

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<'EOF'
services = (
  { name = "inline"; address = "203.0.113.10"; port = 80;
    check = { type = "sendexpect"; interval = 0.3; timeout = 1;
              rise = 1; fall = 1;
              steps = ( { send = "GET /health HTTP/1.0\r\n\r\n"; },
                        { expect_re = "^HTTP/1\\.[01] 200 "; } ); };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); },
  { name = "cache"; address = "203.0.113.11"; port = 6379;
    check = { type = "redis"; interval = 0.3; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.12"; port = 6379; } ); },
  { name = "mc"; address = "203.0.113.12"; port = 11211;
    check = { type = "memcached"; interval = 0.3; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.13"; port = 11211; } ); },
  { name = "dgram"; address = "203.0.113.13"; port = 8080;
    protocol = "udp";
    check = { type = "udp"; send = "ping"; expect = "rs1";
              interval = 1; timeout = 0.8; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit

lab_wait_state "$P" 10 inline up "$R1"
ok $? "inline steps: rs1 is up"
like "$(lab_field "$P" inline "$R1" message)" \
    '^sendexpect: ok in [0-9]+ ms: "HTTP/1\.0 200 OK"$' \
    "the message quotes the line the expect matched"
lab_rs_health "$P" 1 fail
lab_wait_state "$P" 10 inline down "$R1"
ok $? "inline steps: rs1 goes down when /health answers 503"
is "$(lab_field "$P" inline "$R1" reason)" L7RSP "the reason is L7RSP"
want='expect step 2: got "HTTP/1.0 503 Service Unavailable"'
want+=' want /^HTTP/1\.[01] 200 /'
is "$(lab_field "$P" inline "$R1" message)" "$want" \
    "the message names the step, what came and what was wanted"
lab_rs_health "$P" 1 ok
lab_wait_state "$P" 10 inline up "$R1"
ok $? "inline steps: rs1 is up again"

lab_wait_state "$P" 10 cache up "$RD"
ok $? "redis: redis-server is up"
like "$(lab_field "$P" cache "$RD" message)" \
    '^redis: ok in [0-9]+ ms: "\+PONG"$' "its message quotes +PONG"
rcli config set requirepass sekrit >/dev/null
lab_wait_state "$P" 10 cache down "$RD"
ok $? "redis: down once it requires a password"
is "$(lab_field "$P" cache "$RD" reason)" L7RSP "the reason is L7RSP"
like "$(lab_field "$P" cache "$RD" message)" \
    '^expect step 2: got "-NOAUTH Authentication required\." want /' \
    "the message quotes redis' -NOAUTH"
rcli -a sekrit --no-auth-warning config set requirepass "" >/dev/null
lab_wait_state "$P" 10 cache up "$RD"
ok $? "redis: up again without the password"

lab_wait_state "$P" 10 mc up "$MC"
ok $? "memcached: up"
like "$(lab_field "$P" mc "$MC" message)" '"VERSION [0-9.]+"$' \
    "its message quotes memcached's VERSION line"
kill "$MEMCD"; wait "$MEMCD" 2>/dev/null
lab_wait_state "$P" 10 mc down "$MC"
ok $? "memcached: down once it is stopped"
# a check that was connected when memcached died ends IOERR (reset); the
# next ones are refused
wait_until 5 lab_field_is "$P" mc "$MC" reason L4CON
ok $? "the reason is L4CON once nothing listens"

lab_wait_state "$P" 10 dgram up "$R1"
ok $? "udp: rs1 answers the datagram: up"
lab_rs_stop "$P" 1
lab_wait_state "$P" 10 dgram down "$R1"
ok $? "udp: down once nothing listens (ICMP port unreachable)"
# The kernel rate-limits ICMP errors (a burst, then 1/s per peer): a run
# may also end in a timeout, so wait for one that saw the ICMP.
wait_until 5 lab_field_is "$P" dgram "$R1" reason L4CON
is "$(lab_field "$P" dgram "$R1" reason) $(lab_field "$P" dgram "$R1" \
    message)" "L4CON read: ECONNREFUSED" \
    "the reason is L4CON, read: ECONNREFUSED"
lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
