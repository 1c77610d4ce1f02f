#!/bin/bash
# t/e2e/show_json.t - `lvsmonctl show --json` carries every field of the
# contract with the right JSON type and value: services (name, address,
# port, protocol, scheduler, forward) and their servers (address, port,
# state, admin, weight, effective_weight, kernel_weight, check, reason,
# message, last_change as RFC 3339, changes), for an http-checked real, a
# tcp-checked one, one that never came up, an IPv6 one and one without a
# check.  Parsed with perl's JSON::PP.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
S1=[2001:db8:2::11]:8080

plan 17
lab_up "$P" 3 || bail_out "could not build the lab"
# rs3 is never started: its checks are refused.
lab_rs_start "$P" 1 -u -l 198.51.100.11:53 && lab_rs_start "$P" 2 ||
    bail_out "rsd did not start"
D=$(lab_dir "$P")
CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; protocol = "tcp";
    scheduler = "wrr"; forward = "nat";
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; };
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 100; },
      { address = "198.51.100.12"; port = 8080; weight = 50;
        check = { type = "tcp"; }; },
      { address = "198.51.100.13"; port = 8080; weight = 20; } ); },
  { name = "web6"; address = "2001:db8:ff::10"; port = 80;
    check = { type = "http"; path = "/health"; interval = 0.5;
              timeout = 0.4; };
    real_servers = ( { address = "2001:db8:2::11"; port = 8080;
                       weight = 7; } ); },
  { name = "dns"; address = "203.0.113.10"; port = 53; protocol = "udp";
    scheduler = "rr";
    real_servers = ( { address = "198.51.100.11"; port = 53;
                       weight = 5; } ); }
);
EOF
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts and answers on its control socket" || exit
lab_wait_state "$P" 10 web up "$R1" "$R2" &&
    lab_wait_state "$P" 10 web6 up "$S1" &&
    lab_wait_state "$P" 10 dns up 198.51.100.11:53
ok $? "the reals that answer are up"
# rs3's first check is refused and it stays down; wait for that verdict and
# for the kernel to hold every weight.
wait_until 10 lab_field_is "$P" web "$R3" reason L4CON
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 100
wait_until 5 lab_field_is "$P" web6 "$S1" kernel_weight 7
wait_until 5 lab_field_is "$P" dns 198.51.100.11:53 kernel_weight 5

lab_ctl "$P" show --json >"$D/show.json"
ok $? "lvsmonctl show --json exits 0"

# One line per value: "service/field=type:value" and
# "service/server/field=type:value"; type is string, number, bool or null.
perl -MJSON::PP -e '
	sub t {
		my $v = shift;
		return "null:" unless defined $v;
		return "bool:" . ($v ? "true" : "false") if JSON::PP::is_bool($v);
		return ref($v) . ":" if ref $v;
		return (JSON::PP->new->allow_nonref->encode($v) =~ /^"/ ?
		    "string:" : "number:") . $v;
	}
	my $d = decode_json(join "", <STDIN>);
	print "services=", t($d->{services}), "\n";
	for my $s (@{$d->{services}}) {
		print "$s->{name}/$_=", t($s->{$_}), "\n" for sort keys %$s;
		for my $r (@{$s->{servers}}) {
			my $k = $r->{address} =~ /:/ ?
			    "[$r->{address}]:$r->{port}" : "$r->{address}:$r->{port}";
			print "$s->{name}/$k/$_=", t($r->{$_}), "\n"
			    for sort keys %$r;
		}
	}' <"$D/show.json" >"$D/flat" 2>"$D/flat.err"
ok $? "the output is one JSON object with a services array"

# fields PREFIX NAME...: "NAME=type:value ..." for the given names.
fields()
{
	local pre=$1 f out="" v; shift
	for f in "$@"; do
		v=$(grep -F -m1 "$pre/$f=" "$D/flat")
		out="$out${out:+ }${v#"$pre/"}"
	done
	echo "$out"
}
SVC="name address port protocol scheduler forward"
SRV="address port state admin weight effective_weight kernel_weight check"
SRV="$SRV reason message changes"

w()	# the words, joined by one blank: an expected line, in pieces
{
	echo "$*"
}

is "$(fields web $SVC)" "$(w name=string:web address=string:203.0.113.10 \
    port=number:80 protocol=string:tcp scheduler=string:wrr \
    forward=string:nat)" \
    "service web: name, address, port, protocol, scheduler, forward"
is "$(fields web6 name address port protocol)" "$(w name=string:web6 \
    address=string:2001:db8:ff::10 port=number:80 protocol=string:tcp)" \
    "service web6 shows its IPv6 address"
is "$(fields dns name port protocol scheduler)" "$(w name=string:dns \
    port=number:53 protocol=string:udp scheduler=string:rr)" \
    "service dns is udp with scheduler rr"

is "$(fields "web/$R1" $SRV)" "$(w address=string:198.51.100.11 \
    port=number:8080 state=string:up admin=string:enabled \
    weight=number:100 effective_weight=number:100 kernel_weight=number:100 \
    check=string:http reason=string:OK "message=string:http: status 200" \
    changes=number:1)" \
    "an http-checked real that came up: every field, its type and value"
like "$(fields "web/$R2" $SRV)" "^$(w 'address=string:198\.51\.100\.12' \
    port=number:8080 state=string:up admin=string:enabled \
    weight=number:50 effective_weight=number:50 kernel_weight=number:50 \
    check=string:tcp reason=string:OK 'message=string:.+' \
    changes=number:1)\$" \
    "a real whose check is overridden to tcp shows check tcp"
like "$(fields "web/$R3" $SRV)" "^$(w 'address=string:198\.51\.100\.13' \
    port=number:8080 state=string:down admin=string:enabled \
    weight=number:20 effective_weight=number:0 \
    'kernel_weight=(number:0|null:)' check=string:http \
    reason=string:L4CON 'message=string:.*ECONNREFUSED.*' \
    changes=number:0)\$" \
    "a real refused at its first check stays down: weight 0, L4CON, no change"
is "$(fields "web6/$S1" address port state effective_weight kernel_weight)" \
    "$(w address=string:2001:db8:2::11 port=number:8080 state=string:up \
    effective_weight=number:7 kernel_weight=number:7)" \
    "an IPv6 real shows its address without brackets"
is "$(fields dns/198.51.100.11:53 state admin effective_weight kernel_weight)" \
    "$(w state=string:up admin=string:enabled effective_weight=number:5 \
    kernel_weight=number:5)" \
    "a real without any check is up"

# last_change: RFC 3339, UTC or with an offset, and about now.
bad=""
for s in "web/$R1" "web/$R2" "web/$R3" "web6/$S1" dns/198.51.100.11:53; do
	v=$(fields "$s" last_change)
	perl -MTime::Local=timegm -e '
		my ($v) = @ARGV;
		$v =~ /^last_change=string:(\d{4})-(\d\d)-(\d\d)
		    T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|([+-])(\d\d):(\d\d))$/x
		    or exit 1;
		my $t = timegm($6, $5, $4, $3, $2 - 1, $1);
		$t -= ($9 eq "+" ? 1 : -1) * ($10 * 3600 + $11 * 60) if $9;
		exit(abs($t - time) < 300 ? 0 : 1);' "$v" || bad="$bad $s=$v"
done
is "$bad" "" \
    "every server's last_change is an RFC 3339 time of the last minutes"

missing=""
for f in $SRV last_change; do
	n=$(grep -c "^[^/]*/[^/]*/$f=" "$D/flat")
	[ "$n" -eq 5 ] || missing="$missing $f($n)"
done
is "$missing" "" "all 5 servers carry all 12 server fields"

text=$(lab_ctl "$P" show)
like "$text" "198\.51\.100\.13:8080 +down" \
    "the human show lists rs3 as down"
like "$text" "\[2001:db8:2::11\]:8080|2001:db8:2::11" \
    "the human show lists the IPv6 real"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
