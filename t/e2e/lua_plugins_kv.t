#!/bin/bash
# t/e2e/lua_plugins_kv.t - plugins/redis.lua and plugins/memcached.lua
# against the real servers from Debian (redis-server, memcached), started in
# the lab's real-server namespaces: a master and its replica behind one
# service each checked for its role; AUTH with the right, a wrong and no
# password; memcached's version and stats.  A stopped master takes the
# master down and the replica's link with it; promoting the replica
# (REPLICAOF NO ONE) brings it up as master.  Each part is skipped with a
# reason when its server is not installed.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
. "$T/plugins.sh"
need_lab
plug_need_lua
HAVE_REDIS=$(command -v redis-server)
HAVE_MC=$(command -v memcached)
[ -n "$HAVE_REDIS$HAVE_MC" ] ||
    skip_all "neither redis-server nor memcached is installed"

P=$(lab_prefix)
A=198.51.100.11 B=198.51.100.12
PW=s3cret

plan 20
lab_up "$P" 2 || bail_out "could not build the lab"
D=$(lab_dir "$P")

# redis I [ARGS]: redis-server on real I, port 6379, no persistence
redis()
{
	local i=$1; shift
	mkdir -p "$D/redis$i"
	plug_bg "$P" "redis$i" ip netns exec "$P-rs$i" redis-server \
	    --bind "$(lab_rs_addr "$i")" --port 6379 --protected-mode no \
	    --save "" --appendonly no --dir "$D/redis$i" \
	    --requirepass "$PW" --masterauth "$PW" \
	    --repl-diskless-sync-delay 0 "$@"
	_lab_wait 10 plug_listening "$P" "$i" 6379
}

rcli()
{
	local i=$1; shift
	lab_exec "$P" "rs$i" redis-cli --no-auth-warning -h \
	    "$(lab_rs_addr "$i")" -a "$PW" "$@"
}

CONF=$D/lvsmond.conf
{ lab_conf_global "$P"; echo "services = ("
if [ -n "$HAVE_REDIS" ]; then
	plug_svc master 6379 redis "$A:6379 $B:6379" \
	    "password = \"$PW\"; role = \"master\";"
	plug_svc replica 16379 redis "$A:6379 $B:6379" \
	    "password = \"$PW\"; role = \"replica\";"
	plug_svc nopw 26379 redis "$A:6379" ""
	plug_svc badpw 36379 redis "$A:6379" 'password = "wrong";'
fi
if [ -n "$HAVE_MC" ]; then
	plug_svc mc 11211 memcached "$A:11211" ""
	plug_svc mc-max 21211 memcached "$A:11211" "max_connections = 0;"
fi
echo ");"
} >"$CONF"

if [ -n "$HAVE_REDIS" ]; then
	redis 1 && redis 2 --replicaof "$A" 6379 ||
	    bail_out "redis-server did not start"
fi
if [ -n "$HAVE_MC" ]; then
	plug_bg "$P" mc ip netns exec "$P-rs1" memcached -l "$A" -p 11211 \
	    -U 0 -u root -c 64
	_lab_wait 10 plug_listening "$P" 1 11211 ||
	    bail_out "memcached did not start"
fi

lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts with redis and memcached lua checks" || exit

if [ -n "$HAVE_REDIS" ]; then
	plug_want master up "$A:6379" \
	    '^redis: master, [01] replicas$' \
	    "the master is up in the service that wants role master"
	plug_want master down "$B:6379" \
	    '^redis: role replica, want master$' \
	    "the replica is down there: redis: role replica, want master"
	plug_want replica down "$A:6379" \
	    '^redis: role master, want replica$' \
	    "the master is down in the service that wants a replica"
	plug_want replica up "$B:6379" \
	    '^redis: replica of 198\.51\.100\.11:6379$' \
	    "the replica is up there once its link to the master is connected"
	plug_want nopw down "$A:6379" '^redis: PING: NOAUTH ' \
	    "without a password the check is down: PING answers NOAUTH"
	plug_want badpw down "$A:6379" '^redis: AUTH: WRONGPASS ' \
	    "with a wrong password the check is down: AUTH answers WRONGPASS"
	plug_settle "$P" 15
	wait_until 5 lab_field_is "$P" master "$A:6379" kernel_weight 1
	is "$(lab_field "$P" master "$A:6379" kernel_weight)/$(lab_field \
	    "$P" master "$B:6379" kernel_weight)" 1/0 \
	    "the kernel sends the master service's traffic to the master only"

	_lab_kill "$(cat "$D/redis1.bg")"
	plug_want master down "$A:6379" \
	    '^redis: connect: ECONNREFUSED$' \
	    "the stopped master is down: redis: connect: ECONNREFUSED"
	plug_want replica down "$B:6379" \
	    '^redis: replica of 198\.51\.100\.11:6379, link (connect|sync)' \
	    "the replica is down while its master is gone: link not connected"
	plug_settle "$P" 15
	rcli 2 REPLICAOF NO ONE >/dev/null
	plug_want master up "$B:6379" '^redis: master, 0 replicas$' \
	    "the promoted replica (REPLICAOF NO ONE) is up as the master"
	plug_settle "$P" 10
	wait_until 5 lab_field_is "$P" master "$B:6379" kernel_weight 1
	is "$(lab_field "$P" master "$B:6379" kernel_weight)" 1 \
	    "the kernel now sends the master service's traffic to it"
	is "$(lab_field "$P" replica "$B:6379" state)" down \
	    "and it is down in the replica service"
else
	skip 12 "redis-server is not installed (Debian: redis-server)"
fi

if [ -n "$HAVE_MC" ]; then
	plug_want mc up "$A:11211" \
	    '^memcached 1\.[0-9.]+, [0-9]+ connections$' \
	    "memcached is up: version and connection count from stats"
	plug_want mc-max down "$A:11211" \
	    '^memcached 1\.[0-9.]+: [0-9]+ connections, max 0$' \
	    "with max_connections = 0 it is down, the count in the message"
	plug_settle "$P" 10
	is "$(lab_field "$P" mc "$A:11211" reason)" OK "the reason is OK"
	_lab_kill "$(cat "$D/mc.bg")"
	plug_want mc down "$A:11211" \
	    '^memcached: connect: ECONNREFUSED$' \
	    "a stopped memcached is down: memcached: connect: ECONNREFUSED"
	plug_settle "$P" 10
	is "$(lab_field "$P" mc "$A:11211" reason)" L7DOWN \
	    "with the reason L7DOWN"
	wait_until 5 lab_field_is "$P" mc "$A:11211" kernel_weight 0
	is "$(lab_field "$P" mc "$A:11211" kernel_weight)" 0 \
	    "and the kernel's weight 0"
else
	skip 6 "memcached is not installed (Debian: memcached)"
fi

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
