#!/bin/bash
# t/e2e/snmp_walk.t - what an NOC's poller reads: lvsmond is an AgentX
# subagent of a private snmpd (t/snmp.sh), and `snmpwalk -v2c` of
# enterprises.8225.4711 shows every service and real with the values
# `lvsmonctl show --json` shows (ids, names, addresses, ports, states,
# weights), in the lvsmon tables and, for IPv4, in the historical
# lvsServiceTable/lvsRealTable; an IPv6 service only in the new tables;
# `snmpget .17.1.10.1` (lvsServiceStatsConns) answers and rises with
# traffic; a v3 authPriv walk works, a wrong v3 password does not.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
S1=[2001:db8:2::11]:8080 S2=[2001:db8:2::12]:8080
D1=198.51.100.11:53

plan 23
lab_up "$P" 3 || bail_out "could not build the lab"
# rs3 is never started: it stays down (L4CON).
lab_rs_start "$P" 1 -u -l 198.51.100.11:53 && lab_rs_start "$P" 2 ||
    bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; scheduler = "wrr";
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10; },
      { address = "198.51.100.12"; port = 8080; weight = 10; },
      { address = "198.51.100.13"; port = 8080; weight = 20; } ); },
  { name = "web6"; address = "2001:db8:ff::10"; port = 80;
    check = { type = "tcp"; interval = 2.0; timeout = 0.4; };
    real_servers = (
      { address = "2001:db8:2::11"; port = 8080; weight = 7; },
      { address = "2001:db8:2::12"; port = 8080; weight = 7; } ); },
  { name = "dns"; address = "203.0.113.10"; port = 53; protocol = "udp";
    scheduler = "rr";
    real_servers = ( { address = "198.51.100.11"; port = 53;
                       weight = 5; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a global.snmp block naming the AgentX socket" ||
    exit
lab_wait_state "$P" 10 web up "$R1" "$R2" &&
    lab_wait_state "$P" 10 web6 up "$S1" "$S2" &&
    lab_wait_state "$P" 10 dns up "$D1" &&
    wait_until 10 lab_field_is "$P" web "$R3" reason L4CON
ok $? "the reals that answer are up, rs3 is down (refused)"
# One operator weight, so weight and config_weight differ in the walk; then
# wait for the kernel to hold every weight (kernel_weight settles).
lab_ctl "$P" set weight web "$R2" 30 >/dev/null
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 30 &&
    wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 10 &&
    wait_until 5 lab_field_is "$P" web6 "$S2" kernel_weight 7 &&
    wait_until 5 lab_field_is "$P" dns "$D1" kernel_weight 5

snmp_wait_subagent 5
ok $? "within 5 s the subagent has registered: lvsNumServices.0 answers"

# A walk beside show --json; live values may move between the two (a
# check's message has its connect time, "connected in 0 ms" then "1 ms", and
# may move and come back while the walk runs), so take show before and after
# and retry while they differ or the walk does not match them. A real
# mismatch stays through every try and fails below.
for try in 1 2 3 4 5 6 7 8; do
	lab_ctl "$P" show --json >"$D/show1.json"
	snmp_v2 snmpwalk "$SNMP_LVS" >"$D/walk.out" 2>"$D/walk.err"
	rc=$?
	lab_ctl "$P" show --json >"$D/show2.json"
	snmp_walk_norm <"$D/walk.out" >"$D/got"
	snmp_show_oids <"$D/show2.json" >"$D/want"
	cmp -s "$D/show1.json" "$D/show2.json" &&
	    [ -z "$(snmp_compare "$D/want" "$D/got")" ] && break
	sleep 0.2
done
note "walk and show agreed after $try tries"
is "$rc $(head -c 300 "$D/walk.err")" "0 " \
    "snmpwalk -v2c of enterprises.8225.4711 exits 0 and prints no error"
note "the walk returned $(wc -l <"$D/got") values"

is "$(snmp_value "$(grep -F "$SNMP_LVS.2.0 " "$D/walk.out")") $(
    snmp_value "$(grep -F "$SNMP_LVS.100.1.6.0 " "$D/walk.out")") $(
    snmp_value "$(grep -F "$SNMP_LVS.100.1.7.0 " "$D/walk.out")")" "2 3 6" \
    "lvsNumServices.0 counts the 2 IPv4 services;" \
    "lvsmonNumServices.0 all 3, lvsmonNumReals.0 all 6 reals"

is "$(snmp_compare "$D/want" "$D/got" 100.2.1.)" "" \
    "lvsmonServiceTable, row = id: each service's name, address, port," \
    "protocol, scheduler, forward, reals, quorum are show --json's"
is "$(snmp_compare "$D/want" "$D/got" 100.3.1.)" "" \
    "lvsmonRealTable: each real's address, port, state, admin, weights," \
    "kernel weight, check, reason, message, changes are show --json's"
is "$(snmp_compare "$D/want" "$D/got" 17.1.)" "" \
    "lvsServiceTable: each IPv4 service's number, scheduler, protocol," \
    "address, port and reals, as the historical MIB has them"
is "$(snmp_compare "$D/want" "$D/got" 18.1.)" "" \
    "lvsRealTable: each IPv4 real's service, number, address, port," \
    "forwarding and weight"

# rows COLUMN: how many rows the walk has in that column.
rows()
{
	grep -c "^$SNMP_LVS\.$1\.[0-9.]* " "$D/got"
}
is "$(rows 100.2.1.2) $(rows 100.3.1.5) $(rows 17.1.1) $(rows 18.1.1)" \
    "3 6 2 4" \
    "no other rows: 3 services and 6 reals in the lvsmon tables," \
    "2 and 4 (IPv4) in the historical ones"

ids=$(perl -MJSON::PP -e '
	my $d = decode_json(join "", <STDIN>);
	for my $s (@{$d->{services}}) {
		print "$s->{name} $s->{id}";
		print " $_->{id}" for @{$s->{servers}};
		print "\n";
	}' <"$D/show2.json")
note "ids from show --json:" "$ids"
read -r _ W6 W6R1 W6R2 <<<"$(grep '^web6 ' <<<"$ids")"
is "$(grep -F "$SNMP_LVS.100.2.1.3.$W6 " "$D/got" | cut -d' ' -f2) $(
    grep -cE "^$SNMP_LVS\.1[78]\.1\.[0-9]+\.$W6( |\.)" "$D/got")" \
    "ipv6(2) 0" \
    "the IPv6 service web6 is in lvsmonServiceTable (ipv6)," \
    "in no historical table"
is "$(grep -cE "^$SNMP_LVS\.100\.3\.1\.3\.$W6\.($W6R1|$W6R2) " "$D/got")" 2 \
    "web6's two reals are in lvsmonRealTable"

snmp_v2 snmpbulkwalk -Cr50 "$SNMP_LVS" 2>/dev/null | snmp_walk_norm \
    >"$D/bulk"
is "$(cut -d' ' -f1 "$D/bulk" | md5sum)" "$(cut -d' ' -f1 "$D/got" | md5sum)" \
    "snmpbulkwalk returns the same OIDs, in the same order, as snmpwalk"

# lvsServiceStatsConns.1: web is the first service of a new state file.
read -r _ WEB _ <<<"$(grep '^web ' <<<"$ids")"
is "$WEB" 1 "web, the first service of a new state file, has id 1"
out=$(snmp_v2ro snmpget "$SNMP_SVC.10.1" 2>&1)
like "$out" "^\\$SNMP_SVC\.10\.1 = Counter32: [0-9]+$" \
    "snmpget of .17.1.10.1 (lvsServiceStatsConns) answers a Counter32"
c0=$(snmp_value "$out")
c64=$(snmp_value "$(snmp_v2ro snmpget "$SNMP_LVS.100.2.1.12.1")")
out=$(lab_tally "$P" -c 30 -t 1000 203.0.113.10:80)
note "30 requests to the VIP:" "$out"
conns_at_least()	# conns_at_least OID N
{
	local v
	v=$(snmp_value "$(snmp_v2ro snmpget "$1" 2>/dev/null)")
	[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge "$2" ]
}
wait_until 10 conns_at_least "$SNMP_SVC.10.1" $((c0 + 30))
ok $? "after 30 connections to the VIP .17.1.10.1 has risen by 30 or more" \
    "(from $c0)"
wait_until 5 conns_at_least "$SNMP_LVS.100.2.1.12.1" $((c64 + 30))
ok $? "lvsmonServiceConns.1 (Counter64) has risen by 30 or more too"

out=$(snmp_v3 snmpwalk "$SNMP_LVS.100.2.1.2" 2>&1)
is "$(snmp_walk_norm <<<"$out" | cut -d' ' -f2 | sort | tr '\n' ' ')" \
    "dns web web6 " \
    "an SNMPv3 authPriv (SHA/AES) walk as lvsadmin lists the service names"
out=$(snmp_v3_pass wrong-pass-123 "$SNMP_V3_PRIV" snmpwalk \
    "$SNMP_LVS.100.2.1.2" 2>&1)
rc=$?
like "$rc $out" "^[1-9][0-9]* .*Authentication failure" \
    "a v3 walk with a wrong auth password fails: Authentication failure"
unlike "$out" "= STRING" "... and shows no value"

# A reload keeps the rows of what it keeps: one weight changed and one
# real added give the same indexes plus one.
idx()
{
	snmp_v2ro snmpwalk "$SNMP_LVS.100.3.1.5" 2>/dev/null | snmp_walk_norm |
	    cut -d' ' -f1 | sed "s/^.*\.100\.3\.1\.5\.//" | sort
}
before=$(idx)
sed -i -e 's/port = 8080; weight = 20; } ); },/port = 8080; weight = 20; },\
      { address = "198.51.100.14"; port = 8080; weight = 1; } ); },/' \
    -e '0,/198.51.100.12"; port = 8080; weight = 10;/s//198.51.100.12"; port = 8080; weight = 15;/' \
    "$CONF"
out=$(lab_ctl "$P" reload)
like "$out" "^reloaded: 3 services, 7 reals, \+1 -0 ~1" \
    "lvsmonctl reload: one real added, one changed"
after=$(idx)
is "$(comm -23 <(echo "$before") <(echo "$after") | grep -c .) $(
    comm -13 <(echo "$before") <(echo "$after") | grep -c .)" "0 1" \
    "after the reload every real row keeps its index, and there is one new"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
