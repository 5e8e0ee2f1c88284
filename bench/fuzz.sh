#!/usr/bin/env bash
# Fuzzes kstruct's readers of untrusted bytes with libFuzzer:
#   fuzz_input        input detection, unpacking, BTF parsing, canonical text
#                     (what `kstruct import FILE` does with one file)
#   fuzz_canon_parse  the canonical-text reader and the diff (history commands)
#   fuzz_meta         meta blobs, commit texts, ref and release names (store)
#
#   bench/fuzz.sh [SECONDS_PER_HARNESS] [BUILD_DIR]
#
# SECONDS_PER_HARNESS defaults to 60. BUILD_DIR ($KSTRUCT_FUZZ_DIR, default
# build/fuzz) gets a clang build of its own (-DKSTRUCT_FUZZ=ON: ASan, UBSan,
# libFuzzer), the seed corpora (seeds/), the corpora the fuzzer grows
# (corpus/), logs and any crashing inputs (artifacts/). Nothing is written
# elsewhere but /tmp. Each harness first replays tests/fuzz/regressions/,
# then fuzzes; hangs (-timeout), memory blow-ups (-rss_limit_mb) and leaks
# (-detect_leaks=1, tests/lsan.supp) count as failures.
#
# KSTRUCT_FUZZ_ONLY="fuzz_input fuzz_meta" fuzzes only those harnesses.
#
# Prints executions and exec/s per harness; exits 1 when any harness
# crashed, hung or leaked (the input is in BUILD_DIR/artifacts/HARNESS/:
# fix the bug, then add the input to tests/fuzz/regressions/HARNESS/),
# 77 when clang or its libFuzzer runtime is missing (Debian: clang,
# libclang-rt-14-dev; ./quickstart.sh --deps installs them).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-60}
OUT=${2:-${KSTRUCT_FUZZ_DIR:-$SRC/build/fuzz}}
HARNESSES=(fuzz_input fuzz_canon_parse fuzz_meta fuzz_bpfobj fuzz_validate)
# KSTRUCT_FUZZ_ONLY="fuzz_input ...": fuzz only these
[ -n "${KSTRUCT_FUZZ_ONLY:-}" ] && read -r -a HARNESSES <<<"$KSTRUCT_FUZZ_ONLY"
case $SECS in ''|*[!0-9]*) echo "usage: $0 [SECONDS_PER_HARNESS] [BUILD_DIR]" >&2; exit 2;; esac

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
	for c in clang-14 clang; do
		if command -v "$c" >/dev/null; then CC=$(command -v "$c"); break; fi
	done
fi
if [ -z "$CC" ]; then
	echo "fuzz.sh: no clang (Debian: apt-get install clang libclang-rt-14-dev); skipped" >&2
	exit 77
fi
probe=$(mktemp -d /tmp/kstruct-fuzz-probe.XXXXXX)
trap 'rm -rf "$probe"' EXIT
printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	> "$probe/p.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
	echo "fuzz.sh: $CC cannot link libFuzzer (Debian: apt-get install libclang-rt-14-dev); skipped" >&2
	sed 's/^/  /' "$probe/err" >&2
	exit 77
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "fuzz.sh: building with $CC in $OUT"
cmake -S "$SRC" -B "$OUT" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DKSTRUCT_FUZZ=ON -DKSTRUCT_SANITIZE=OFF -DBUILD_TESTING=OFF >"$OUT/configure.log" 2>&1 ||
	{ cat "$OUT/configure.log" >&2; exit 1; }
cmake --build "$OUT" -j"$(nproc)" --target "${HARNESSES[@]}" fuzz_seeds >"$OUT/build.log" 2>&1 ||
	{ tail -50 "$OUT/build.log" >&2; exit 1; }

export LSAN_OPTIONS="suppressions=$SRC/tests/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS="abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$OUT/tests/fuzz/fuzz_seeds" "$SRC/tests/data" "$OUT/seeds" >"$OUT/seeds.log" 2>&1 ||
	{ cat "$OUT/seeds.log" >&2; exit 1; }
tail -1 "$OUT/seeds.log"

failed=0
printf '%-18s %12s %10s %8s %8s  %s\n' harness executions exec/s corpus rss_mb result
for h in "${HARNESSES[@]}"; do
	corpus=$OUT/corpus/$h regress=$OUT/regressions/$h art=$OUT/artifacts/$h
	rm -rf "$art"	# a finding of an earlier run is in its log, not here
	mkdir -p "$corpus" "$art" "$OUT/logs"
	# the fuzzer may write to its first corpus folder only: regressions are
	# read from a copy, never from the source tree
	rm -rf "$regress"
	mkdir -p "$regress"
	find "$SRC/tests/fuzz/regressions/$h" -maxdepth 1 -type f ! -name 'README*' \
		-exec cp {} "$regress/" \; 2>/dev/null || true
	# import's hostile files (tests/hostile) start fuzz_input off too
	if [ "$h" = fuzz_input ] && [ -d "$SRC/tests/hostile" ]; then
		for f in "$SRC"/tests/hostile/*; do
			case $f in *.md|*.py|*/EXPECT) continue;; esac
			cp "$f" "$regress/hostile-${f##*/}"
		done
	fi
	dict=()
	[ -f "$SRC/tests/fuzz/$h.dict" ] && dict=(-dict="$SRC/tests/fuzz/$h.dict")
	log=$OUT/logs/$h.log
	rc=0
	(cd "$art" && "$OUT/tests/fuzz/$h" "${dict[@]}" -max_total_time="$SECS" -timeout=10 \
		-rss_limit_mb=2048 -malloc_limit_mb=2048 -detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$art/" -use_value_profile=1 \
		"$corpus" "$OUT/seeds/$h" "$regress") >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -1)
	ncorpus=$(find "$corpus" -type f | wc -l)
	result=clean
	if [ "$rc" != 0 ]; then
		failed=1
		result="FAILED (exit $rc)"
		grep -qE 'ERROR: libFuzzer: timeout' "$log" && result="HANG (exit $rc)"
		grep -qE 'ERROR: LeakSanitizer' "$log" && result="LEAK (exit $rc)"
		grep -qE 'out-of-memory' "$log" && result="OUT OF MEMORY (exit $rc)"
	fi
	printf '%-18s %12s %10s %8s %8s  %s\n' "$h" "${execs:-?}" "${speed:-?}" "$ncorpus" \
		"${rss:-?}" "$result"
	if [ "$rc" != 0 ]; then
		echo "--- $log (end):" >&2
		grep -vE '^#[0-9]+' "$log" | tail -60 >&2
		echo "--- inputs: $(ls "$art" 2>/dev/null | tr '\n' ' ')" >&2
	fi
done
[ "$failed" = 0 ] || { echo "fuzz.sh: a harness failed; inputs in $OUT/artifacts" >&2; exit 1; }
echo "fuzz.sh: every harness ran clean for ${SECS}s"
