#!/bin/bash
# t/e2e/tcp_syn.t - tcp mode = "syn" (half-open) in the lab: rs1 is up on a
# SYN-ACK, and its kernel sees every check end in SYN-RCVD -> CLOSED (TCP
# AttemptFails), never an established connection that is reset (TCP
# EstabResets): the server is never handed a connection.  Once rsd stops,
# the RST brings rs1 down with L4CON "syn: RST".
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080

plan 8
lab_up "$P" 1 || bail_out "could not build the lab"
lab_rs_start "$P" 1 || bail_out "rsd did not start"
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P"; cat <<'EOF2'
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; mode = "syn"; interval = 0.2; rise = 2;
              fall = 2; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF2
} >"$CONF"

# tcp_mib NAME: a TCP counter of rs1's namespace (/proc/net/snmp)
tcp_mib()
{
	lab_exec "$P" rs1 cat /proc/net/snmp | awk -v k="$1" '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) n[$i] = i;
			h = 1; next }
		$1 == "Tcp:" { print $n[k] }'
}
fails0=$(tcp_mib AttemptFails) resets0=$(tcp_mib EstabResets)

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1"
ok $? "rs1 is up on SYN-ACKs"
like "$(lab_field "$P" web "$R1" message)" '^syn-ack in [0-9]+ ms$' \
    "the message is syn-ack in N ms"
more() { [ "$(grep -c 'check tcp ok' "$(lab_log "$P")")" -ge 10 ]; }
wait_until 10 more
ok $? "rs1 was checked 10 times"
between $(($(tcp_mib AttemptFails) - fails0)) 10 100000 \
    "rs1's kernel saw at least 10 handshakes end in SYN-RCVD -> CLOSED"
is $(($(tcp_mib EstabResets) - resets0)) 0 \
    "... and no established connection reset: none was ever completed"
lab_rs_stop "$P" 1
lab_wait_state "$P" 10 web down "$R1"
ok $? "once rsd stops, rs1 goes down"
is "$(lab_field "$P" web "$R1" reason) $(lab_field "$P" web "$R1" message)" \
    "L4CON syn: RST" "the reason is L4CON, syn: RST"
lab_daemon_stop "$P"
