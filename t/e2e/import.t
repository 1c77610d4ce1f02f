#!/bin/bash
# t/e2e/import.t - `lvsmonctl import keepalived|ldirectord FILE` turns each
# file of the corpus (t/import/) into an lvsmond.conf that `lvsmond -t`
# loads (as it is, and with backend "ipvs" for the IPVS-only keys), with
# the values an operator expects in each service (scheduler, forwarding,
# persistence, weights, checks with rise/fall/intervals from retry and
# delays, sorry servers, quorum, alert sinks from notify scripts and mail
# settings, VRRP as comments), every keyword it could not map as a
# "# FILE:LINE: not mapped: ..." comment, and unreadable input refused
# with FILE:LINE.  No lab: import reads files only.  The kernel tables
# that keepalived and lvsmond make of the same files are compared in the
# IPVS guest (t/vm/tests/import_ipvs.t).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
: "${LVSMON_BUILD:=$(cd "$T/.." && pwd)/build}"
CTL=$LVSMON_BUILD/lvsmonctl
[ -x "$CTL" ] && [ -x "$LVSMON_BUILD/lvsmond" ] ||
    bail_out "no $LVSMON_BUILD/lvsmonctl or lvsmond (make first)"
D=$(mktemp -d "${TMPDIR:-/tmp}/lvsmon-import.XXXXXX") || bail_out "mktemp"
cleanup() { rm -rf "$D"; }
T_EXIT_HOOKS+=(cleanup)
cd "$T/.." || bail_out "cd"
K=t/import/keepalived
L=t/import/ldirectord

# imp KIND FILE: import into $D/NAME.conf; OUT = the text
imp()
{
	local kind=$1 f=$2 out=$D/$(basename "$2").conf
	"$CTL" import "$kind" "$f" >"$out" 2>"$D/err"
	is "$?" 0 "import $kind $f exits 0" || diag "$(cat "$D/err")"
	OUT=$(cat "$out")
	OUTF=$out
}

# loads: lvsmond -t takes the file, as it is and on backend ipvs
loads()
{
	local msg
	msg=$("$LVSMON_BUILD/lvsmond" -t -f "$OUTF" 2>&1)
	is "$?" 0 "$1: lvsmond -t loads the imported config" || diag "$msg"
	sed 's/^global = {/global = { backend = "ipvs";/' "$OUTF" \
	    >"$D/ipvs.conf"
	msg=$("$LVSMON_BUILD/lvsmond" -t -f "$D/ipvs.conf" 2>&1)
	is "$?" 0 "$1: ... and with backend ipvs" || diag "$msg"
}

# svc NAME: the lines of that service's group in OUT
svc()
{
	awk -v n="    name = \"$1\";" '
	    $0 == n { on = 1 } on { print } on && /^  }/ { exit }' <<<"$OUT"
}

# has TEXT STRING NAME: STRING (literal) is in TEXT
has()
{
	if grep -qF -- "$2" <<<"$1"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "no '$2' in:" "${1:0:3000}"
	fi
}

# unmapped_ok NAME: every "not mapped" comment names FILE:LINE, and the
# header counts them
unmapped_ok()
{
	local n bad
	n=$(grep -c ': not mapped: ' <<<"$OUT")
	bad=$(grep ': not mapped: ' <<<"$OUT" |
	    grep -Ev '^ *# [^ :]+:[0-9]+: not mapped: ')
	is "$bad" "" "$1: each not-mapped comment starts with FILE:LINE"
	has "$OUT" "# $n item(s) could not be mapped" \
	    "$1: the header counts the $n not-mapped comments"
}

# ---------------------------------------------------------- keepalived

imp keepalived $K/web-nat.conf
loads web-nat
s=$(svc 203.0.113.10:80)
has "$s" 'scheduler = "wrr"; forward = "nat"; persistence = 50;' \
    "web-nat: lb_algo wrr, lb_kind NAT, persistence_timeout 50"
has "$s" 'quorum_weight = 2; hysteresis = 1;' \
    "web-nat: quorum 2 is a weight sum, hysteresis 1"
has "$s" 'sorry_server = "198.51.100.99:8080";' "web-nat: sorry_server"
has "$s" 'on_down = "remove";' \
    "web-nat: without inhibit_on_failure on the service a failed real leaves the table"
has "$s" 'type = "http"; interval = 6; timeout = 3; rise = 1; fall = 4; fast_interval = 2; path = "/health"; expect_status = "200";' \
    "web-nat: HTTP_GET: delay_loop 6, connect_timeout 3, retry 3 -> fall 4, delay_before_retry 2, url path and status"
has "$s" '{ address = "198.51.100.11"; port = 8080; weight = 3; }' \
    "web-nat: real 198.51.100.11:8080 weight 3"
has "$s" '{ address = "198.51.100.12"; port = 8080; weight = 2; }' \
    "web-nat: real 198.51.100.12:8080 weight 2"
has "$OUT" '{ type = "exec"; command = "/etc/keepalived/quorum.sh"; args = [ "down" ]; services = [ "203.0.113.10:80" ]; events = [ "quorum" ];' \
    "web-nat: quorum_down is an exec alert sink for quorum events"
has "$OUT" 'command = "/usr/local/bin/page-oncall"; args = [ "web", "down" ]; services = [ "203.0.113.10:80" ]; events = [ "real" ]; upalert = false;' \
    "web-nat: notify_down is an exec alert sink for real events, no up-alert"
has "$OUT" '{ type = "mail"; relay = "192.0.2.25:25"; from = "keepalived@lb1.example.org"; to = [ "noc@example.org", "lb-admins@example.org" ]; }' \
    "web-nat: notification_email + smtp_server is a mail sink"
has "$OUT" "#   virtual_router_id 51    ($K/web-nat.conf:19)" \
    "web-nat: the vrrp_instance is a commented failover section with its values"
has "$OUT" "# $K/web-nat.conf:13: not mapped: enable_script_security" \
    "web-nat: an unknown keyword is a comment with its file:line"
unmapped_ok web-nat

imp keepalived $K/tls-and-mail.conf
loads tls-and-mail
s=$(svc 203.0.113.20:443)
has "$s" 'scheduler = "rr"; forward = "dr";' "tls: lvs_sched rr, lvs_method DR"
has "$s" 'type = "https"; interval = 10; timeout = 4; rise = 1; fall = 3; fast_interval = 5; path = "/status"; expect_status = "200-299,301"; host = "www.example.org"; sni = "www.example.org";' \
    "tls: SSL_GET: nb_get_retry 2 -> fall 3, status codes, virtualhost of the service as host and sni"
has "$s" "# $K/tls-and-mail.conf:24: not mapped: digest 9b3a0c85a887a256d6939da88aabd8cd" \
    "tls: digest is not mapped, with its line"
has "$s" "# $K/tls-and-mail.conf:27: not mapped: url { ... } (lvsmon checks one URL per real" \
    "tls: a second url is not mapped"
has "$s" "$K/tls-and-mail.conf:41: not mapped: bindto 192.0.2.1" \
    "tls: TCP_CHECK bindto is not mapped"
has "$s" "$K/tls-and-mail.conf:43: not mapped: bfd_magic yes" \
    "tls: an unknown real_server keyword is a comment"
has "$s" 'type = "tcp"; port = 443; interval = 10; timeout = 4; rise = 1; fall = 2; fast_interval = 1;' \
    "tls: TCP_CHECK connect_port and the defaults retry 1, delay_before_retry 1"
s=$(svc 203.0.113.20:25)
has "$s" 'type = "smtp"; interval = 15; timeout = 10; rise = 1; fall = 3; fast_interval = 3;' \
    "smtp: SMTP_CHECK with retry 2"
has "$s" 'port = 2525;' "smtp: a host block's connect_port"
has "$s" "$K/tls-and-mail.conf:56: not mapped: helo_name lb.example.org" \
    "smtp: helo_name is not mapped"
has "$OUT" "$K/tls-and-mail.conf:7: not mapped: SSL { ... }" \
    "tls: the SSL block is not mapped"
unmapped_ok tls-and-mail

imp keepalived $K/dns-udp.conf
loads dns-udp
s=$(svc 203.0.113.53:53)
has "$s" 'scheduler = "sh"; forward = "nat"; one_packet = true; protocol = "udp"; scheduler_flags = [ "sh-port", "sh-fallback" ];' \
    "dns: UDP, sh with sh-port and sh-fallback, ops"
has "$s" 'type = "dns"; interval = 5; timeout = 2; rise = 1; fall = 3; name = "www.example.org"; qtype = "A";' \
    "dns: DNS_CHECK type and name, retry 2 -> fall 3 (delay_before_retry = delay_loop)"
s=$(svc 203.0.113.54:9000)
has "$s" 'type = "udp"; interval = 3; timeout = 2; rise = 1; fall = 2; fast_interval = 1; send_hex = "68 65 6c 6c 6f"; expect_hex = "6f 6b ??";' \
    "udp: UDP_CHECK payload and require_reply in keepalived's free hex (x = any)"
has "$s" 'type = "icmp";' "udp: PING_CHECK is icmp"
unmapped_ok dns-udp

imp keepalived $K/fwmark-group.conf
loads fwmark-group
is "$(grep -c '^    name = "WEBFARM-' <<<"$OUT")" 9 \
    "group: virtual_server_group WEBFARM is 9 services (2 addresses, a range of 6, a fwmark)"
has "$(svc WEBFARM-3)" 'address = "203.0.113.40"; port = 80;' \
    "group: the range 203.0.113.40-45 starts at .40"
has "$(svc WEBFARM-8)" 'address = "203.0.113.45"; port = 80;' \
    "group: ... and ends at .45"
s=$(svc WEBFARM-9)
has "$s" 'fwmark = 7; scheduler = "lc"; forward = "dr"; persistence = 360; persistence_netmask = "255.255.255.0";' \
    "group: fwmark member, persistence_timeout without a value is 360 s, granularity"
has "$s" 'command = "/usr/local/bin/check_web"; args = [ "--host", "198.51.100.51", "-w", "80" ]; argv_style = "keepalived_dynamic";' \
    "group: MISC_CHECK misc_path split into command and args, misc_dynamic"
has "$s" 'timeout = 6; rise = 1; fall = 1;' \
    "group: misc_timeout 6, MISC_CHECK's retry 0 -> fall 1"
has "$s" 'weight_file = "/run/keepalived/web.weight";' \
    "group: FILE_CHECK's track_file is the real's weight_file"
has "$s" "$K/fwmark-group.conf:29: not mapped: user nobody" \
    "group: MISC_CHECK user is not mapped"
s=$(svc fwmark3)
has "$s" 'fwmark = 3; scheduler = "mh"; forward = "tun"; family = "ipv4"; scheduler_flags = [ "mh-port" ];' \
    "fwmark 3: mh with mh-port, TUN, ip_family"
has "$s" 'upper_threshold = 500; lower_threshold = 400;' \
    "fwmark 3: uthreshold and lthreshold"
unmapped_ok fwmark-group

imp keepalived $K/include-main.conf
loads include-main
has "$(svc 203.0.113.60:8443)" 'weight = 4;' \
    "include: the virtual_server of conf.d/10-app.conf is there"
s=$(svc 2001:db8::60:80)
has "$s" '{ address = "2001:db8:1::72"; port = 80; weight = 2; }' \
    "include: the IPv6 service of conf.d/20-checkless.conf is there"
has "$s" "# $K/conf.d/20-checkless.conf:7: [2001:db8:1::71]:80: no checker: always up, as in keepalived" \
    "include: a real without a checker is always up, as in keepalived"
unlike "$s" 'check = ' "include: ... it has no check in lvsmon either"
has "$s" "# $K/conf.d/20-checkless.conf:12: not mapped: mystery_option 7" \
    "include: an unknown keyword in an included file names that file and line"
has "$OUT" "# $K/include-main.conf:36: include missing.d/*.conf matched no file" \
    "include: a pattern that matches nothing is said"
has "$OUT" "#   priority 90    ($K/include-main.conf:24)" \
    "include: vrrp_instance VI_1 as comments"
has "$OUT" 'args = [ "DOWN" ]; services = [ "203.0.113.60:8443" ]; events = [ "real" ]; upalert = false;' \
    "include: notify_down of an included real"
unmapped_ok include-main

# the two files the IPVS guest runs with keepalived and lvsmond
imp keepalived $K/lab-dr-fwmark.conf
loads lab-dr-fwmark
s=$(svc 203.0.113.10:80)
has "$s" 'forward = "dr"; protocol = "tcp"; on_down = "weight0";' \
    "lab-dr-fwmark: inhibit_on_failure keeps a failed real at weight 0"
has "$s" '{ address = "198.51.100.11"; port = 80; weight = 5; }' \
    "lab-dr-fwmark: a DR real gets the virtual port, as keepalived gives it"
has "$s" 'check = { type = "tcp"; port = 8080;' \
    "lab-dr-fwmark: ... while its check stays on the port written"
has "$(svc fwmark42)" '{ address = "198.51.100.11"; weight = 2; }' \
    "lab-dr-fwmark: a DR real of a fwmark service has no port"
has "$(svc fwmark42)" 'fwmark = 42; scheduler = "sh"; forward = "dr"; persistence = 900; persistence_netmask = "255.255.255.0"; scheduler_flags = [ "sh-port", "sh-fallback" ];' \
    "lab-dr-fwmark: fwmark sh with flags, DR, persistence"
imp keepalived $K/lab-misc-udp.conf
loads lab-misc-udp
has "$(svc 203.0.113.10:8000)" 'command = "/bin/sh"; args = [ "-c", "exit 7" ]; argv_style = "keepalived_dynamic";' \
    "lab-misc-udp: a quoted misc_path keeps its quoted words"

# ---------------------------------------------------------- ldirectord

imp ldirectord $L/web-multi.cf
loads web-multi
is "$(grep -c '^    name = ' <<<"$OUT")" 3 "web-multi: three virtual= sections, three services"
s=$(svc web)
has "$s" 'address = "203.0.113.10"; port = 80; protocol = "tcp"; scheduler = "wrr"; persistence = 600; persistence_netmask = "255.255.255.0"; on_down = "weight0"; sorry_server = "198.51.100.99:8080"; forward = "nat";' \
    "web-multi: servicename, scheduler, persistent, netmask, quiescent=yes, fallback, masq"
has "$s" 'check = { type = "http"; path = "/health"; expect_body = "OK"; host = "www.example.org"; expect_status = "200-299"; interval = 5; timeout = 3; rise = 1; fall = 2 };' \
    "web-multi: negotiate http: request, receive, virtualhost; global checkinterval, checktimeout, failurecount"
has "$s" 'path = "/alive.html"; expect_body = "I am alive";' \
    "web-multi: a real's own request and receive"
s=$(svc 203.0.113.10:443)
has "$s" 'on_down = "remove"; forward = "dr";' "web-multi: quiescent=no, gate"
has "$s" '{ address = "198.51.100.12"; port = 443; weight = 1;' \
    "web-multi: a gate real gets the virtual port, as ldirectord gives it"
has "$s" 'port = 8443; interval = 5;' \
    "web-multi: ... its check stays on the port written"
has "$s" 'type = "https"; path = "/status"; method = "HEAD"; expect_status = "200-299"; interval = 5; timeout = 10;' \
    "web-multi: https, HEAD, negotiatetimeout"
s=$(svc 203.0.113.11:22)
has "$s" '{ address = "198.51.100.22"; port = 22; weight = 1; }' \
    "web-multi: a real range 198.51.100.20->198.51.100.22 is three reals"
has "$s" 'type = "tcp"; port = 22;' "web-multi: connect check on checkport"
has "$OUT" 'global = { maintenance_dir = "/etc/ha.d/maint"; };' \
    "web-multi: maintenancedir"
has "$OUT" '{ type = "mail"; relay = "192.0.2.25:25"; from = "ldirectord@lb.example.org"; alertevery = 300; to = [ "noc@example.org", "ops@example.org" ]; }' \
    "web-multi: emailalert, emailalertfreq, smtp"
has "$OUT" "# $L/web-multi.cf:5: not mapped: autoreload = yes" \
    "web-multi: autoreload is not mapped, with its line"
unmapped_ok web-multi

imp ldirectord $L/services.cf
loads services
has "$(svc 203.0.113.53:53)" 'type = "dns"; name = "www.example.org"; expect = "192.0.2.80"; interval = 10; timeout = 20;' \
    "services: dns request/receive, negotiatetimeout"
has "$(svc 203.0.113.25:25)" 'type = "smtp";' "services: smtp"
has "$(svc 203.0.113.70:7000)" 'type = "exec"; command = "/usr/local/bin/check_app"; args = [ "--strict" ]; argv_style = "ldirectord"; interval = 10; timeout = 5; rise = 1; fall = 3 };' \
    "services: checktype external with checkcommand, checktimeout, failurecount"
has "$(svc 203.0.113.71:7001)" 'steps = ( { send = "PING\n"; }, { expect_re = "^\\+PONG"; } );' \
    "services: simpletcp is a sendexpect check"
has "$OUT" "$L/services.cf:45: not mapped: login = \"monitor\"" \
    "services: mysql credentials are not mapped"
has "$(svc 203.0.113.73:1812)" 'type = "radius"; secret = "testing123"; user = "lvs"; password = "probe";' \
    "services: radius secret, login, passwd"
has "$(svc fwmark7)" 'fwmark = 7; scheduler = "sh"; persistence = 300;' \
    "services: a fwmark virtual"
has "$(svc fwmark7)" 'type = "icmp";' "services: checktype ping is icmp"
s=$(svc 203.0.113.74:8000)
has "$OUT" "$L/services.cf:70: checktype = on: no check (always up)" \
    "services: checktype on: reals without a check (always up)"
unlike "$s" 'check = ' "services: ... no check block"
has "$OUT" "not mapped: service = nntp" \
    "services: nntp has no check in lvsmon"
has "$OUT" 'global = { on_exit = "keep"; };' "services: cleanstop=no"
unmapped_ok services

# ---------------------------------------------- the samples they ship
# keepalived's and ldirectord's own example files (Debian installs them
# with the packages): each imports and loads.
n=0
for f in /usr/share/doc/keepalived/samples/keepalived.conf.* \
    /usr/share/doc/ldirectord/examples/ldirectord.cf; do
	[ -f "$f" ] || continue
	kind=keepalived
	[ "${f##*/}" = ldirectord.cf ] && kind=ldirectord
	if ! "$CTL" import $kind "$f" >"$D/sample.conf" 2>"$D/err"; then
		ok 1 "sample $f imports"
		diag "$(cat "$D/err")"
		continue
	fi
	msg=$("$LVSMON_BUILD/lvsmond" -t -f "$D/sample.conf" 2>&1) ||
	    { ok 1 "sample $f: lvsmond -t loads the import"; diag "$msg";
	      continue; }
	n=$((n + 1))
done
f=/usr/share/doc/ldirectord/examples/ldirectord.cf
[ -f "$f" ] && has "$("$CTL" import ldirectord "$f")" 'name = "Web-Site";' \
    "servicename=Web Site is the service Web-Site (lvsmonctl's words have no blanks)"
if [ $n -gt 0 ]; then
	ok 0 "the $n example files shipped with keepalived and ldirectord import and load"
else
	skip 1 "no keepalived or ldirectord examples installed"
fi

# ---------------------------------------------------------- bad input

out=$("$CTL" import keepalived "$D/nonexistent.conf" 2>&1)
is "$?" 1 "a missing file: exit 1"
like "$out" "nonexistent.conf: No such file or directory" "... naming the file"

printf 'virtual_server 203.0.113.1 80 {\n  lb_algo rr\n' >"$D/open.conf"
out=$("$CTL" import keepalived "$D/open.conf" 2>&1)
is "$?" 1 "a block not closed: exit 1"
like "$out" "open.conf:1: virtual_server: block not closed" "... naming file:line"

printf 'global_defs {\n}\n}\n' >"$D/close.conf"
out=$("$CTL" import keepalived "$D/close.conf" 2>&1)
like "$out" "close.conf:3: \"}\" closes no block" "a stray } names file:line"

printf 'include self.conf\n' >"$D/self.conf"
out=$("$CTL" import keepalived "$D/self.conf" 2>&1)
like "$out" "self.conf:1: include self.conf: more than 8 levels" \
    "a file that includes itself is refused"

printf 'checktimeout=3\nvirtual 203.0.113.1:80\n' >"$D/bad.cf"
out=$("$CTL" import ldirectord "$D/bad.cf" 2>&1)
is "$?" 1 "ldirectord: a line without = : exit 1"
like "$out" "bad.cf:2: expected \"key = value\"" "... naming file:line"

out=$("$CTL" import 2>&1)
is "$?" 2 "import without a kind: usage, exit 2"

done_testing
