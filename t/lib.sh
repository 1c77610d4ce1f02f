# t/lib.sh - TAP helpers for the bash tests (t/e2e/*.t), sourced.
#
#   plan N | done_testing        the plan, first or last
#   ok RC "sentence"             pass when RC is 0:  ok $? "real is up"
#   check "sentence" CMD...      pass when CMD succeeds
#   is GOT WANT "sentence"       string equality, shows both on failure
#   like GOT REGEX "sentence"    bash =~ match
#   unlike GOT REGEX "sentence"
#   between GOT LO HI "sentence" integer LO <= GOT <= HI
#   diag TEXT / note TEXT        "# ..." lines (stderr / stdout)
#   skip N "why"                 N "ok ... # SKIP why" lines
#   skip_all "why"               plan 1..0 # SKIP, exit 0
#   need_lab                     skip_all unless root, ip netns and nft work
#   bail_out "why"               "Bail out!", exit 255
#   wait_until SECS CMD...       poll CMD every 50 ms until it succeeds or
#                                SECS pass; returns CMD's last status
#   gaps_ok NAME INTERVAL SLACK  times in ms on stdin (one per check): one
#                                test, "the loop kept NAME's checks on time"
#                                (see the function for the rule)
#
# The exit status is the number of failed tests (max 254), as prove
# expects; a plan that was not met counts as a failure too.

T_NUM=0
T_FAILED=0
T_PLANNED=""

plan()
{
	T_PLANNED=$1
	echo "1..$1"
}

done_testing()
{
	[ -n "$T_PLANNED" ] || { T_PLANNED=$T_NUM; echo "1..$T_NUM"; }
}

_t_result()
{
	local rc=$1; shift
	T_NUM=$((T_NUM + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $T_NUM - $*"
	else
		echo "not ok $T_NUM - $*"
		T_FAILED=$((T_FAILED + 1))
		local c=("${BASH_SOURCE[@]}") l=("${BASH_LINENO[@]}") i
		for ((i = 1; i < ${#c[@]}; i++)); do
			[ "${c[$i]}" = "${BASH_SOURCE[0]}" ] && continue
			diag "  Failed test '$*'"
			diag "  at ${c[$i]} line ${l[$((i - 1))]}."
			break
		done
	fi
	return "$rc"
}

ok()
{
	local rc=$1; shift
	_t_result "$rc" "$@"
}

check()
{
	local name=$1; shift
	"$@"
	_t_result $? "$name"
}

is()
{
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		_t_result 0 "$@"
	else
		_t_result 1 "$@"
		diag "         got: '$got'"
		diag "    expected: '$want'"
		return 1
	fi
}

like()
{
	local got=$1 re=$2; shift 2
	if [[ $got =~ $re ]]; then
		_t_result 0 "$@"
	else
		_t_result 1 "$@"
		diag "                  '${got:0:2000}'"
		diag "    doesn't match '$re'"
		return 1
	fi
}

unlike()
{
	local got=$1 re=$2; shift 2
	if [[ $got =~ $re ]]; then
		_t_result 1 "$@"
		diag "                  '${got:0:2000}'"
		diag "          matches '$re'"
		return 1
	fi
	_t_result 0 "$@"
}

between()
{
	local got=$1 lo=$2 hi=$3; shift 3
	if [[ $got =~ ^-?[0-9]+$ ]] && [ "$got" -ge "$lo" ] &&
	    [ "$got" -le "$hi" ]; then
		_t_result 0 "$@"
	else
		_t_result 1 "$@"
		diag "         got: '$got'"
		diag "    expected: $lo..$hi"
		return 1
	fi
}

# Each argument on its own line(s), every line behind "# ".
diag()
{
	printf '%s\n' "$@" | sed 's/^/# /' >&2
}

note()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

skip()
{
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do
		T_NUM=$((T_NUM + 1))
		echo "ok $T_NUM # SKIP $*"
	done
}

skip_all()
{
	echo "1..0 # SKIP $*"
	T_PLANNED=0
	exit 0
}

bail_out()
{
	echo "Bail out!  $*"
	exit 255
}

need_lab()
{
	[ "$(id -u)" -eq 0 ] || skip_all "needs root for network namespaces"
	command -v ip >/dev/null || skip_all "no ip(8)"
	command -v nft >/dev/null || skip_all "no nft(8)"
	local ns="lvsmon-probe-$$"
	ip netns add "$ns" 2>/dev/null || skip_all "ip netns add does not work"
	if ! ip netns exec "$ns" nft list tables >/dev/null 2>&1; then
		ip netns del "$ns"
		skip_all "nftables does not work in a network namespace"
	fi
	ip netns del "$ns"
}

wait_until()
{
	local secs=$1; shift
	local end=$((${EPOCHREALTIME/./} + secs * 1000000)) rc
	while :; do
		"$@" && return 0
		rc=$?
		[ "${EPOCHREALTIME/./}" -lt "$end" ] || return "$rc"
		sleep 0.05
	done
}

_t_exit()
{
	local rc=$?
	# A test that died early (set -e, bail_out) keeps its own status.
	if [ -n "$T_PLANNED" ] && [ "$T_PLANNED" != "$T_NUM" ]; then
		diag "Looks like you planned $T_PLANNED tests but ran $T_NUM."
		[ "$T_FAILED" -gt 0 ] || T_FAILED=1
	fi
	[ "$rc" -eq 255 ] && return
	[ "$T_FAILED" -gt 254 ] && T_FAILED=254
	exit "$T_FAILED"
}

# lab.sh chains its own cleanup in front of this (see lab_trap there).
T_EXIT_HOOKS=()
_t_on_exit()
{
	local rc=$? h
	for h in "${T_EXIT_HOOKS[@]}"; do
		"$h" || true
	done
	(exit "$rc")
	_t_exit
}
trap _t_on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# gaps_ok NAME INTERVAL SLACK < TIMES: the times (ms, one per check, in
# order) must show that nothing blocked the loop.  The scheduler runs at a
# fixed rate, so check i is due at t0 + i x INTERVAL; a check's lateness is
# its offset from that grid less the median offset (t0 is unknown).  All
# must be within 3 x SLACK and all but 5% (at least one may) within SLACK,
# the jitter target.  What the tests guard against (a hung plugin, alert
# receiver, check or snmpd stalling the loop) stalls it for its whole
# timeout, 350 ms and more, and a skipped run shifts every later one by a
# whole interval; one late wake-up of a busy 2-core machine under ASan does
# not fail the test.  Give it TIMES by redirection, not a pipe: a pipe would
# run it in a subshell and lose the test count.
gaps_ok()
{
	local name=$1 iv=$2 slack=$3 n min max soft hard
	read -r n min max soft hard <<<"$(awk -v iv="$iv" -v s="$slack" '
		NF > 0 { k = n + 0; t[k] = $1; o[k] = $1 - k * iv; n = k + 1 }
		END {
			if (n < 2) { print n, 0, 0, 0, 0; exit }
			for (i = 0; i < n; i++) c[i] = o[i]
			for (i = 1; i < n; i++)		# insertion sort: n is small
				for (j = i; j > 0 && c[j - 1] > c[j]; j--) {
					x = c[j]; c[j] = c[j - 1]; c[j - 1] = x
				}
			med = c[int(n / 2)]
			for (i = 0; i < n; i++) {
				d = o[i] - med; if (d < 0) d = -d
				if (d > s) soft++
				if (d > 3 * s) hard++
				if (i > 0) {
					g = t[i] - t[i - 1]
					if (min == "" || g < min) min = g
					if (g > max) max = g
				}
			}
			print n, min + 0, max + 0, soft + 0, hard + 0
		}')"
	note "$name: $n checks, gaps $min..$max ms; off the ${iv} ms grid by\
 more than $slack ms: $soft, more than $((3 * slack)) ms: $hard"
	ok $(( n >= 6 && hard == 0 && (soft <= 1 || soft * 20 <= n) ? 0 : 1 )) \
	    "$name: all $n on the ${iv} ms grid within $((3 * slack)) ms, all" \
	    "but one or 5% within $slack ms: nothing blocked the loop"
}
