#!/bin/bash
# t/vm/guest.sh - run the guest's tests (inside the IPVS guest) as one TAP
# stream.
#
#   t/vm/guest.sh [TEST.t ...]      default: t/vm/tests/*.t
#
# Each test runs with bash, bounded by LVSMON_VM_TEST_TIMEOUT seconds
# (default 240).  Its results are renumbered into one stream and named
# after the file ("ok 7 - director_traffic: ipvs: ..."); "1..0 # SKIP"
# becomes one skipped test; a test that bails out, dies, times out or runs
# a different number of tests than it planned adds a "not ok".  Its stderr
# (diagnostics) follows its results as "#> " lines.  The plan comes last.
# Exit status: the number of failures (max 254).
#
# LVSMON_VM_TOOLS (optional): a directory of optimised tally, rsd and
# dirctl.  The tests then use them in place of LVSMON_BUILD's (an ASan
# build costs 0.8 s per dirctl run and 3x per tally request under TCG);
# lvsmond, lvsmonctl and the rest stay LVSMON_BUILD's.
cd "$(dirname "$0")/../.." || exit 1
TMO=${LVSMON_VM_TEST_TIMEOUT:-240}
[ $# -gt 0 ] || set -- t/vm/tests/*.t
N=0
FAILED=0
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${LVSMON_VM_TOOLS:-}" ] && [ -n "${LVSMON_BUILD:-}" ]; then
	mkdir -p "$WORK/build/t/tools" "$WORK/build/bench"
	for f in "$LVSMON_BUILD"/* "$LVSMON_BUILD"/t/tools/* \
	    "$LVSMON_BUILD"/bench/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		ln -s "$f" "$WORK/build/${f#"$LVSMON_BUILD"/}"
	done
	for f in "$LVSMON_VM_TOOLS"/*; do
		[ -x "$f" ] && ln -sf "$f" "$WORK/build/t/tools/${f##*/}"
	done
	export LVSMON_SAN_BUILD=$LVSMON_BUILD
	export LVSMON_BUILD=$WORK/build
fi

emit()	# emit ok|"not ok" TEXT
{
	N=$((N + 1))
	echo "$1 $N $2"
	[ "$1" = ok ] || FAILED=$((FAILED + 1))
}

for t in "$@"; do
	name=$(basename "$t" .t)
	echo "# $name"
	start=$SECONDS
	timeout -k 5 "$TMO" bash "$t" >"$WORK/out" 2>"$WORK/err" </dev/null
	rc=$?
	plan="" seen=0 bailed=""
	while IFS= read -r l; do
		case $l in
		"1..0"*)
			plan=0
			emit ok "# SKIP $name: ${l#*# SKIP }" ;;
		1..[0-9]*)
			plan=${l#1..}
			plan=${plan%% *} ;;
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			v=ok
			[ "${l:0:3}" = "not" ] && v="not ok"
			rest=$(sed -E 's/^(not )?ok [0-9]+ ?//' <<<"$l")
			case $rest in
			"# SKIP"*) emit "$v" "# SKIP $name: ${rest#\# SKIP }" ;;
			"- "*) emit "$v" "- $name: ${rest#- }" ;;
			*) emit "$v" "- $name: $rest" ;;
			esac ;;
		"Bail out!"*)
			bailed=$l ;;
		*)	echo "$l" ;;
		esac
	done <"$WORK/out"
	sed 's/^/#> /' "$WORK/err"
	if [ -n "$bailed" ]; then
		emit "not ok" "- $name: $bailed"
	elif [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		emit "not ok" "- $name: did not finish within $TMO s"
	elif [ -z "$plan" ]; then
		emit "not ok" "- $name: printed no plan (exit $rc)"
	elif [ "$plan" != 0 ] && [ "$plan" != "$seen" ]; then
		emit "not ok" "- $name: planned $plan tests, ran $seen (exit $rc)"
	elif [ "$rc" != 0 ] && [ "$FAILED" = 0 ]; then
		emit "not ok" "- $name: exit $rc with no failed test"
	fi
	echo "# $name: $((SECONDS - start)) s"
done
echo "1..$N"
exit $((FAILED > 254 ? 254 : FAILED))
