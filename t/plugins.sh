# t/plugins.sh - helpers for the Lua plugin tests (t/e2e/lua_plugins_*.t),
# sourced after t/lib.sh and t/lab.sh.
#
#   plug_need_lua                 skip_all unless lvsmond knows type "lua"
#   plug_script NAME              the path of plugins/NAME.lua
#   plug_fake P I PROTO PORT [ARGS]  t/tools/fakesrv.py PROTO on real I's
#                                 v4 address and PORT, in its namespace;
#                                 returns once it listens (-f and -p set);
#                                 I as "2/6": on real 2's v6 address
#   plug_fake_stop P I PROTO      SIGTERM it and wait until it is gone
#   plug_sick P I PROTO yes|no    the fake answers as a sick server or not
#   plug_cert P                   a throw-away self-signed cert and key in
#                                 the lab dir; prints "CERT KEY"
#   plug_want SVC STATE SERVER MSG_REGEX "sentence"   queue a test ...
#   plug_settle P SECS            ... and wait until every queued real is
#                                 in its STATE with a matching message (one
#                                 show --json per poll for all of them),
#                                 then print one ok / not ok per test, in
#                                 order, with what was seen on failure
#   plug_svc NAME VPORT PLUGIN "ADDR:PORT[/WEIGHT] ..." PARAMS
#                                 one service of a config's list (VIP
#                                 $PLUG_VIP, default 203.0.113.10, port
#                                 VPORT; v6 reals as [ADDR]:PORT): its
#                                 reals, a lua check of plugins/PLUGIN.lua
#                                 with PARAMS (libconfig), every 0.5 s,
#                                 rise = fall = 1; the first call of a
#                                 config must follow PLUG_SEP=""
#   plug_listening P I PORT [udp]  does something listen on PORT in real
#                                 I's namespace?  (for _lab_wait)
#   plug_expect P SECS SVC SERVER STATE REASON MSG_REGEX "sentence"
#                                 wait until the real has that state,
#                                 reason code and message; ok / not ok
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
	local p=$1 i=${2%/*} arg=$2 proto=$3 port=$4 dir name addr
	shift 4
	dir=$(lab_dir "$p")
	name="$proto-rs$i"
	addr=$(lab_rs_addr "$i")
	if [ "$arg" != "$i" ]; then
		name="$name-6"
		addr="[$(lab_rs_addr "$i" 6)]"
	fi
	rm -f "$dir/$name.pid"
	plug_bg "$p" "$name" ip netns exec "$p-rs$i" "$PLUG_PY" \
	    "$LAB_SRC/t/tools/fakesrv.py" "$proto" -l "$addr:$port" \
	    -f "$dir/$name.sick" -p "$dir/$name.pid" "$@"
	_lab_wait 10 test -s "$dir/$name.pid"
}

plug_fake_stop()
{
	local dir name
	dir=$(lab_dir "$1")
	name="$3-rs${2%/*}"
	[ "$2" = "${2%/*}" ] || name="$name-6"
	[ -f "$dir/$name.bg" ] || return 0
	_lab_kill "$(cat "$dir/$name.bg")"
	rm -f "$dir/$name.bg" "$dir/$name.pid"
}

plug_sick()
{
	local f
	f="$(lab_dir "$1")/$3-rs${2%/*}"
	[ "$2" = "${2%/*}" ] || f="$f-6"
	f="$f.sick"
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

PLUG_SEP=""
plug_svc()
{
	local r hp addr reals="" sep=""
	for r in $4; do
		hp=${r%/*}
		addr=${hp%:*}
		addr=${addr#[}
		reals="$reals$sep{ address = \"${addr%]}\"; port = ${hp##*:};"
		[ "$hp" != "$r" ] && reals="$reals weight = ${r#*/};"
		reals="$reals }"
		sep=", "
	done
	cat <<EOF
  $PLUG_SEP{ name = "$1"; address = "${PLUG_VIP:-203.0.113.10}"; port = $2;
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

PLUG_WANT=()
plug_want()
{
	PLUG_WANT+=("$1" "$2" "$3" "$4" "$5")
}

# One line per (SVC, SERVER) pair given: "STATE MESSAGE", "- " if absent.
_plug_states()
{
	local p=$1; shift
	lab_ctl "$p" show --json 2>/dev/null | perl -MJSON::PP -e '
		my $d = eval { decode_json(join "", <STDIN>) } or exit 2;
		my %seen;
		for my $s (@{$d->{services} || []}) {
			for my $r (@{$s->{servers} || []}) {
				my $k = $r->{address} =~ /:/ ?
				    "[$r->{address}]:$r->{port}" :
				    "$r->{address}:$r->{port}";
				my $m = $r->{message} // "";
				$m =~ s/\n/ /g;
				$seen{"$s->{name} $k"} = "$r->{state} $m";
			}
		}
		while (my ($svc, $key) = splice @ARGV, 0, 2) {
			print $seen{"$svc $key"} // "- ", "\n";
		}' "$@"
}

_plug_match()
{
	local i=0 n=$((${#PLUG_WANT[@]} / 5)) line state re
	PLUG_GOT=()
	while IFS= read -r line; do
		PLUG_GOT+=("$line")
	done < <(_plug_states "$1" "${PLUG_PAIRS[@]}")
	[ "${#PLUG_GOT[@]}" -eq "$n" ] || return 1
	for ((i = 0; i < n; i++)); do
		state=${PLUG_WANT[$((i * 5 + 1))]}
		re=${PLUG_WANT[$((i * 5 + 3))]}
		line=${PLUG_GOT[$i]}
		[ "${line%% *}" = "$state" ] && [[ ${line#* } =~ $re ]] ||
		    return 1
	done
}

plug_settle()
{
	local p=$1 secs=$2 i n=$((${#PLUG_WANT[@]} / 5)) end line w
	PLUG_PAIRS=()
	for ((i = 0; i < n; i++)); do
		PLUG_PAIRS+=("${PLUG_WANT[$((i * 5))]}" \
		    "${PLUG_WANT[$((i * 5 + 2))]}")
	done
	end=$((${EPOCHREALTIME/./} + secs * 1000000))
	until _plug_match "$p"; do
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || break
		sleep 0.2
	done
	for ((i = 0; i < n; i++)); do
		w=("${PLUG_WANT[@]:$((i * 5)):5}")
		line=${PLUG_GOT[$i]:-}
		if [ "${line%% *}" = "${w[1]}" ] &&
		    [[ ${line#* } =~ ${w[3]} ]]; then
			ok 0 "${w[4]}"
		else
			ok 1 "${w[4]}"
			diag "    ${w[0]}/${w[2]}: got '$line'" \
			    "    wanted: '${w[1]}' and a message =~ '${w[3]}'"
		fi
	done
	PLUG_WANT=()
}

# plug_expect P SECS SVC SERVER STATE REASON MSG_REGEX "sentence": wait up
# to SECS until SERVER of SVC is in STATE with REASON (show --json's
# reason code: OK, L4CON, L7RSP, ...) and a message matching MSG_REGEX,
# then one ok / not ok, with what was seen on failure.  For the built-in
# checks (t/e2e/net_checks.t, canned_checks.t), whose reason is part of
# what they prove.
plug_expect()
{
	local p=$1 secs=$2 svc=$3 srv=$4 state=$5 reason=$6 re=$7 what=$8
	local end line
	end=$((${EPOCHREALTIME/./} + secs * 1000000))
	while :; do
		line=$(_plug_fields "$p" "$svc" "$srv")
		[[ $line == "$state|$reason|"* ]] &&
		    [[ ${line#*|*|} =~ $re ]] && break
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || break
		sleep 0.2
	done
	if [[ $line == "$state|$reason|"* ]] && [[ ${line#*|*|} =~ $re ]]; then
		ok 0 "$what"
	else
		ok 1 "$what"
		diag "    $svc/$srv: got '$line'" \
		    "    wanted: '$state|$reason|' and a message =~ '$re'"
	fi
}

# "STATE|REASON|MESSAGE" of one real in show --json ("" if absent).
_plug_fields()
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
				my $m = $r->{message} // "";
				$m =~ s/\n/ /g;
				print join("|", $r->{state} // "",
				    $r->{reason} // "", $m), "\n";
			}
		}' "$2" "$3"
}
