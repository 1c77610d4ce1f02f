#!/bin/bash
# t/e2e/reload.t - `lvsmonctl reload` and SIGHUP, on the nft backend:
#   a) one real's weight changed: the kernel's table differs in that weight
#      only (every chain, rule and handle, every mark the same), no state
#      event, ids kept;
#   b) a syntax error: exit 1 with FILE:LINE, the old config still serves;
#   c) a changed check restarts that check only; a new real starts down and
#      rises; a removed real leaves the kernel (at once, or after draining);
#      a failed real stays down and a drained one drained across a reload;
#   d) 100 reloads in a row while the client connects: no failed
#      connection, no state event; SIGHUP reloads too.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
. "$T/lab.sh"
need_lab

P=$(lab_prefix)
R1=198.51.100.11:8080 R2=198.51.100.12:8080 R3=198.51.100.13:8080
VIP=203.0.113.10:80
DIR=$(lab_dir "$P")
CONF=$DIR/lvsmond.conf

plan 40
lab_up "$P" 3 || bail_out "could not build the lab"
for i in 1 2 3; do
	lab_rs_start "$P" "$i" || bail_out "rsd $i did not start"
done

# conf W2 [EXTRA_REAL] [RS2_CHECK] [SERVICE_KEYS] [RS1_INTERVAL]
conf()
{
	local w2=$1 extra=${2:-} chk2=${3:-} skeys=${4:-} iv1=${5:-0.3}
	{ lab_conf_global "$P"; cat <<EOF
services = (
  { name = "web"; address = "203.0.113.10"; port = 80; scheduler = "wrr";
    check = { type = "tcp"; interval = 0.3; timeout = 0.25; rise = 2;
              fall = 2; };
    $skeys
    real_servers = (
      { address = "198.51.100.11"; port = 8080; weight = 10;
        check = { type = "tcp"; interval = $iv1; timeout = 0.25; }; },
      { address = "198.51.100.12"; port = 8080; weight = $w2; $chk2 }
      $extra ); },
  { name = "other"; address = "203.0.113.20"; port = 80;
    real_servers = ( { address = "198.51.100.13"; port = 9999; } ); }
);
EOF
	} >"$CONF.tmp" && mv "$CONF.tmp" "$CONF"
}

# The kernel's table as JSON, minus what a weight change rewrites: the
# weight map and the slot maps' elements.  Handles, rules, chains, marks
# and addresses stay in.
nft_shape()
{
	lab_nft "$P" -j list table inet lvsmon | python3 -c '
import json, sys
d = json.load(sys.stdin)["nftables"]
out = []
for o in d:
    if "metainfo" in o:
        continue
    m = o.get("map")
    if m and (m["name"] == "be_weight" or m["name"].startswith("sched_")):
        m = dict(m); m.pop("elem", None); o = {"map": m}
    out.append(json.dumps(o, sort_keys=True))
print("\n".join(out))'
}

# mark -> weight pairs of be_weight, "0x4c00000b:10 ..."
nft_weights()
{
	lab_nft "$P" -j list map inet lvsmon be_weight | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("map", {}).get("elem", []):
        print("%s:%d" % (e[0], e[1]))' | sort | tr '\n' ' '
}

# service/server -> id, state, admin, effective weight, from show --json
show_proj()
{
	lab_ctl "$P" show --json | python3 -c '
import json, sys
for s in json.load(sys.stdin)["services"]:
    for r in s["servers"]:
        print(s["name"], s["id"], r["address"], r["id"], r["state"],
              r["admin"], r["effective_weight"], r["changes"])'
}

state_events() { grep -c ' state ' "$DIR/events" || true; }

conf 10
lab_daemon_start "$P" "$CONF"
ok $? "lvsmond starts" || exit
lab_events_start "$P" "$DIR/events"
lab_wait_state "$P" 15 web up "$R1" "$R2"
ok $? "both reals of web are up"
wait_until 5 lab_field_is "$P" web "$R2" kernel_weight 10

# --- a) one weight -----------------------------------------------------------
shape0=$(nft_shape)
weights0=$(nft_weights)
show0=$(show_proj)
ids0=$(show_proj | awk '{print $1, $3, $4}')
ev0=$(state_events)
conf 30
out=$(lab_ctl "$P" reload)
is "$?" 0 "lvsmonctl reload exits 0"
like "$out" "^reloaded: 2 services, 3 reals, \+0 -0 ~1; checks kept 2," \
    "it says: 2 services, 3 reals, none added or removed, one changed"
like "$out" "kernel: weights only \(1 weight changes\)" \
    "one weight change went to the kernel, no sync"
is "$(lab_field "$P" web "$R2" kernel_weight)" 30 \
    "the kernel holds the new weight 30 for rs2"
is "$(nft_shape)" "$shape0" \
    "every chain, rule, handle, map and mark of the nft table is unchanged"
w1=$(nft_weights)
changed=$(comm -3 <(tr ' ' '\n' <<<"$weights0" | sort) \
    <(tr ' ' '\n' <<<"$w1" | sort) | grep -c .)
is "$changed" 2 "be_weight differs in exactly one entry (old and new line)"
like "$w1" ":30 " "and that entry now says 30"
is "$(show_proj | awk '{print $1, $3, $4}')" "$ids0" \
    "service and real ids are unchanged"
is "$(state_events)" "$ev0" "no state event"
like "$(cat "$DIR/events")" "reload 2 services, 3 reals, \+0 -0 ~1" \
    "the event stream shows the reload"

# --- b) a syntax error ---------------------------------------------------------
cp "$CONF" "$DIR/good.conf"
printf 'services = ( { name = "x"; address = ; } );\n' >>"$CONF"
line=$(wc -l <"$CONF")
show1=$(show_proj)
out=$(lab_ctl "$P" reload 2>&1)
is "$?" 1 "a reload of a file with a syntax error exits 1"
like "$out" "lvsmond.conf:$line: syntax error" \
    "and names the file and the line ($line)"
like "$(cat "$(lab_log "$P")")" \
    "reload failed, still running the previous configuration: .*lvsmond.conf:$line:" \
    "the daemon logs it with file:line"
is "$(show_proj)" "$show1" "show is unchanged"
out=$(lab_tally "$P" -c 40 -t 1000 "$VIP")
is "$(lab_count "$out" fail)" 0 "the old config still serves: 40 of 40 answered"
is "$(lab_field "$P" web "$R2" kernel_weight)" 30 "kernel weight still 30"
cp "$DIR/good.conf" "$CONF"

# --- c) checks, new and removed reals ----------------------------------------
# rs2's check moves to a closed port: only rs2 goes down; rs1 keeps its
# check and never changes state
ev0=$(state_events)
ch1=$(lab_field "$P" web "$R1" changes)
conf 30 "" 'check = { type = "tcp"; port = 8089; interval = 0.3; timeout = 0.25; };'
out=$(lab_ctl "$P" reload)
like "$out" "~1; checks kept 1, restarted or new 1;" \
    "a changed check on rs2: 2 checks kept, 1 restarted"
lab_wait_state "$P" 10 web down "$R2"
ok $? "rs2 goes down under its new check (port 8089 is closed)"
is "$(lab_field "$P" web "$R1" state) $(lab_field "$P" web "$R1" changes)" \
    "up $ch1" "rs1 stays up with no state change"
is "$(lab_field "$P" web "$R2" kernel_weight)" 0 "rs2's kernel weight is 0"

# a failed real is not brought back by a reload, a drained one stays drained
lab_ctl "$P" drain web "$R1" >/dev/null
wait_until 5 lab_field_is "$P" web "$R1" kernel_weight 0
conf 31 "" 'check = { type = "tcp"; port = 8089; interval = 0.3; timeout = 0.25; };'
lab_ctl "$P" reload >/dev/null
is "$(lab_field "$P" web "$R2" state) $(lab_field "$P" web "$R2" kernel_weight)" \
    "down 0" "after a reload the failed rs2 is still down at kernel weight 0"
is "$(lab_field "$P" web "$R1" admin) $(lab_field "$P" web "$R1" kernel_weight)" \
    "drain 0" "after a reload the drained rs1 is still drained at weight 0"
lab_ctl "$P" enable web "$R1" >/dev/null

# a new real starts down and rises
conf 30 ', { address = "198.51.100.13"; port = 8080; weight = 10; }'
out=$(lab_ctl "$P" reload)
like "$out" "\+1 -0" "a real added: +1"
wait_until 10 grep -q "state web $R3 down -> up" "$DIR/events"
ok $? "the new real starts down and goes up by its checks (event)"
wait_until 5 lab_field_is "$P" web "$R3" kernel_weight 10
is "$(lab_field "$P" web "$R3" kernel_weight)" 10 "and reaches the kernel at 10"
id3=$(lab_field "$P" web "$R3" id)

# removed with on_remove = "remove": out of the kernel at once
conf 30 "" "" 'on_remove = "remove";'
out=$(lab_ctl "$P" reload)
like "$out" "\+0 -1 .*draining 0" "a real removed (on_remove remove): -1, none draining"
unlike "$(lab_nft "$P" list map inet lvsmon be_addr4)" \
    "198\.51\.100\.13 \. 8080" "it is gone from the kernel's address map at once"
is "$(lab_field "$P" web "$R3" state)" "" "show no longer has it"

# removed with the default (drain): weight 0, then out once idle
conf 30 ', { address = "198.51.100.13"; port = 8080; weight = 10; }'
lab_ctl "$P" reload >/dev/null
lab_wait_state "$P" 10 web up "$R3"
id3b=$(lab_field "$P" web "$R3" id)
ok $(( id3b > id3 ? 0 : 1 )) \
    "added again it gets a new id ($id3b), not its old conntrack mark ($id3)"
conf 30
out=$(lab_ctl "$P" reload)
like "$out" "\+0 -1 .*draining 1" "removed with on_remove drain: draining 1"
lab_wait_log "$P" 10 "real web/198\.51\.100\.13:8080: removed by reload: no connections left"
ok $? "once the kernel reports no connection it leaves (log)"
unlike "$(lab_nft "$P" list map inet lvsmon be_addr4)" "198\.51\.100\.13 \. 8080" \
    "and its address is gone from the kernel's map"

# --- d) 100 reloads under traffic ----------------------------------------------
conf 30
lab_ctl "$P" reload >/dev/null
# rs2 back on a working check for this part
conf 10 "" "" "" 0.3
cp "$CONF" "$DIR/a.conf"
conf 20 "" "" "" 0.35
cp "$CONF" "$DIR/b.conf"
cp "$DIR/a.conf" "$CONF"
lab_ctl "$P" reload >/dev/null
lab_wait_state "$P" 10 web up "$R1" "$R2"
ev0=$(state_events)
rm -f "$DIR/stop"
(
	for ((n = 0; n < 200; n++)); do
		[ -e "$DIR/stop" ] && break
		lab_tally "$P" -c 50 -t 2000 "$VIP" >"$DIR/tally.$n"
	done
) &
TALLY=$!
# one process for the 100 reloads (lvsmonctl's protocol: a line, then
# "ok" or "error: ..."), so the loop is not 100 program starts under ASan
t0=${EPOCHREALTIME/./}
fails=$(python3 - "$DIR" "$(lab_sock "$P")" <<'EOF'
import shutil, socket, sys
d, sock = sys.argv[1], sys.argv[2]
fails = 0
for i in range(100):
    shutil.copy(d + ("/b.conf" if i % 2 else "/a.conf"), d + "/lvsmond.conf.tmp")
    shutil.move(d + "/lvsmond.conf.tmp", d + "/lvsmond.conf")
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(sock)
    s.sendall(b"reload\n")
    out = b""
    while True:
        b = s.recv(4096)
        if not b:
            break
        out += b
    s.close()
    fails += not out.startswith(b"ok\nreloaded: ")
print(fails)
EOF
)
t1=${EPOCHREALTIME/./}
touch "$DIR/stop"
wait "$TALLY"
is "$fails" 0 "100 reloads in a row all succeed"
note "100 reloads in $(( (t1 - t0) / 1000 )) ms"
total=$(cat "$DIR"/tally.* | awk '$1 != "fail" {s += $2} END {print s + 0}')
failed=$(cat "$DIR"/tally.* | awk '$1 == "fail" {s += $2} END {print s + 0}')
note "client: $total answered, $failed failed meanwhile"
ok $(( total >= 100 ? 0 : 1 )) "the client made connections all along ($total)"
is "$failed" 0 "not one connection failed"
is "$(state_events)" "$ev0" "no real changed state (no flap)"

kill -HUP "$(cat "$DIR/lvsmond.bg")"
lab_wait_log "$P" 5 "lvsmond: reloaded .*lvsmond.conf: 2 services"
ok $? "SIGHUP reloads too"

lab_daemon_stop "$P"
ok $? "lvsmond exits 0 on SIGTERM"
