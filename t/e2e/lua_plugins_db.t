#!/bin/bash
# t/e2e/lua_plugins_db.t - plugins/pgsql.lua against a real PostgreSQL
# (Debian's postgresql, a throw-away cluster in a real's namespace; skipped
# when it is not installed), plugins/mysql.lua and plugins/ldap.lua against
# fake servers (t/tools/fakesrv.py): greeting, login with the right and a
# wrong password, a query's value, refusals the server sends (pg_hba
# reject, no such database, no SSL, "Too many connections", LDAP busy),
# and stopped servers; each verdict with the plugin's message.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
plug_need_lua

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/postgres" ] && id postgres >/dev/null 2>&1 || PGBIN=""

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12
DN="cn=monitor,dc=example,dc=org"

plan 22
lab_up "$P" 2 || bail_out "could not build the lab"
D=$(lab_dir "$P")

plug_fake "$P" 2 mysql 3306 --user probe --password s3cret &&
    plug_fake "$P" 1 mysql 3306 --auth-switch mysql_native_password &&
    plug_fake "$P" 2/6 mysql 3306 --auth-switch caching_sha2_password &&
    plug_fake "$P" 2 ldap 389 --user "$DN" --password s3cret ||
    bail_out "a fake server did not start"

# PostgreSQL: a cluster owned by postgres, trust for the lab's addresses
# except the rules the test needs, SSL with a throw-away certificate.
pg_start()
{
	local as=(setpriv --reuid=postgres --regid=postgres --init-groups)
	local crt key
	read -r crt key < <(plug_cert "$P") || return 1
	mkdir -p "$D/pg" && cp "$crt" "$key" "$D/pg/" &&
	    chmod 600 "$D/pg/tls.key" && chown -R postgres: "$D/pg" || return 1
	"${as[@]}" "$PGBIN/initdb" -D "$D/pg/data" -A trust -U lvsmon \
	    --no-sync >"$D/pg/initdb.log" 2>&1 || return 1
	cat >"$D/pg/data/pg_hba.conf" <<EOF
host all nobody 0.0.0.0/0 reject
host all pwuser 0.0.0.0/0 scram-sha-256
host all all 198.51.100.0/24 trust
EOF
	plug_bg "$P" pg ip netns exec "$P-rs1" "${as[@]}" "$PGBIN/postgres" \
	    -D "$D/pg/data" -c listen_addresses="$A" -c port=5432 \
	    -c unix_socket_directories="$D/pg" -c fsync=off -c ssl=on \
	    -c ssl_cert_file="$D/pg/tls.crt" -c ssl_key_file="$D/pg/tls.key"
	_lab_wait 20 plug_listening "$P" 1 5432
}

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; echo "services = ("
if [ -n "$PGBIN" ]; then
	plug_svc pg 5432 pgsql "$A:5432" 'user = "lvsmon";
	    database = "postgres";'
	plug_svc pg-primary 15432 pgsql "$A:5432" 'user = "lvsmon";
	    database = "postgres"; query = "SELECT pg_is_in_recovery()";
	    expect = "f";'
	plug_svc pg-standby 25432 pgsql "$A:5432" 'user = "lvsmon";
	    database = "postgres"; query = "SELECT pg_is_in_recovery()";
	    expect = "t";'
	plug_svc pg-nodb 35432 pgsql "$A:5432" 'user = "lvsmon";
	    database = "nosuch";'
	plug_svc pg-reject 45432 pgsql "$A:5432" 'user = "nobody";'
	plug_svc pg-pw 55432 pgsql "$A:5432" 'user = "pwuser";'
	plug_svc pg-ssl 65432 pgsql "$A:5432" 'user = "lvsmon";
	    database = "postgres"; ssl = "require";'
fi
plug_svc my 3306 mysql "$B:3306" 'user = "probe"; password = "s3cret";'
plug_svc my-greet 13306 mysql "$B:3306" ''
plug_svc my-pw 23306 mysql "$B:3306" 'user = "probe"; password = "wrong";'
plug_svc my-switch 33306 mysql "$A:3306" 'user = "probe"; password = "s3cret";'
PLUG_VIP=2001:db8:ff::10 plug_svc my-sha2 3306 mysql "[2001:db8:2::12]:3306" \
    'user = "probe"; password = "s3cret";'
plug_svc ldap 389 ldap "$B:389" "bind_dn = \"$DN\"; password = \"s3cret\";"
plug_svc ldap-anon 1389 ldap "$B:389" ''
plug_svc ldap-pw 2389 ldap "$B:389" "bind_dn = \"$DN\"; password = \"no\";"
echo ");"
} >"$CONF"

if [ -n "$PGBIN" ]; then
	pg_start || bail_out "postgres did not start: $(tail -n 5 \
	    "$D/pg/initdb.log" "$D/pg.log" 2>/dev/null)"
fi
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with pgsql, mysql and ldap lua checks" || exit

if [ -n "$PGBIN" ]; then
	plug_want pg up "$A:5432" '^pgsql [0-9.]+[^:]*: ready$' \
	    "pgsql is up: the startup message reaches ReadyForQuery (trust)"
	plug_want pg-primary up "$A:5432" \
	    '^pgsql [^:]*: ready, query gave f$' \
	    "SELECT pg_is_in_recovery() gives f: up where a primary is wanted"
	plug_want pg-standby down "$A:5432" \
	    '^pgsql: query gave f, want t$' \
	    "and down where a standby (t) is wanted"
	plug_want pg-nodb down "$A:5432" \
	    '^pgsql: FATAL 3D000 database "nosuch" does not exist$' \
	    "a database that does not exist: down with the server's FATAL"
	plug_want pg-reject down "$A:5432" \
	    '^pgsql: FATAL 28000 pg_hba\.conf rejects connection' \
	    "a user pg_hba.conf rejects: down, SQLSTATE 28000"
	plug_want pg-pw up "$A:5432" \
	    '^pgsql: asks for SASL authentication$' \
	    "a user with scram-sha-256: up, the server asks for SASL"
	plug_want pg-ssl up "$A:5432" '^pgsql [^:]*: ready, TLSv1\.[23]$' \
	    "ssl = require: SSLRequest, TLS handshake, startup over TLS: up"
	plug_settle "$P" 10
	# SIGINT: PostgreSQL's fast shutdown
	kill -INT "$(head -n 1 "$D/pg/data/postmaster.pid")"
	plug_want pg down "$A:5432" '^pgsql: connect: ECONNREFUSED$' \
	    "a stopped PostgreSQL: down, pgsql: connect: ECONNREFUSED"
	plug_settle "$P" 20
else
	skip 8 "PostgreSQL is not installed (Debian: postgresql)"
fi

plug_want my up "$B:3306" '^mysql 10\.11\.0-fake, login probe ok$' \
    "mysql is up: greeting, mysql_native_password login, COM_PING"
plug_want my-greet up "$B:3306" '^mysql 10\.11\.0-fake$' \
    "mysql without a user: up on the greeting alone"
plug_want my-pw down "$B:3306" \
    "$(echo "^mysql: login: error 1045: Access denied for user" \
    "'probe'@'198\.51\.100\.1' \(using password: YES\)$")" \
    "mysql with a wrong password: down with error 1045"
plug_want my-switch up "$A:3306" '^mysql 10\.11\.0-fake, login probe ok$' \
    "mysql: an AuthSwitchRequest to native password with a new scramble: up"
plug_want my-sha2 down "[2001:db8:2::12]:3306" \
    '^mysql: login: server wants caching_sha2_password$' \
    "mysql: a switch to caching_sha2_password: down, the plugin named"
plug_want ldap up "$B:389" "^ldap: bind as $DN ok$" \
    "ldap is up: a simple bind as the monitor DN succeeds"
plug_want ldap-anon up "$B:389" '^ldap: bind as anonymous ok$' \
    "ldap anonymous bind: up"
plug_want ldap-pw down "$B:389" \
    "^ldap: bind as $DN: invalidCredentials \(49\): invalid credentials$" \
    "ldap with a wrong password: down, invalidCredentials (49)"
plug_settle "$P" 10

plug_sick "$P" 2 mysql yes
plug_sick "$P" 2 ldap yes
plug_want my down "$B:3306" \
    '^mysql: error 1040: Too many connections$' \
    "a mysql greeting that is an error packet: down, error 1040"
plug_want ldap down "$B:389" \
    "^ldap: bind as $DN: busy \(51\): server busy$" \
    "an ldap server answering busy: down"
plug_settle "$P" 10

plug_fake_stop "$P" 2 mysql
plug_fake_stop "$P" 2 ldap
plug_want my-greet down "$B:3306" '^mysql: connect: ECONNREFUSED$' \
    "a stopped mysql: down"
plug_want ldap-anon down "$B:389" '^ldap: connect: ECONNREFUSED$' \
    "a stopped ldap: down"
plug_settle "$P" 10

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
