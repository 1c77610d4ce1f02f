#!/bin/bash
# t/e2e/fuzz.t - every input that crosses a trust boundary survives
# fuzzing: each libFuzzer harness of t/fuzz/ (ASan + UBSan, build-fuzz/)
# replays its checked-in corpus (seeds and the crash-* files of every bug
# fuzzing found: a fixed bug that comes back fails here), then fuzzes for
# FUZZ_TEST_SECONDS (default 15) from that corpus.  No crash, no leak, no
# input slower than 30 s (a loaded CI machine), none above 2 GB.  A
# failure prints the end of the fuzzer's output and the reproducer's path
# (kept).
T=$(cd "$(dirname "$0")/.." && pwd)
. "$T/lib.sh"
ROOT=$(cd "$T/.." && pwd)
B=${LVSMON_FUZZ_BUILD:-$ROOT/build-fuzz}
secs=${FUZZ_TEST_SECONDS:-15}

command -v "${FUZZ_CC:-clang-14}" >/dev/null ||
	skip_all "no clang (Debian: clang-14 libclang-rt-14-dev)"
names=()
for f in "$T"/fuzz/*.c; do names+=("$(basename "$f" .c)"); done
D=$(mktemp -d "${TMPDIR:-/tmp}/lvsmon-fuzz.XXXXXX") || bail_out "mktemp"
keep=0
cleanup() { [ $keep -eq 1 ] || rm -rf "$D"; }
T_EXIT_HOOKS+=(cleanup)
export TMPDIR=$D/tmp
mkdir -p "$TMPDIR"
export LSAN_OPTIONS=suppressions=$ROOT/t/fuzz/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1
unset ASAN_OPTIONS

nraw=$(find "$ROOT/t/fuzz/corpus" -maxdepth 1 -name '*-raw' -type d | wc -l)
plan $((2 * ${#names[@]} + nraw))

# failed NAME LOG: show why and keep the reproducer
failed()
{
	keep=1
	diag "$(tail -30 "$2")"
	for r in "$D/$1"-*; do
		[ -e "$r" ] && diag "reproducer: $r (rerun: $B/t/fuzz/$1 $r)"
	done
}

for n in "${names[@]}"; do
	bin=$B/t/fuzz/$n corpus=$ROOT/t/fuzz/corpus/$n
	if [ ! -x "$bin" ]; then
		ok 1 "$n: harness built ($bin; make fuzz-build)"
		skip 1 "$n: no harness"
		continue
	fi
	nfiles=$(find "$corpus" -type f | wc -l)
	ncrash=$(find "$corpus" -type f -name 'crash-*' | wc -l)
	timeout -k 10 600 "$bin" -runs=0 -timeout=30 -rss_limit_mb=2048 \
	    -artifact_prefix="$D/$n-" "$corpus" >"$D/$n.replay" 2>&1
	ok $? "$n: its $nfiles corpus files ($ncrash regression files of" \
	    "fixed crashes) replay without a crash, leak or timeout" ||
	    failed "$n" "$D/$n.replay"
	# corpus/NAME-raw: inputs in the harness's raw form (see NAME.c),
	# replayed only: fuzzing them would find the libraries' own bugs
	if [ -d "$corpus-raw" ]; then
		nfiles=$(find "$corpus-raw" -type f | wc -l)
		ncrash=$(find "$corpus-raw" -type f -name 'crash-*' | wc -l)
		LVSMON_FUZZ_RAW=1 timeout -k 10 600 "$bin" -runs=0 -timeout=30 \
		    -rss_limit_mb=2048 -artifact_prefix="$D/$n-" \
		    "$corpus-raw" >"$D/$n.raw" 2>&1
		ok $? "$n: its $nfiles raw corpus files ($ncrash regression" \
		    "files) replay without a crash or timeout" ||
		    failed "$n" "$D/$n.raw"
	fi

	mkdir -p "$D/$n.new"
	# the outer timeout: a process that hangs on its way out (a library's
	# exit() inside an input) fails instead of stalling make test
	timeout -k 10 $((secs + 300)) "$bin" -max_total_time="$secs" \
	    -timeout=30 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix="$D/$n-" \
	    "$D/$n.new" "$corpus" >"$D/$n.fuzz" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$D/$n.fuzz")
	ok $rc "$n: ${secs} s of fuzzing (${execs:-?} executions) find" \
	    "nothing" || failed "$n" "$D/$n.fuzz"
	rm -rf "$D/$n.new"
done
