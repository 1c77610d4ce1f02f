#!/bin/bash
# t/e2e/config_errors.t - `lvsmond -t` tells an operator exactly what is
# wrong in a config file: it exits 1 and prints FILE:LINE, the key and what
# was expected; a good file exits 0 with "configuration FILE ok".  No lab
# needed: -t only reads the file.
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
: "${LVSMON_BUILD:=$(cd "$T/.." && pwd)/build}"

[ -x "$LVSMON_BUILD/lvsmond" ] || bail_out "no $LVSMON_BUILD/lvsmond"
D=$(mktemp -d "${TMPDIR:-/tmp}/lvsmon-conf.XXXXXX") || bail_out "mktemp"
cleanup() { rm -rf "$D"; }
T_EXIT_HOOKS+=(cleanup)

# conf FILE REAL_LINES...: a one-service config whose first real is made of
# the given lines (the line to blame carries "# <-" so its number is known).
conf()
{
	local f=$1; shift
	{
		cat <<EOF
global = { backend = "none"; control_socket = "$D/ctl.sock";
           state_file = "$D/state"; };
services = (
  { name = "web"; address = "203.0.113.10"; port = 80;
    check = { type = "tcp"; interval = 1.0; };
    real_servers = (
      {
EOF
		printf '        %s\n' "$@"
		cat <<EOF
      },
      { address = "198.51.100.12"; port = 8080; } ); }
);
EOF
	} >"$f"
}

line_of()
{
	grep -n '# <-' "$1" | cut -d: -f1
}

# bad NAME KEYRE EXPECTRE REAL_LINES...: exit 1, and one message with
# FILE:LINE:, the key and what was expected.
bad()
{
	local name=$1 key=$2 expect=$3 f out rc line; shift 3
	f="$D/$name.conf"
	conf "$f" "$@"
	line=$(line_of "$f")
	out=$("$LVSMON_BUILD/lvsmond" -t -f "$f" 2>&1)
	rc=$?
	is "$rc" 1 "$name: lvsmond -t exits 1"
	like "$out" "$f:$line: (.*: )?$key: .*$expect" \
	    "$name: says $(basename "$f"):$line, the key, what was expected"
}

plan 19

bad syntax "syntax error" "" \
    'address = "198.51.100.11"; port = 8080;' \
    'weight = = 5; # <-'
bad unknown_key "colour" "unknown" \
    'address = "198.51.100.11"; port = 8080;' \
    'colour = "red"; # <-'
bad weight_range "weight" "0\.\.65535" \
    'address = "198.51.100.11"; port = 8080;' \
    'weight = 70000; # <-'
bad bad_address "address" "198\.51\.100\.300" \
    'address = "198.51.100.300"; # <-' \
    'port = 8080;'
bad check_type "check\\.type" "smtpx.*tcp" \
    'address = "198.51.100.11"; port = 8080;' \
    'check = { type = "smtpx"; }; # <-'
bad interval_type "check\\.interval" "expected" \
    'address = "198.51.100.11"; port = 8080;' \
    'check = { interval = "fast"; }; # <-'

conf "$D/good.conf" 'address = "198.51.100.11"; port = 8080; weight = 3;'
out=$("$LVSMON_BUILD/lvsmond" -t -f "$D/good.conf" 2>&1)
is "$?" 0 "a good file: lvsmond -t exits 0"
like "$out" "lvsmond: configuration $D/good\.conf ok" \
    "a good file: lvsmond -t says configuration FILE ok"
out=$("$LVSMON_BUILD/lvsmond" -t -f "$D/none.conf" 2>&1)
ok $(($? == 1 ? 0 : 1)) "a missing file: lvsmond -t exits 1"
like "$out" "$D/none\.conf" "a missing file: the message names the file"
# libconfig 1.5 exit()s on an @include it cannot read() (a directory):
# refused first, with the line, so that a reload cannot kill the daemon
mkdir -p "$D/conf.d"
printf 'x = 1;\n  @include "%s"\n' "$D/conf.d" >"$D/incdir.conf"
out=$("$LVSMON_BUILD/lvsmond" -t -f "$D/incdir.conf" 2>&1)
is "$?" 1 "@include of a directory: lvsmond -t exits 1 (not 2 from libconfig)"
like "$out" "$D/incdir\.conf:2: @include \"$D/conf\.d\": not a regular file" \
    "@include of a directory: says FILE:2 and what is wrong"
[ ! -e "$D/ctl.sock" ]
ok $? "lvsmond -t opens no control socket"
