#!/bin/bash
# t/e2e/lua_plugins_mail.t - the text-protocol plugins (plugins/imap.lua,
# pop3.lua, ftp.lua, smtp.lua) against fake servers (t/tools/fakesrv.py):
# a healthy server is up with its banner and a login (after STARTTLS, or
# over TLS from the first byte, where asked) in the message; a wrong
# password, a sick banner ("* BYE", "-ERR", 421, 554), a server without
# STARTTLS and a stopped server are down, each with the plugin's own
# message in show --json.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
plug_need_lua
command -v openssl >/dev/null || skip_all "no openssl for a test certificate"

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12

plan 27
lab_up "$P" 2 || bail_out "could not build the lab"
read -r CRT KEY < <(plug_cert "$P") || bail_out "no test certificate"
TLS=(--cert "$CRT" --key "$KEY")
plug_fake "$P" 1 imap 143 "${TLS[@]}" &&
    plug_fake "$P" 1 pop3 110 "${TLS[@]}" &&
    plug_fake "$P" 1 ftp 21 &&
    plug_fake "$P" 1 smtp 25 "${TLS[@]}" &&
    plug_fake "$P" 2 smtp 25 &&
    plug_fake "$P" 2 imap 993 --tls "${TLS[@]}" ||
    bail_out "a fake server did not start"

CONF=$(lab_dir "$P")/lvsmond.conf
{ lab_conf_global "$P"; echo "services = ("
plug_svc imap 143 imap "$A:143" 'user = "probe"; password = "s3cret";
                               starttls = true;'
plug_svc imap-pw 1143 imap "$A:143" 'user = "probe"; password = "wrong";'
plug_svc imaps 993 imap "$B:993" 'user = "probe"; password = "s3cret";
                               tls = true;'
plug_svc pop3 110 pop3 "$A:110" 'user = "probe"; password = "s3cret";
                               starttls = true;'
plug_svc pop3-pw 1110 pop3 "$A:110" 'user = "probe"; password = "wrong";'
plug_svc ftp 21 ftp "$A:21" 'user = "probe"; password = "s3cret";'
plug_svc ftp-pw 1021 ftp "$A:21" 'user = "probe"; password = "wrong";'
plug_svc smtp 25 smtp "$A:25" 'starttls = true; helo = "director.test";'
plug_svc smtp-notls 1025 smtp "$B:25" 'starttls = true;'
echo ");"
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with nine lua checks" || exit

plug_want imap up "$A:143" \
    "$(echo '^imap: \* OK \[CAPABILITY IMAP4rev1 STARTTLS\] fake ready,' \
    'STARTTLS, LOGIN ok$')" \
    "imap is up after STARTTLS and LOGIN, the greeting in the message"
plug_want imap-pw down "$A:143" \
    '^imap: LOGIN: NO \[AUTHENTICATIONFAILED\] bad login$' \
    "imap with a wrong password is down with the server's NO"
plug_want imaps up "$B:993" '^imap: \* OK .*, LOGIN ok$' \
    "imap over TLS from the first byte (tls = true): up, LOGIN ok"
plug_want pop3 up "$A:110" \
    '^pop3: \+OK fake POP3 ready, STLS, login ok$' \
    "pop3 is up after STLS, USER and PASS"
plug_want pop3-pw down "$A:110" \
    '^pop3: PASS: -ERR \[AUTH\] invalid login$' \
    "pop3 with a wrong password is down at PASS"
plug_want ftp up "$A:21" '^ftp: 220 ready, login ok$' \
    "ftp is up: the last line of a multi-line 220 banner, then a login"
plug_want ftp-pw down "$A:21" '^ftp: login: 530 Login incorrect$' \
    "ftp with a wrong password is down with 530"
plug_want smtp up "$A:25" \
    '^smtp: 220 mx\.fake\.test ESMTP fake, STARTTLS TLSv1\.[23]$' \
    "smtp is up: banner, EHLO, STARTTLS and EHLO again over TLS"
plug_want smtp-notls down "$B:25" '^smtp: STARTTLS not offered$' \
    "smtp with starttls = true is down where EHLO offers no STARTTLS"
plug_settle "$P" 10
like "$(awk '$2 == "smtp" { printf "%s ", $3 }' \
    "$(lab_dir "$P")/smtp-rs1.log")" "EHLO STARTTLS EHLO QUIT" \
    "the smtp server saw EHLO, STARTTLS, EHLO over TLS, QUIT, no mail"

# Sick servers: the banner says no.
for s in imap pop3 ftp smtp; do plug_sick "$P" 1 $s yes; done
plug_want imap down "$A:143" \
    '^imap: greeting: \* BYE server shutting down$' \
    "imap greeting with * BYE: down, the greeting in the message"
plug_want pop3 down "$A:110" '^pop3: greeting: -ERR server busy$' \
    "pop3 greeting -ERR: down"
plug_want ftp down "$A:21" \
    '^ftp: banner: 421 Too many users, try later$' "ftp banner 421: down"
plug_want smtp down "$A:25" \
    '^smtp: banner: 554 fake: no SMTP service here$' "smtp banner 554: down"
plug_settle "$P" 10
like "$(cat "$(lab_log "$P")")" \
    "real ftp/198\.51\.100\.11:21: state up -> down \(lua, [0-9]+ ms\)" \
    "the log has the transition line for ftp, naming the lua check"

for s in imap pop3 ftp smtp; do plug_sick "$P" 1 $s no; done
plug_want imap up "$A:143" '^imap: \* OK' "imap is up again"
plug_want pop3 up "$A:110" '^pop3: \+OK' "pop3 is up again"
plug_want ftp up "$A:21" '^ftp: 220' "ftp is up again"
plug_want smtp up "$A:25" '^smtp: 220' \
    "smtp is up again, once its banner is healthy"
plug_settle "$P" 10

# Stopped servers: the connection is refused.
for s in imap pop3 ftp smtp; do plug_fake_stop "$P" 1 $s; done
plug_want imap down "$A:143" '^imap: connect: ECONNREFUSED$' \
    "a stopped imap server: down, connect: ECONNREFUSED"
plug_want pop3 down "$A:110" '^pop3: connect: ECONNREFUSED$' \
    "a stopped pop3 server: down"
plug_want ftp down "$A:21" '^ftp: connect: ECONNREFUSED$' \
    "a stopped ftp server: down"
plug_want smtp down "$A:25" '^smtp: connect: ECONNREFUSED$' \
    "a stopped smtp server: down"
plug_settle "$P" 10
is "$(lab_field "$P" smtp "$A:25" reason)" L7DOWN \
    "a plugin's down verdict has the reason L7DOWN"
is "$(lab_field "$P" smtp "$A:25" effective_weight)" 0 \
    "and the stopped server's effective weight is 0"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
