#!/bin/bash
# t/e2e/metrics.t - global.metrics: curl on /metrics gets Prometheus text
# that promtool and a strict parser (t/tools/promparse.py) accept, with the
# series an operator graphs: real states (a stopped real is down), weights
# (configured, effective, kernel), check durations and results by reason,
# state changes, and the kernel's counters rising with traffic.  Other
# paths are 404, other methods 405; label values are escaped; the listener
# works on IPv6 too.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v curl >/dev/null || skip_all "no curl"

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
PARSE=$T/tools/promparse.py

plan 26
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")

conf()
{
	lab_conf_global "$P" | sed "s|^};|  metrics = \"$1\";\n};|"
	cat <<'EOF'
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; fall = 1; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 3; },
      { address = "198.51.100.12"; port = 8080; weight = 2; } ); },
  { name = "odd\"svc\\x"; address = "203.0.113.10"; port = 81;
    real_servers = ( { address = "198.51.100.11"; port = 8080; } ); }
);
EOF
}
conf 127.0.0.1:9580 >"$D/lvsmond.conf"

# scrape [URL]: the body into $D/scrape, its samples as the strict parser
# reads them into $D/series (empty if it refuses the text), "CODE
# CONTENT-TYPE" on stdout.  The bound is generous: the machine may be busy.
scrape()
{
	rm -f "$D/scrape"
	lab_exec "$P" dir curl -sS --max-time 20 -o "$D/scrape" \
	    -w '%{http_code} %{content_type}' \
	    "${1:-http://127.0.0.1:9580/metrics}"
	"$PARSE" "$D/scrape" >"$D/series" 2>"$D/parse.err" || : >"$D/series"
}
# series NAME{LABELS}: its value in the last scrape
series()
{
	awk -v k="$1" '$1 == k { print $2 }' "$D/series"
}
rs_label() { echo "real=\"$1\",service=\"web\""; }

lab_daemon_start "$P" "$D/lvsmond.conf"
ok $? "lvsmond starts with global.metrics = 127.0.0.1:9580" || exit
like "$(cat "$(lab_log "$P")")" "metrics on http://127.0.0.1:9580/metrics" \
    "the log says where the metrics are"
lab_wait_state "$P" 10 web up "$R1" "$R2"
ok $? "both reals are up"

is "$(scrape)" "200 text/plain; version=0.0.4; charset=utf-8" \
    "GET /metrics: 200, text format 0.0.4"
if command -v promtool >/dev/null; then
	out=$(promtool check metrics <"$D/scrape" 2>&1)
	is "$?:$out" "0:" "promtool check metrics finds nothing to say"
else
	skip 1 "no promtool (Debian package prometheus)"
fi
is "$(cat "$D/parse.err"):$(wc -l <"$D/series")" \
    ":$(grep -vc '^#' "$D/scrape")" "the strict parser accepts every line"
is "$(series 'lvsmon_info{backend="nft",version="0.1"}')" 1 \
    "lvsmon_info names the version and the nft backend"
is "$(series "lvsmon_real_state{$(rs_label $R2),state=\"up\"}")" 1 \
    "lvsmon_real_state: rs2 is up"
is "$(series "lvsmon_real_weight{kind=\"configured\",$(rs_label $R1)}")" 3 \
    "lvsmon_real_weight configured: rs1 3"
is "$(series 'lvsmon_service_quorum_up{service="web"}')" 1 \
    "lvsmon_service_quorum_up: web 1"
like "$(grep '^lvsmon_service_reals{' "$D/scrape")" \
    'service="odd\\"svc\\\\x"} 1' \
    "a service name with a quote and a backslash is escaped in its label"

lab_rs_stop "$P" 2
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 stopped: down"
wait_until 5 test "$(lab_field "$P" web "$R2" kernel_weight)" = 0
is "$(scrape)" "200 text/plain; version=0.0.4; charset=utf-8" \
    "a second scrape: 200"
[ -s "$D/parse.err" ] && diag "$(cat "$D/parse.err")"
is "$(series "lvsmon_real_state{$(rs_label $R2),state=\"down\"}")" 1 \
    "lvsmon_real_state: rs2 is down (1 for down)"
is "$(series "lvsmon_real_state{$(rs_label $R2),state=\"up\"}")" 0 \
    "and 0 for up"
w="$(series "lvsmon_real_weight{kind=\"configured\",$(rs_label $R2)}")"
w="$w $(series "lvsmon_real_weight{kind=\"effective\",$(rs_label $R2)}")"
w="$w $(series "lvsmon_real_weight{kind=\"kernel\",$(rs_label $R2)}")"
is "$w" "2 0 0" "rs2's weights: configured 2, effective 0, kernel 0"
between "$(series "lvsmon_real_state_changes_total{$(rs_label $R2)}")" 2 10 \
    "rs2's state changes count its way down -> up -> down"
between "$(series 'lvsmon_check_results_total{reason="L4CON",result="fail",service="web"}')" \
    1 100000 "failed checks with reason L4CON (connection refused) are counted"
n_ok=$(series 'lvsmon_check_results_total{reason="OK",result="ok",service="web"}')
n_all=$(awk '$1 ~ /^lvsmon_check_results_total\{.*service="web"/ { s += $2 } END { print s + 0 }' "$D/series")
is "$(series 'lvsmon_check_duration_seconds_count{service="web"}')" "$n_all" \
    "the duration histogram counts every check result ($n_ok ok of $n_all)"

# Traffic: only rs1 serves; its kernel counters must rise.
c0=$(series "lvsmon_real_connections_total{$(rs_label $R1)}")
p0=$(series "lvsmon_real_packets_total{direction=\"in\",$(rs_label $R1)}")
b0=$(series "lvsmon_real_bytes_total{direction=\"out\",$(rs_label $R1)}")
out=$(lab_tally "$P" -c 20 -t 1000 203.0.113.10:80)
is "$(lab_count "$out" rs1)" 20 "20 requests, all answered by rs1"
rose() { scrape >/dev/null; [ "$(series "lvsmon_real_connections_total{$(rs_label $R1)}")" -ge $((c0 + 20)) ]; }
wait_until 5 rose
c1=$(series "lvsmon_real_connections_total{$(rs_label $R1)}")
p1=$(series "lvsmon_real_packets_total{direction=\"in\",$(rs_label $R1)}")
b1=$(series "lvsmon_real_bytes_total{direction=\"out\",$(rs_label $R1)}")
note "rs1: connections $c0 -> $c1, packets in $p0 -> $p1, bytes out $b0 -> $b1"
between "$((c1 - c0))" 20 40 "lvsmon_real_connections_total of rs1 rose by the 20 connections"
ok $((p1 > p0 + 40 && b1 > b0 + 20 * 10 ? 0 : 1)) \
    "its packet and byte counters rose too"

is "$(scrape http://127.0.0.1:9580/other | cut -d' ' -f1)" 404 \
    "GET /other: 404"
code=$(lab_exec "$P" dir curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
    -X POST -d x http://127.0.0.1:9580/metrics)
is "$code" 405 "POST /metrics: 405"

lab_daemon_stop "$P"
conf '[::1]:9581' >"$D/lvsmond.conf"
lab_daemon_start "$P" "$D/lvsmond.conf"
is "$(scrape 'http://[::1]:9581/metrics' | cut -d' ' -f1)" 200 \
    "with metrics = \"[::1]:9581\" the listener answers over IPv6"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
