# t/plugins.sh - helpers for the Lua plugin tests (t/e2e/lua_plugins_*.t),
# sourced after t/lib.sh and t/lab.sh.
#
#   plug_need_lua                 skip_all unless lvsmond knows type "lua"
#   plug_script NAME              the path of plugins/NAME.lua
#   plug_fake P I PROTO PORT [ARGS]  t/tools/fakesrv.py PROTO on real I's
#                                 v4 address and PORT, in its namespace;
#                                 returns once it listens (-f and -p set)
#   plug_fake_stop P I PROTO      SIGTERM it and wait until it is gone
#   plug_sick P I PROTO yes|no    the fake answers as a sick server or not
#   plug_cert P                   a throw-away self-signed cert and key in
#                                 the lab dir; prints "CERT KEY"
#   plug_wait P SECS SVC STATE SERVER MSG_REGEX   wait until the real is
#                                 in STATE with a message matching
#   plug_expect P SECS SVC STATE SERVER MSG_REGEX "sentence"   the same as
#                                 one test; shows state and message when it
#                                 fails
#   plug_svc NAME VPORT PLUGIN "ADDR:PORT[/WEIGHT] ..." PARAMS
#                                 one service of a config's list (VIP
#                                 203.0.113.10:VPORT): its reals, a lua
#                                 check of plugins/PLUGIN.lua with PARAMS
#                                 (libconfig), every 0.5 s, rise = fall =
#                                 1; the first call of a config must
#                                 follow PLUG_SEP=""
#   plug_listening P I PORT [udp]  does something listen on PORT in real
#                                 I's namespace?  (for _lab_wait)
#   plug_bg P NAME CMD...         CMD in the background (stdout/stderr to
#                                 NAME.log in the lab dir), tracked so that
#                                 lab_down stops it; its pid in NAME.bg

PLUG_PY=$(command -v /usr/bin/python3 || command -v python3)

plug_script()
{
	echo "$LAB_SRC/plugins/$1.lua"
}

# lvsmond -t on a config with a lua check: the runtime is there and the
# plugin compiles.
plug_need_lua()
{
	local tmp out
	[ -n "$PLUG_PY" ] || skip_all "no python3 for the fake servers"
	tmp=$(mktemp -d) || skip_all "no temporary directory"
	cat >"$tmp/c.conf" <<EOF
global = { backend = "none"; control_socket = "$tmp/s"; };
services = ( { name = "x"; address = "203.0.113.10"; port = 80;
  check = { type = "lua"; script = "$(plug_script memcached)"; };
  real_servers = ( { address = "198.51.100.11"; port = 80; } ); } );
EOF
	out=$("$LVSMON_BUILD/lvsmond" -t -f "$tmp/c.conf" 2>&1)
	local rc=$?
	rm -rf "$tmp"
	[ "$rc" -eq 0 ] || skip_all "lvsmond has no lua check: ${out:0:200}"
}

plug_bg()
{
	local p=$1 name=$2 dir bg; shift 2
	dir=$(lab_dir "$p")
	"$@" >>"$dir/$name.log" 2>&1 &
	bg=$!
	_lab_track "$p" "$bg"
	echo "$bg" >"$dir/$name.bg"
}

plug_fake()
{
	local p=$1 i=$2 proto=$3 port=$4 dir name; shift 4
	dir=$(lab_dir "$p")
	name="$proto-rs$i"
	rm -f "$dir/$name.pid"
	plug_bg "$p" "$name" ip netns exec "$p-rs$i" "$PLUG_PY" \
	    "$LAB_SRC/t/tools/fakesrv.py" "$proto" \
	    -l "$(lab_rs_addr "$i"):$port" -f "$dir/$name.sick" \
	    -p "$dir/$name.pid" "$@"
	_lab_wait 10 test -s "$dir/$name.pid"
}

plug_fake_stop()
{
	local dir name
	dir=$(lab_dir "$1")
	name="$3-rs$2"
	[ -f "$dir/$name.bg" ] || return 0
	_lab_kill "$(cat "$dir/$name.bg")"
	rm -f "$dir/$name.bg" "$dir/$name.pid"
}

plug_sick()
{
	local f
	f="$(lab_dir "$1")/$3-rs$2.sick"
	if [ "$4" = yes ]; then
		touch "$f"
	else
		rm -f "$f"
	fi
}

plug_cert()
{
	local dir
	dir=$(lab_dir "$1")
	if [ ! -s "$dir/tls.crt" ]; then
		openssl req -x509 -newkey ec \
		    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		    -subj /CN=fake.test -keyout "$dir/tls.key" \
		    -out "$dir/tls.crt" >/dev/null 2>&1 || return 1
	fi
	echo "$dir/tls.crt $dir/tls.key"
}

# "STATE MESSAGE" of one real from a single show --json.
_plug_state()
{
	lab_ctl "$1" show --json 2>/dev/null | perl -MJSON::PP -e '
		my ($svc, $key) = @ARGV;
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		for my $s (@{$d->{services} || []}) {
			next unless $s->{name} eq $svc;
			for my $r (@{$s->{servers} || []}) {
				my $k = $r->{address} =~ /:/ ?
				    "[$r->{address}]:$r->{port}" :
				    "$r->{address}:$r->{port}";
				next unless $k eq $key;
				print "$r->{state} ", $r->{message} // "";
				exit 0;
			}
		}
		exit 1;' "$2" "$3"
}

_plug_is()
{
	local p=$1 svc=$2 state=$3 rs=$4 re=$5 got
	got=$(_plug_state "$p" "$svc" "$rs") || return 1
	[ "${got%% *}" = "$state" ] && [[ ${got#* } =~ $re ]]
}

plug_wait()
{
	local p=$1 secs=$2; shift 2
	_lab_wait "$secs" _plug_is "$p" "$@"
}

plug_expect()
{
	local p=$1 secs=$2 svc=$3 state=$4 rs=$5 re=$6 name=$7
	if plug_wait "$p" "$secs" "$svc" "$state" "$rs" "$re"; then
		ok 0 "$name"
		return 0
	fi
	ok 1 "$name"
	diag "    $svc/$rs: got '$(_plug_state "$p" "$svc" "$rs")'" \
	    "    wanted: '$state' and a message =~ '$re'"
	return 1
}

PLUG_SEP=""
plug_svc()
{
	local r hp reals="" sep=""
	for r in $4; do
		hp=${r%/*}
		reals="$reals$sep{ address = \"${hp%:*}\"; port = ${hp##*:};"
		[ "$hp" != "$r" ] && reals="$reals weight = ${r#*/};"
		reals="$reals }"
		sep=", "
	done
	cat <<EOF
  $PLUG_SEP{ name = "$1"; address = "203.0.113.10"; port = $2;
    check = { type = "lua"; script = "$(plug_script "$3")";
              params = { $5 };
              interval = 0.5; timeout = 2.0; rise = 1; fall = 1; };
    real_servers = ( $reals ); }
EOF
	PLUG_SEP=","
}

plug_listening()
{
	local opt=-Hltn
	[ "${4:-}" = udp ] && opt=-Hlun
	[ -n "$(ip netns exec "$1-rs$2" ss $opt "sport = :$3" 2>/dev/null)" ]
}
