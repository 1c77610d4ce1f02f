#!/bin/bash
# t/e2e/tls_checks.t - the TLS checks and sip against real servers in the
# lab, with certificates made here by the openssl CLI (a test CA, a
# server certificate for www.example.org, an expired one, a self-signed
# one):
#   https  fakesrv.py http --tls (rs1): up, 503 -> L7STS, a body that
#          stops matching -> L7BODY; openssl s_server (rs2) with a
#          self-signed certificate: verify refuses it (TLS, the verify
#          reason), ca_file takes it; an expired one (rs3) with verify
#   tls    s_server (rs2) serves www.example.org's certificate only to a
#          client that sent that SNI: the detail names the CN and the days
#          left; min_days fails a certificate with 1 day left; the expired
#          one (rs3) fails without verify, naming the date
#   smtp   inline steps with STARTTLS against fakesrv.py smtp (rs4):
#          up, 554 banner -> L7RSP; verify without the CA -> TLS
#   sip    OPTIONS over UDP to fakesrv.py sip (rs5): up; stopped -> L4CON
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
command -v openssl >/dev/null || skip_all "no openssl for the certificates"
[ -n "$PLUG_PY" ] || skip_all "no python3 for the fake servers"

P=$(lab_prefix)
RS1=198.51.100.11:443 RS2=198.51.100.12:443 RS3=198.51.100.13:443
RS4=198.51.100.14:25 RS5=198.51.100.15:5060

plan 36
lab_up "$P" 5 || bail_out "could not build the lab"
D=$(lab_dir "$P")
K=$D/pki
mkdir -p "$K"

# ---- certificates -------------------------------------------------------
ec() { echo -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes; }
mkcerts()
{
	cd "$K" || return 1
	# a CA, and www.example.org signed by it for 89 days
	openssl req -x509 $(ec) -days 30 -subj "/CN=lvsmon test CA" \
	    -keyout ca.key -out ca.crt || return 1
	openssl req -new $(ec) -subj /CN=www.example.org \
	    -keyout www.key -out www.csr || return 1
	printf 'subjectAltName=DNS:www.example.org\n' >www.ext
	openssl x509 -req -in www.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 89 -extfile www.ext -out www.crt || return 1
	# old.example.org, valid in January 2020 only (openssl ca takes
	# explicit dates; req and x509 take only a positive -days)
	cat >ca.cnf <<'EOF'
[ca]
default_ca = c
[c]
database = index.txt
new_certs_dir = .
serial = ca.serial
default_md = sha256
policy = p
[p]
commonName = supplied
EOF
	: >index.txt
	echo 01 >ca.serial
	openssl req -new $(ec) -subj /CN=old.example.org \
	    -keyout old.key -out old.csr || return 1
	openssl ca -batch -config ca.cnf -cert ca.crt -keyfile ca.key \
	    -startdate 20200101000000Z -enddate 20200201000000Z \
	    -in old.csr -out old.crt || return 1
}
(mkcerts) >"$D/pki.log" 2>&1 || bail_out "openssl could not make the \
certificates: $(tail -3 "$D/pki.log")"
read -r SELF SELFKEY < <(plug_cert "$P") || bail_out "no self-signed cert"

# ---- servers ------------------------------------------------------------
echo '{"status": "ok"}' >"$D/body.json"
plug_fake "$P" 1 http 443 --tls --cert "$K/www.crt" --key "$K/www.key" \
    --body "$D/body.json" || bail_out "fakesrv https did not start"
# rs2: the self-signed certificate by default, www.example.org's to a
# client whose SNI names it
plug_bg "$P" s_server2 ip netns exec "$P-rs2" openssl s_server -quiet -www \
    -accept 198.51.100.12:443 -cert "$SELF" -key "$SELFKEY" \
    -servername www.example.org -cert2 "$K/www.crt" -key2 "$K/www.key"
plug_bg "$P" s_server3 ip netns exec "$P-rs3" openssl s_server -quiet -www \
    -accept 198.51.100.13:443 -cert "$K/old.crt" -key "$K/old.key"
_lab_wait 10 plug_listening "$P" 2 443 || bail_out "s_server 2 did not start"
_lab_wait 10 plug_listening "$P" 3 443 || bail_out "s_server 3 did not start"
plug_fake "$P" 4 smtp 25 --cert "$K/www.crt" --key "$K/www.key" ||
    bail_out "fakesrv smtp did not start"
plug_fake "$P" 5 sip 5060 || bail_out "fakesrv sip did not start"

# ---- config -------------------------------------------------------------
svc()	# NAME VIP-LAST-OCTET REAL PORT CHECK [PROTO]
{
	local proto=""
	[ -n "${6:-}" ] && proto="protocol = \"$6\";"
	cat <<EOF
  { name = "$1"; address = "203.0.113.$2"; port = $4; $proto
    check = { interval = 0.5; timeout = 2; rise = 1; fall = 1; $5 };
    real_servers = ( { address = "$3"; port = $4; } ); },
EOF
}
STARTTLS_STEPS='steps = (
      { expect_re = "^220 [^\n]*\n"; }, { send = "EHLO lvsmon\r\n"; },
      { expect_re = "^(?:250-[^\n]*\n)*250 [^\n]*\n"; },
      { send = "STARTTLS\r\n"; }, { expect_re = "^220 [^\n]*\n"; },
      { starttls = true; sni = "www.example.org"; verify = true; CAKEY },
      { send = "EHLO lvsmon\r\n"; },
      { expect_re = "^(?:250-[^\n]*\n)*250 [^\n]*\n"; },
      { send = "QUIT\r\n"; }, { expect_re = "^221"; } );'
MAIL_CA=${STARTTLS_STEPS/CAKEY/ca_file = \"$K/ca.crt\";}
MAIL_NOCA=${STARTTLS_STEPS/CAKEY/}
CONF=$D/lvsmond.conf
{
	lab_conf_global "$P"
	echo "services = ("
	svc web 10 198.51.100.11 443 "type = \"https\";
	    sni = \"www.example.org\"; verify = true;
	    ca_file = \"$K/ca.crt\";"
	svc webbody 11 198.51.100.11 443 "type = \"https\";
	    expect_body = \"\\\"status\\\": \\\"ok\\\"\";"
	svc selfsigned 12 198.51.100.12 443 "type = \"https\"; verify = true;"
	svc selfca 13 198.51.100.12 443 "type = \"https\"; verify = true;
	    ca_file = \"$SELF\";"
	svc tlssni 14 198.51.100.12 443 "type = \"tls\";
	    sni = \"www.example.org\";"
	svc tlsdefault 15 198.51.100.12 443 "type = \"tls\";"
	svc tlsdays 16 198.51.100.12 443 "type = \"tls\"; min_days = 14;"
	svc tlsold 17 198.51.100.13 443 "type = \"tls\";"
	svc httpsold 18 198.51.100.13 443 "type = \"https\"; verify = true;
	    ca_file = \"$K/ca.crt\";"
	svc mail 19 198.51.100.14 25 "type = \"sendexpect\"; $MAIL_CA"
	svc mailnoca 20 198.51.100.14 25 "type = \"sendexpect\"; $MAIL_NOCA"
	svc voip 21 198.51.100.15 5060 "type = \"sip\";" udp
	echo ");"
} >"$CONF"
# the last service's trailing comma: libconfig wants none
sed -i -z 's/},\n);/}\n);/' "$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with https, tls, starttls and sip checks" || exit

msg() { lab_field "$P" "$1" "$2" message; }
reason() { lab_field "$P" "$1" "$2" reason; }

# ---- https ----------------------------------------------------------------
lab_wait_state "$P" 10 web up "$RS1"
ok $? "https: up over TLS, verified against the test CA for www.example.org"
is "$(msg web "$RS1")" "http: status 200" "its message is the status"
plug_sick "$P" 1 http yes
lab_wait_state "$P" 10 web down "$RS1"
ok $? "https: down when the server answers 503"
is "$(reason web "$RS1") $(msg web "$RS1")" "L7STS http: status 503" \
    "the reason is L7STS, http: status 503"
plug_sick "$P" 1 http no
lab_wait_state "$P" 10 web up "$RS1"
ok $? "https: up again once it answers 200"

lab_wait_state "$P" 10 webbody up "$RS1"
ok $? "https with expect_body: up while the body matches"
echo '{"status": "maintenance"}' >"$D/body.json"
lab_wait_state "$P" 10 webbody down "$RS1"
ok $? "https with expect_body: down once the body no longer matches"
is "$(reason webbody "$RS1") $(msg webbody "$RS1")" \
    'L7BODY http: body does not match /"status": "ok"/' \
    "the reason is L7BODY, naming the regex"

lab_wait_state "$P" 10 selfsigned down "$RS2"
ok $? "https verify = true: down on a self-signed certificate"
is "$(reason selfsigned "$RS2") $(msg selfsigned "$RS2")" \
    "TLS tls: handshake: certificate verify failed (self-signed certificate)" \
    "the reason is TLS, with OpenSSL's verify result"
lab_wait_state "$P" 10 selfca up "$RS2"
ok $? "https verify = true with the certificate as ca_file: up"
lab_wait_state "$P" 10 httpsold down "$RS3"
ok $? "https verify = true: down on an expired certificate"
is "$(msg httpsold "$RS3")" \
    "tls: handshake: certificate verify failed (certificate has expired)" \
    "the message says it has expired"

# ---- tls ------------------------------------------------------------------
end=$(openssl x509 -enddate -noout -in "$K/www.crt" | cut -d= -f2)
day=$(date -u -d "$end" +%F)
lab_wait_state "$P" 10 tlssni up "$RS2"
ok $? "tls with sni: up"
like "$(msg tlssni "$RS2")" \
    "^tls: TLSv1\.3 CN=www\.example\.org, expires in (88|89) days \($day\)\$" \
    "the server saw the SNI (it served www.example.org's certificate); the detail names version, CN, days left, date"
lab_wait_state "$P" 10 tlsdefault up "$RS2"
ok $? "tls without sni: up"
like "$(msg tlsdefault "$RS2")" "^tls: TLSv1\.3 CN=fake\.test, expires in [12] days " \
    "without the SNI it got the default (self-signed) certificate"
end=$(openssl x509 -enddate -noout -in "$SELF" | cut -d= -f2)
day=$(date -u -d "$end" +%F)
lab_wait_state "$P" 10 tlsdays down "$RS2"
ok $? "tls min_days = 14: down on a certificate with 1 day left"
like "$(reason tlsdays "$RS2") $(msg tlsdays "$RS2")" \
    "^TLS tls: CN=fake\.test expires in [12] days \($day\), under min_days 14\$" \
    "the reason is TLS, naming the date and min_days"
lab_wait_state "$P" 10 tlsold down "$RS3"
ok $? "tls without verify: down on an expired certificate"
like "$(reason tlsold "$RS3") $(msg tlsold "$RS3")" \
    '^TLS tls: CN=old\.example\.org expired on 2020-02-01 \([0-9]+ days ago\)$' \
    "the reason is TLS, naming the day it expired"

# ---- smtp with STARTTLS -------------------------------------------------
lab_wait_state "$P" 10 mail up "$RS4"
ok $? "smtp STARTTLS steps: up (EHLO over TLS, verified)"
like "$(msg mail "$RS4")" '^sendexpect: ok in [0-9]+ ms: "220 mx\.fake\.test ESMTP fake"$' \
    "its message quotes the banner"
wait_until 5 grep -q 'STARTTLS' "$D/smtp-rs4.log"
ok $? "the server saw STARTTLS"
[ "$(grep -c ' EHLO$' "$D/smtp-rs4.log")" -ge 2 ]
ok $? "and an EHLO after the handshake"
lab_wait_state "$P" 10 mailnoca down "$RS4"
ok $? "smtp STARTTLS with verify but without the CA: down"
is "$(reason mailnoca "$RS4") $(msg mailnoca "$RS4")" \
    "TLS tls: handshake: certificate verify failed (unable to get local issuer certificate)" \
    "the reason is TLS, unknown issuer"
plug_sick "$P" 4 smtp yes
lab_wait_state "$P" 10 mail down "$RS4"
ok $? "smtp: down when the banner is 554"
is "$(reason mail "$RS4") $(msg mail "$RS4")" \
    'L7RSP expect step 1: got "554 fake: no SMTP service here" want /^220 [^\n]*\n/' \
    "the reason is L7RSP with what the server said"

# ---- sip ----------------------------------------------------------------
lab_wait_state "$P" 10 voip up "$RS5"
ok $? "sip: up when OPTIONS gets an answer"
like "$(msg voip "$RS5")" '^sip: ok in [0-9]+ ms: "SIP/2\.0 [0-9]{3} ' \
    "its message quotes the status line"
grep -q 'OPTIONS -> 200 OK' "$D/sip-rs5.log"
ok $? "the server answered our OPTIONS"
plug_fake_stop "$P" 5 sip
lab_wait_state "$P" 10 voip down "$RS5"
ok $? "sip: down once nothing listens"
# ICMP errors are rate-limited: a run may time out instead; wait for one
# that saw the port unreachable
wait_until 5 lab_field_is "$P" voip "$RS5" reason L4CON
is "$(reason voip "$RS5") $(msg voip "$RS5")" "L4CON read: ECONNREFUSED" \
    "the reason is L4CON, read: ECONNREFUSED"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
