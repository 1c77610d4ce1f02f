#!/bin/bash
# t/e2e/snmp_set.t - an operator changes lvsmond over SNMP: `snmpset` of
# lvsmonRealWeight and lvsmonRealAdmin (v2c and v3) goes through the same
# command path as lvsmonctl (same log line), reaches the kernel (the nft
# table's be_weight map, traffic) and survives a restart of lvsmond (state
# file); bad SETs get the SNMP error an NMS expects (wrongType, wrongValue,
# noCreation, notWritable, noAccess) and change nothing, also when only one
# varbind of a request is bad.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/snmp.sh"
need_lab
snmp_need

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080
VIP=203.0.113.10:80

plan 34
lab_up "$P" 2 || bail_out "could not build the lab"
lab_rs_start "$P" 1 && lab_rs_start "$P" 2 || bail_out "rsd did not start"
snmp_up || bail_out "the private snmpd and snmptrapd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ snmp_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.5; timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10; },
      { address = "198.51.100.12"; port = 8080; weight = 10; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with a global.snmp block" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" &&
    wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 10 &&
    wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 10
ok $? "both reals are up with kernel weight 10"
snmp_wait_subagent 5
ok $? "within 5 s the subagent has registered with snmpd"

S=$(lab_ctl "$P" show --json | perl -MJSON::PP -e '
    print decode_json(join "", <STDIN>)->{services}[0]{id}')
I1=$S.$(lab_field "$P" web "$R1" id)
I2=$S.$(lab_field "$P" web "$R2" id)
note "rows: rs1 $I1, rs2 $I2"
WEIGHT=$SNMP_LVS.100.3.1.8	# lvsmonRealWeight, read-write
ADMIN=$SNMP_LVS.100.3.1.7	# lvsmonRealAdmin, read-write
STATE=$SNMP_LVS.100.3.1.5	# lvsmonRealState, read-only

# nft_weight ADDR PORT: the weight the kernel's table holds for that real
# (be_addr4 gives its mark, be_weight the mark's weight), in decimal.
nft_weight()
{
	local a m w
	a=$(lab_nft "$P" list map inet lvsmon be_addr4 2>/dev/null)
	[[ $a =~ (0x[0-9a-f]+)\ :\ ${1//./\\.}\ \.\ $2([^0-9]|$) ]] ||
	    return 1
	m=${BASH_REMATCH[1]}
	w=$(lab_nft "$P" list map inet lvsmon be_weight 2>/dev/null)
	[[ $w =~ $m\ :\ (0x[0-9a-f]+) ]] || return 1
	echo $((BASH_REMATCH[1]))
}
nft_weight_is()
{
	[ "$(nft_weight "$1" "$2")" = "$3" ]
}

out=$(snmp_v2 snmpset "$WEIGHT.$I2" i 30 2>&1)
is "$? $(snmp_value "$out")" "0 30" \
    "snmpset -v2c lvsmonRealWeight of rs2 to 30 is answered 30"
is "$(lab_field "$P" web "$R2" weight) $(lab_field "$P" web "$R2" \
    effective_weight)" "30 30" "show --json gives rs2 weight 30"
wait_until 5 nft_weight_is 198.51.100.12 8080 30
ok $? "the kernel's table holds weight 30 for rs2 (nft map be_weight)"
like "$(cat "$(lab_log "$P")")" \
    "real web/198\.51\.100\.12:8080: weight set to 30" \
    "the log has the same line as for lvsmonctl set weight"
is "$(snmp_value "$(snmp_v2ro snmpget "$SNMP_REAL.6.$I2")")" 30 \
    "the historical lvsRealServerWeight of rs2 reads 30"

out=$(snmp_v2 snmpset "$ADMIN.$I1" i 3 2>&1)
is "$? $(snmp_value "$out")" "0 drain(3)" \
    "snmpset lvsmonRealAdmin of rs1 to drain(3) is answered drain(3)"
is "$(lab_field "$P" web "$R1" admin)" drain "show --json: rs1 is drained"
wait_until 5 nft_weight_is 198.51.100.11 8080 0
ok $? "the kernel's weight for the drained rs1 is 0"
out=$(lab_tally "$P" -c 20 -t 1000 "$VIP")
is "$(lab_count "$out" rs2)" 20 "all 20 new requests go to rs2"

out=$(snmp_v3 snmpset "$ADMIN.$I1" i 1 2>&1)
is "$? $(snmp_value "$out")" "0 enabled(1)" \
    "snmpset -v3 authPriv as lvsadmin enables rs1 again"
wait_until 5 nft_weight_is 198.51.100.11 8080 10
ok $? "the kernel's weight for rs1 is 10 again"

# Bad SETs.  -Ir: no range check in snmpset itself, so the agent answers.
snap()	# admin, weight and effective weight of every real, from one show
{
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>);
		for my $s (@{$d->{services}}) {
			print "$_->{address}:$_->{port} $_->{admin} " .
			    "$_->{weight} $_->{effective_weight}; "
			    for @{$s->{servers}};
		}'
}
bad()	# bad ERROR SENTENCE VARBINDS...: the SET fails with ERROR
{
	local err=$1 what=$2 out rc; shift 2
	out=$(snmp_v2 snmpset -Ir "$@" 2>&1)
	rc=$?
	like "$rc $out" "^[1-9][0-9]* .*Reason: $err" "$what: $err"
}
bad wrongType "a string for lvsmonRealWeight" "$WEIGHT.$I2" s abc
bad wrongValue "weight 70000" "$WEIGHT.$I2" i 70000
bad wrongValue "weight -2 (-1 means: back to the file's weight)" \
    "$WEIGHT.$I2" i -2
bad wrongValue "admin state 4" "$ADMIN.$I2" i 4
bad noCreation "a weight for a real that does not exist" \
    "$WEIGHT.$S.99999" i 5
bad notWritable "lvsmonRealState" "$STATE.$I2" i 1
bad notWritable "the historical lvsRealServerWeight" "$SNMP_REAL.6.$I2" i 5
bad wrongType "a good weight for rs1 beside a string for rs2" \
    "$WEIGHT.$I1" i 50 "$WEIGHT.$I2" s abc
out=$(snmp_v2ro snmpset "$WEIGHT.$I2" i 5 2>&1)
like "$out" "Reason: noAccess" \
    "the read-only community cannot SET: noAccess (snmpd's VACM)"
is "$(snap)" \
    "198.51.100.11:8080 enabled 10 10; 198.51.100.12:8080 enabled 30 30; " \
    "after the refused SETs both reals keep their admin state and weights"

out=$(snmp_v2 snmpset "$ADMIN.$I1" i 2 2>&1)
is "$? $(snmp_value "$out")" "0 disabled(2)" \
    "snmpset lvsmonRealAdmin of rs1 to disabled(2) is answered disabled(2)"
wait_until 5 nft_weight_is 198.51.100.11 8080 0
ok $? "the kernel's weight for the disabled rs1 is 0"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts again on the same state file"
snmp_wait_subagent 5
ok $? "within 5 s the new process is registered with snmpd"
got=$(snmp_v2ro snmpget "$WEIGHT.$I2" "$ADMIN.$I1" | snmp_walk_norm |
    cut -d' ' -f2 | tr '\n' ' ')
is "$got" "30 disabled(2) " \
    "after the restart the same rows read rs2 weight 30 and rs1 disabled"
wait_until 5 nft_weight_is 198.51.100.12 8080 30 &&
    wait_until 5 nft_weight_is 198.51.100.11 8080 0
ok $? "... and the kernel holds 30 for rs2 and 0 for rs1"

out=$(snmp_v2 snmpset "$WEIGHT.$I2" i -1 2>&1)
is "$? $(lab_field "$P" web "$R2" weight)" "0 10" \
    "snmpset of weight -1 gives rs2 its weight from the file back (10)"
wait_until 5 nft_weight_is 198.51.100.12 8080 10
ok $? "... and the kernel's weight for rs2 is 10"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
