#!/bin/bash
# t/e2e/canned_checks.t - every canned protocol check of checkers/
# protocols.c that sendexpect_checks.t does not cover (redis, memcached),
# against a server in the lab, each seen up, down with L7RSP naming what
# the server said and what the step wanted, and down with L4CON once the
# server is stopped:
#   smtp ftp pop3 imap mysql ldap   t/tools/fakesrv.py (their sick modes:
#                                   554, 421, -ERR, * BYE, error 1040,
#                                   LDAP busy)
#   ssh     Debian's sshd (-D, a throw-away host key and config); L7RSP:
#           the ssh check against a server that is not sshd (the ftp fake)
#   pgsql   Debian's PostgreSQL (a throw-away cluster, skipped when it is
#           not installed); L7RSP: the check against the smtp fake
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
[ -n "$PLUG_PY" ] || skip_all "no python3 for the fake servers"
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "no sshd (apt-get install openssh-server)"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/postgres" ] && id postgres >/dev/null 2>&1 || PGBIN=""

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12 C=198.51.100.13 B6=2001:db8:2::12

plan 29
lab_up "$P" 3 || bail_out "could not build the lab"
D=$(lab_dir "$P")

plug_fake "$P" 1 smtp 25 && plug_fake "$P" 1 ftp 21 &&
    plug_fake "$P" 1 pop3 110 && plug_fake "$P" 1 imap 143 &&
    plug_fake "$P" 2 mysql 3306 && plug_fake "$P" 2 ldap 389 ||
    bail_out "a fake server did not start"

# sshd on rs2, v4 and v6, from its own config and host key; no PAM, no
# logins: the check reads the banner only.
mkdir -p "$D/ssh" /run/sshd
ssh-keygen -q -t ed25519 -N "" -f "$D/ssh/host_key" ||
    bail_out "ssh-keygen failed"
cat >"$D/ssh/sshd_config" <<EOF
Port 22
ListenAddress $B
ListenAddress [$B6]
HostKey $D/ssh/host_key
PidFile $D/ssh/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
EOF
plug_bg "$P" sshd ip netns exec "$P-rs2" "$SSHD" -D -e \
    -f "$D/ssh/sshd_config"
_lab_wait 10 plug_listening "$P" 2 22 || bail_out "sshd did not start"

# PostgreSQL on rs3: a cluster owned by postgres, trust for the lab
if [ -n "$PGBIN" ]; then
	as=(setpriv --reuid=postgres --regid=postgres --init-groups)
	mkdir -p "$D/pg" && chown postgres: "$D/pg" &&
	    "${as[@]}" "$PGBIN/initdb" -D "$D/pg/data" -A trust -U lvsmon \
	    --no-sync >"$D/pg/initdb.log" 2>&1 ||
	    bail_out "initdb failed: $(tail -n 3 "$D/pg/initdb.log")"
	plug_bg "$P" pg ip netns exec "$P-rs3" "${as[@]}" "$PGBIN/postgres" \
	    -D "$D/pg/data" -c listen_addresses="$C" -c port=5432 \
	    -c unix_socket_directories="$D/pg" -c fsync=off
	_lab_wait 20 plug_listening "$P" 3 5432 ||
	    bail_out "postgres did not start"
fi

svc()	# NAME VPORT TYPE REAL:PORT [VIP]
{
	cat <<EOF
  $SEP{ name = "$1"; address = "${5:-203.0.113.10}"; port = $2;
    check = { type = "$3"; interval = 0.5; timeout = 1.0;
              rise = 1; fall = 1; };
    real_servers = ( { address = "${4%:*}"; port = ${4##*:}; } ); }
EOF
	SEP=","
}
CONF=$D/lvsmond.conf
SEP=""
{ lab_conf_global "$P"; echo "services = ("
svc smtp 25 smtp $A:25
svc ftp 21 ftp $A:21
svc pop3 110 pop3 $A:110
svc imap 143 imap $A:143
svc mysql 3306 mysql $B:3306
svc ldap 389 ldap $B:389
svc ssh 22 ssh $B:22
svc ssh6 22 ssh "$B6:22" 2001:db8:ff::10
svc ssh-wrong 2222 ssh $A:21
[ -n "$PGBIN" ] && svc pgsql 5432 pgsql $C:5432
svc pgsql-wrong 15432 pgsql $A:25
echo ");"
} >"$CONF"

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with every canned protocol check" || exit

Q='ok in [0-9]+ ms: '
plug_expect "$P" 10 smtp "$A:25" up OK \
    "^smtp: $Q\"220 mx\\.fake\\.test ESMTP fake\"\$" \
    "smtp: banner, EHLO, QUIT: up, quoting the banner"
plug_expect "$P" 10 ftp "$A:21" up OK "^ftp: $Q\"220-fake FTP server\"\$" \
    "ftp: a multi-line 220 banner and QUIT: up"
plug_expect "$P" 10 pop3 "$A:110" up OK "^pop3: $Q\"\\+OK" \
    "pop3: +OK greeting and QUIT: up"
plug_expect "$P" 10 imap "$A:143" up OK "^imap: $Q\"\\* OK" \
    "imap: * OK greeting and LOGOUT: up"
plug_expect "$P" 10 mysql "$B:3306" up OK "^mysql: ok in [0-9]+ ms" \
    "mysql: a protocol 10 greeting: up"
plug_expect "$P" 10 ldap "$B:389" up OK "^ldap: ok in [0-9]+ ms" \
    "ldap: an anonymous bind answered with success: up"
plug_expect "$P" 10 ssh "$B:22" up OK "^ssh: $Q\"SSH-2\\.0-OpenSSH_" \
    "ssh: Debian's sshd: up, quoting its banner"
plug_expect "$P" 10 ssh6 "[$B6]:22" up OK "^ssh: $Q\"SSH-2\\.0-OpenSSH_" \
    "ssh over IPv6: up"
if [ -n "$PGBIN" ]; then
	plug_expect "$P" 10 pgsql "$C:5432" up OK "^pgsql: $Q\"N\"\$" \
	    "pgsql: PostgreSQL answers the SSLRequest with N: up"
else
	skip 1 "no PostgreSQL"
fi

W='expect step 1: got'
plug_expect "$P" 10 ssh-wrong "$A:21" down L7RSP \
    "^$W \"220-fake FTP server\" want /\\^SSH-" \
    "ssh against a server that is not sshd: down, L7RSP, got and want"
plug_expect "$P" 10 pgsql-wrong "$A:25" down L7RSP \
    "^expect step 2: got \"220 mx\\.fake\\.test ESMTP fake\" want /\\^\\[SN\\]/" \
    "pgsql against an SMTP server: down, L7RSP, got and want"

for proto in smtp ftp pop3 imap; do plug_sick "$P" 1 "$proto" yes; done
for proto in mysql ldap; do plug_sick "$P" 2 "$proto" yes; done
plug_expect "$P" 10 smtp "$A:25" down L7RSP \
    "^$W \"554 fake: no SMTP service here\" want /\\^\\(\\?:220-" \
    "smtp answering 554: down, L7RSP, got and want"
plug_expect "$P" 10 ftp "$A:21" down L7RSP \
    "^$W \"421 Too many users, try later\" want /\\^\\(\\?:220-" \
    "ftp answering 421: down, L7RSP"
plug_expect "$P" 10 pop3 "$A:110" down L7RSP "^$W \"-ERR" \
    "pop3 answering -ERR: down, L7RSP"
plug_expect "$P" 10 imap "$A:143" down L7RSP \
    "^$W \"\\* BYE server shutting down\" want /" \
    "imap answering * BYE: down, L7RSP"
plug_expect "$P" 10 mysql "$B:3306" down L7RSP \
    "^$W \"[0-9a-f]{2} 00 00 00 ff .*\" want hex \\?\\? \\?\\? \\?\\? 00 0a\$" \
    "mysql answering error 1040 (0xff packet): down, L7RSP, the bytes"
plug_expect "$P" 10 ldap "$B:389" down L7RSP \
    "^expect step 2: got \"30 .*\" want hex 30 \\?\\? 02 01 01 61" \
    "ldap answering busy (51): down, L7RSP"
for proto in smtp ftp pop3 imap; do plug_sick "$P" 1 "$proto" no; done
for proto in mysql ldap; do plug_sick "$P" 2 "$proto" no; done
plug_expect "$P" 10 smtp "$A:25" up OK "^smtp: ok" "smtp: up again"
plug_expect "$P" 10 mysql "$B:3306" up OK "^mysql: ok" "mysql: up again"

for proto in smtp ftp pop3 imap; do plug_fake_stop "$P" 1 "$proto"; done
for proto in mysql ldap; do plug_fake_stop "$P" 2 "$proto"; done
_lab_kill "$(cat "$D/sshd.bg")"
R='^connect: ECONNREFUSED$'
plug_expect "$P" 10 smtp "$A:25" down L4CON "$R" "smtp stopped: down, L4CON"
plug_expect "$P" 10 ftp "$A:21" down L4CON "$R" "ftp stopped: down, L4CON"
plug_expect "$P" 10 pop3 "$A:110" down L4CON "$R" "pop3 stopped: down, L4CON"
plug_expect "$P" 10 imap "$A:143" down L4CON "$R" "imap stopped: down, L4CON"
plug_expect "$P" 10 mysql "$B:3306" down L4CON "$R" \
    "mysql stopped: down, L4CON"
plug_expect "$P" 10 ldap "$B:389" down L4CON "$R" "ldap stopped: down, L4CON"
plug_expect "$P" 10 ssh "$B:22" down L4CON "$R" "sshd stopped: down, L4CON"
if [ -n "$PGBIN" ]; then
	kill -INT "$(cat "$D/pg.bg")"
	_lab_kill "$(cat "$D/pg.bg")"
	plug_expect "$P" 10 pgsql "$C:5432" down L4CON "$R" \
	    "PostgreSQL stopped: down, L4CON"
else
	skip 1 "no PostgreSQL"
fi

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
