#!/bin/bash
# t/e2e/tcp_raw.t - tcp mode = "raw" (the daemon's one batched SYN prober)
# in the lab, over IPv4 and IPv6: rs1 and rs2 are up on SYN-ACKs while
# their kernels see every check end in SYN-RCVD -> CLOSED, never an
# established connection; once rs2's server stops, the RST brings it down
# (L4CON "syn: RST") in both families, and while it is down it is checked
# every down_interval (0.2 s), not every interval (1 s).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
R16=[2001:db8:2::11]:8080 R26=[2001:db8:2::12]:8080

plan 9
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P" none; cat <<'EOF2'
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; mode = "raw"; interval = 1.0;
              down_interval = 0.2; rise = 1; fall = 1; };
    real_servers = ( { address = "198.51.100.11"; port = 8080; },
                     { address = "198.51.100.12"; port = 8080; } ); },
  { name = "web6"; address = "2001:db8:ff::10"; port = 80;
    check = { type = "tcp"; mode = "raw"; interval = 0.3; rise = 1;
              fall = 1; };
    real_servers = ( { address = "2001:db8:2::11"; port = 8080; },
                     { address = "2001:db8:2::12"; port = 8080; } ); }
);
EOF2
} >"$CONF"

# tcp_mib NS NAME: a TCP counter of a real's namespace (/proc/net/snmp)
tcp_mib()
{
	lab_exec "$P" "$1" cat /proc/net/snmp | awk -v k="$2" '
		$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) n[$i] = i;
			h = 1; next }
		$1 == "Tcp:" { print $n[k] }'
}
fails0=$(tcp_mib rs1 AttemptFails) resets0=$(tcp_mib rs1 EstabResets)

lab_daemon_start "$P" "$CONF" -d
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" &&
    lab_wait_state "$P" 10 web6 up "$R16" "$R26"
ok $? "rs1 and rs2 are up on SYN-ACKs, over IPv4 and IPv6"
like "$(lab_field "$P" web6 "$R16" message)" '^syn-ack in [0-9]+ ms$' \
    "the message is syn-ack in N ms"
more() { [ "$(grep -c 'real web6/\[2001:db8:2::11\]:8080: check tcp ok' \
    "$(lab_log "$P")")" -ge 10 ]; }
wait_until 10 more
between $(($(tcp_mib rs1 AttemptFails) - fails0)) 10 100000 \
    "rs1's kernel saw at least 10 handshakes end in SYN-RCVD -> CLOSED"
is $(($(tcp_mib rs1 EstabResets) - resets0)) 0 \
    "... and no established connection reset: none was ever completed"
lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2" && lab_wait_state "$P" 10 web6 down "$R26"
ok $? "once rs2's server stops, it goes down in both families"
is "$(lab_field "$P" web "$R2" reason) $(lab_field "$P" web6 "$R26" message)" \
    "L4CON syn: RST" "the reason is L4CON, syn: RST"
# gap_ms REGEX K: the mean gap between the last K log lines matching REGEX
gap_ms()
{
	grep -E "$1" "$(lab_log "$P")" | tail -n "$(($2 + 1))" | awk '
		{ split(substr($1, 12, 12), t, ":")
		  s = t[1] * 3600 + t[2] * 60 + t[3]
		  if (NR > 1) { d += s - p; n++ }
		  p = s }
		END { printf "%d\n", n ? d / n * 1000 : -1 }'
}
enough() { [ "$(grep -cE "$1" "$(lab_log "$P")")" -ge "$2" ]; }
F2='real web/198.51.100.12:8080: check tcp failed'
O1='real web/198.51.100.11:8080: check tcp ok'
base=$(grep -cE "$F2" "$(lab_log "$P")")
wait_until 10 enough "$F2" $((base + 8))
between "$(gap_ms "$F2" 6)" 150 300 \
    "while down rs2 is checked every down_interval, 0.2 s ($(gap_ms "$F2" 6) ms)"
between "$(gap_ms "$O1" 3)" 800 1200 \
    "rs1, up, keeps the 1 s interval ($(gap_ms "$O1" 3) ms)"
lab_daemon_stop "$P"
