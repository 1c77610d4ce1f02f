#!/bin/bash
# t/e2e/check_cap.t - global.max_concurrent_checks = 3 with 50 http checks
# a second against a server that holds each request 300 ms (they would
# need about 15 at once; 3 slots pass 10 a second): the server never has
# more than 3 check connections open at once, the queued runs still
# complete (every real comes up, its check passes), and waiting in the
# queue does not count against the 1.5 s timeout (no check times out,
# though a run waits behind 40 others, 4 s).  show --json counts the
# waiting.  Without the cap the same setup has more than 3 at once (the
# server's count can see it).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab
command -v python3 >/dev/null || skip_all "no python3"

P=$(lab_prefix)
N=50

plan 10
lab_up "$P" 1 || bail_out "could not build the lab"
DIR=$(lab_dir "$P")

# The server: ports 9001..9050, each request held 300 ms; it writes "open
# max accepted" to $DIR/conc after every change; SIGUSR1 resets max.
cat >"$DIR/slow.py" <<'EOF2'
import asyncio, os, signal, sys
addr, first, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
st = {"open": 0, "max": 0, "acc": 0}
def dump():
    with open(out + ".tmp", "w") as f:
        f.write("%d %d %d\n" % (st["open"], st["max"], st["acc"]))
    os.replace(out + ".tmp", out)
async def serve(r, w):
    st["open"] += 1; st["acc"] += 1
    st["max"] = max(st["max"], st["open"]); dump()
    try:
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        await asyncio.sleep(0.3)
        w.write(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        await w.drain()
    except Exception:
        pass
    finally:
        w.close()
        st["open"] -= 1; dump()
def reset():
    st["max"] = st["open"]; dump()
async def main():
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, reset)
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    for i in range(n):
        await asyncio.start_server(serve, addr, first + i)
    dump()
    await asyncio.Event().wait()
try:
    asyncio.run(main())
except RuntimeError:
    pass
EOF2
ip netns exec "$P-rs1" python3 "$DIR/slow.py" 198.51.100.11 9001 $N "$DIR/conc" \
    >"$DIR/slow.log" 2>&1 &
SLOW=$!
_lab_track "$P" $SLOW
wait_until 10 test -s "$DIR/conc" || bail_out "the slow server did not start"

# conf CAP: one service, N reals on ports 9001.., http check every second
conf()
{
	lab_conf_global "$P" none | sed "s/^};/  max_concurrent_checks = $1;\n};/"
	cat <<EOF2
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "http"; path = "/"; interval = 1.0; timeout = 1.5;
              rise = 1; fall = 1; };
    real_servers = (
EOF2
	for ((i = 1; i <= N; i++)); do
		printf '      { address = "198.51.100.11"; port = %d; }%s\n' \
		    $((9000 + i)) "$([ $i -lt $N ] && echo ,)"
	done
	echo "    ); } );"
}
# count FIELD VALUE: reals of web whose FIELD is VALUE (one show --json)
count()
{
	lab_ctl "$P" show --json | perl -MJSON::PP -e '
		my $d = decode_json(join "", <STDIN>);
		print scalar grep { $_->{$ARGV[0]} eq $ARGV[1] }
		    @{$d->{services}[0]{servers}}' "$1" "$2"
}
all_up() { [ "$(count state up)" = $N ]; }
field() { awk -v i="$1" '{ print $i }' "$DIR/conc"; }
# accepted SINCE N: the server accepted N connections since SINCE
accepted() { [ $(($(field 3) - $1)) -ge "$2" ]; }
checks_field()
{
	lab_ctl "$P" show --json | perl -MJSON::PP -e \
	    'print decode_json(join "", <STDIN>)->{checks}{$ARGV[0]}' "$1"
}

conf 3 >"$DIR/cap.conf"
lab_daemon_start "$P" "$DIR/cap.conf"
ok $? "lvsmond starts with max_concurrent_checks = 3" || exit
wait_until 30 all_up
ok $? "all $N reals come up: queued runs complete"
kill -USR1 $SLOW
acc0=$(field 3)
# two rounds of the queue
wait_until 30 accepted "$acc0" 100
ok $? "the server keeps getting checks (100 more)"
between "$(field 2)" 1 3 \
    "the server never had more than 3 check connections open ($(field 2))"
is "$(checks_field max_concurrent)" 3 "show --json: checks.max_concurrent"
between "$(checks_field max_queued)" 40 $N \
    "show --json: runs waited for a slot (max_queued $(checks_field max_queued))"
is "$(count reason OK)" $N "every check passed: the wait did not count against the 1.5 s timeout"
is "$(grep -c 'state up -> ' "$(lab_log "$P")")" 0 "no real ever left up"
lab_daemon_stop "$P"

# the control: no cap, the same load
conf 0 >"$DIR/nocap.conf"
lab_daemon_start "$P" "$DIR/nocap.conf"
ok $? "lvsmond starts without a cap" || exit
kill -USR1 $SLOW
acc0=$(field 3)
wait_until 20 accepted "$acc0" 150
between "$(field 2)" 4 $N \
    "without the cap the server has more than 3 open at once ($(field 2))"
lab_daemon_stop "$P"
