#!/bin/bash
# t/e2e/alert_alertmanager.t - the webhook sink in "alertmanager" format
# against Prometheus Alertmanager itself (Debian's prometheus-alertmanager,
# started here in the director's namespace): a real that fails shows in
# Alertmanager's v2 API as an active LvsmonRealDown alert with our labels,
# and is resolved (gone from the API's list) when the real is up again.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
AM=$(command -v prometheus-alertmanager) ||
    skip_all "no prometheus-alertmanager (Debian package of that name)"
command -v curl >/dev/null || skip_all "no curl"

P=$(lab_prefix)
R2=198.51.100.12:8080

plan 10
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf

mkdir -p "$D/am"
cat >"$D/am/am.yml" <<EOF
route:
  receiver: "null"
receivers:
  - name: "null"
EOF
ip netns exec "$P-dir" "$AM" --config.file="$D/am/am.yml" \
    --storage.path="$D/am/data" --web.listen-address=127.0.0.1:9093 \
    --cluster.listen-address= >"$D/am/log" 2>&1 &
_lab_track "$P" $!
am() { ip netns exec "$P-dir" curl -sf "http://127.0.0.1:9093$1"; }
wait_until 20 am /-/ready >/dev/null
ok $? "Alertmanager answers on 127.0.0.1:9093" || exit

{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.3;
              timeout = 0.25; rise = 1; fall = 2; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 1; },
      { address = "198.51.100.12"; port = 8080; weight = 1; } ); }
);
alerts = (
  { type = "webhook"; url = "http://127.0.0.1:9093/api/v2/alerts";
    format = "alertmanager"; alertafter = 2; upalert = true; }
);
EOF
} >"$CONF"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a webhook sink in alertmanager format" || exit
lab_wait_state "$P" 10 web up "$R2"
ok $? "rs2 is up"

# alerts: "alertname state server service severity job" per active alert
alerts()
{
	am /api/v2/alerts | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>);
		for my $a (@$d) {
			my $l = $a->{labels};
			print join(" ", $l->{alertname}, $a->{status}{state},
			    $l->{server} // "-", $l->{service} // "-",
			    $l->{severity}, $l->{job}), "\n";
		}'
}
is "$(alerts)" "" "no alert in Alertmanager while all is up"

lab_rs_health "$P" 2 fail
has_down() { alerts | grep -q "^LvsmonRealDown active $R2 "; }
wait_until 15 has_down
ok $? "Alertmanager shows LvsmonRealDown active for rs2"
is "$(alerts)" "LvsmonRealDown active $R2 web warning lvsmon" \
    "one alert, labelled with server, service, severity and job"
summary=$(am /api/v2/alerts | perl -MJSON::PP -e '
	print decode_json(join "", <STDIN>)->[0]{annotations}{summary}')
like "$summary" "^web/198\.51\.100\.12:8080 down: http: status 503$" \
    "its summary annotation is lvsmon's summary"

lab_rs_health "$P" 2 ok
lab_wait_state "$P" 10 web up "$R2"
no_alerts() { [ -z "$(alerts)" ]; }
wait_until 15 no_alerts
ok $? "the alert is resolved in Alertmanager once rs2 is up"

sent=$(lab_ctl "$P" show --json | perl -MJSON::PP -e '
	my $s = decode_json(join "", <STDIN>)->{alerts}[0];
	print "$s->{sent} $s->{dead_letters}"')
is "$sent" "2 0" "the webhook sink sent 2 (firing, resolved), no dead letters"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
