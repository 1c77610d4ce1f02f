#!/bin/bash
# t/fuzz/run.sh [NAME...] - run libFuzzer harnesses (all of t/fuzz/*.c by
# default): each one replays its corpus t/fuzz/corpus/NAME/ (seeds and the
# crash-* regression files), then fuzzes for FUZZ_SECONDS (default 60).
# New inputs go to a scratch directory, never into the checked-in corpus;
# FUZZ_KEEP=DIR keeps them (to pick seeds from).  A crash stops with the
# reproducer's path and exit 1.  What `make fuzz` runs.
set -u
T=$(cd "$(dirname "$0")/../.." && pwd)
B=${LVSMON_FUZZ_BUILD:-$T/build-fuzz}
secs=${FUZZ_SECONDS:-60}
art=${FUZZ_ARTIFACTS:-$(mktemp -d "${TMPDIR:-/tmp}/lvsmon-fuzz.XXXXXX")}
export LSAN_OPTIONS=suppressions=$T/t/fuzz/lsan.supp
# the harnesses' scratch directories (tmp.h) go where they are removed
export TMPDIR=$art/tmp
mkdir -p "$TMPDIR"
export UBSAN_OPTIONS=print_stacktrace=1

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for f in "$T"/t/fuzz/*.c; do names+=("$(basename "$f" .c)"); done
fi
rc=0
for n in "${names[@]}"; do
	bin=$B/t/fuzz/$n
	if [ ! -x "$bin" ]; then
		echo "$n: no $bin (make fuzz-build)"
		rc=1
		continue
	fi
	work=${FUZZ_KEEP:+$FUZZ_KEEP/$n}
	[ -n "$work" ] || work=$art/$n.new
	mkdir -p "$work" "$art"
	log=$art/$n.log
	start=$(date +%s)
	timeout -k 10 $((secs + 300)) \
	    "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
	    -max_len=65536 -print_final_stats=1 \
	    -artifact_prefix="$art/$n-" "$work" "$T/t/fuzz/corpus/$n" \
	    >"$log" 2>&1
	r=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	printf '%-12s %4ss %10s executions  exit %s\n' "$n" \
	    "$(( $(date +%s) - start ))" "${execs:-?}" "$r"
	if [ $r -ne 0 ]; then
		tail -40 "$log"
		ls "$art/$n-"* 2>/dev/null | sed 's/^/reproducer: /'
		rc=1
	fi
	[ -n "${FUZZ_KEEP:-}" ] || rm -rf "$art/$n.new"
done
rm -rf "$art/tmp"
[ $rc -eq 0 ] && [ -z "${FUZZ_ARTIFACTS:-}" ] && rm -rf "$art"
exit $rc
