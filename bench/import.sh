#!/usr/bin/env bash
# Import benchmark.
#
# 1. Speed: `kstruct import` of one real kernel (decompressed raw BTF) into
#    a fresh store, recording every kind (enums, typedefs, functions, ...),
#    against the same import of structs and unions only
#    (KSTRUCT_KINDS=legacy, what import recorded before the other kinds)
#    and `pahole FILE > /dev/null` on the same file, which also reads all of
#    the BTF and prints every struct and union. RUNS timed runs of each,
#    alternating (after one untimed warm-up of each, so all read the file
#    from the page cache); prints the medians in ms, the ratio all/legacy
#    (target <= 1.5) and the ratio kstruct/pahole for structs and unions
#    (target <= 2.0).
# 2. Size: imports every corpus kernel into one fresh store and prints the
#    store's on-disk size (du of the bare repository) against the sum of
#    the corpus *.btf.xz sizes.
#
# Environment:
#   KSTRUCT    kstruct binary (default: build/kstruct in the repository)
#   KS_CORPUS  folder of *.btf.xz kernels (default: ../shared/corpus next to
#              the repository, falling back to tests/data)
#   KERNEL     which kernel to time (default: 6.12.117-generic-amd64 when
#              present, else the first *.btf.xz)
#   RUNS       timed runs of each command (default 7)
#   BASELINE   optional: a kstruct binary from before every kind was
#              recorded (e.g. built from commit 0d6a107), timed in the same
#              runs; the issue's target is every kind <= 1.5x its import
# Needs: xz, pahole (package dwarves), python3 (for ms timing and medians).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
runs=${RUNS:-7}

die() { echo "bench/import.sh: $*" >&2; exit 1; }

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
for tool in xz pahole python3 du; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ -z ${BASELINE:-} || -x $BASELINE ]] || die "BASELINE=$BASELINE is not an executable"

corpus=
for dir in "${KS_CORPUS:-}" "$repo/../shared/corpus" "$repo/tests/data"; do
	if [[ -n $dir && -d $dir ]] && compgen -G "$dir/*.btf.xz" >/dev/null; then
		corpus=$(cd "$dir" && pwd)
		break
	fi
done
[[ -n $corpus ]] || die "no *.btf.xz found in \$KS_CORPUS, ../shared/corpus or tests/data"
xzs=("$corpus"/*.btf.xz)

kernel=${KERNEL:-6.12.117-generic-amd64}
if [[ ! -f $corpus/$kernel.btf.xz ]]; then
	[[ -z ${KERNEL:-} ]] || die "no $kernel.btf.xz in $corpus"
	kernel=$(basename "${xzs[0]}" .btf.xz)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-import.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now_ns() { date +%s%N; }

# median of the numbers on stdin (ns), printed in ms with 1 decimal
median_ms() {
	python3 -c 'import sys, statistics
v = [int(x) for x in sys.stdin.read().split()]
print("%.1f" % (statistics.median(v) / 1e6))'
}

btf=$tmp/$kernel.btf
xz -dc "$corpus/$kernel.btf.xz" >"$btf"

kversion=$("$kstruct" --version 2>/dev/null) || kversion="version unknown"
echo "kstruct: $kstruct (${kversion%%$'\n'*})"
echo "pahole:  $(command -v pahole) ($(pahole --version))"
echo "corpus:  $corpus (${#xzs[@]} kernels)"
echo "cpu:     $(nproc) cores, $(uname -m)"
echo

# -- 1. speed ---------------------------------------------------------------

import_once() {	# $1: store path (must not exist)
	"$kstruct" --store "$1" import "$btf" >/dev/null 2>"$tmp/err" ||
		die "kstruct import $btf failed: $(tail -n3 "$tmp/err")"
}
legacy_once() {	# $1: store path (must not exist)
	KSTRUCT_KINDS=legacy "$kstruct" --store "$1" import "$btf" >/dev/null 2>"$tmp/err" ||
		die "KSTRUCT_KINDS=legacy kstruct import $btf failed: $(tail -n3 "$tmp/err")"
}
baseline_once() {	# $1: store path (must not exist)
	"$BASELINE" --store "$1" import "$btf" >/dev/null 2>"$tmp/err" ||
		die "$BASELINE import $btf failed: $(tail -n3 "$tmp/err")"
}
pahole_once() {
	pahole "$btf" >/dev/null || die "pahole $btf failed"
}

# warm-up, untimed
import_once "$tmp/warm"
rm -rf "$tmp/warm"
legacy_once "$tmp/warm"
rm -rf "$tmp/warm"
pahole_once
if [[ -n ${BASELINE:-} ]]; then
	baseline_once "$tmp/warm"
	rm -rf "$tmp/warm"
fi

k_times=() l_times=() p_times=() b_times=()
for ((i = 1; i <= runs; i++)); do
	store=$tmp/store-$i
	t0=$(now_ns)
	import_once "$store"
	t1=$(now_ns)
	rm -rf "$store"
	t2=$(now_ns)
	legacy_once "$store"
	t3=$(now_ns)
	pahole_once
	t4=$(now_ns)
	k_times+=($((t1 - t0)))
	l_times+=($((t3 - t2)))
	p_times+=($((t4 - t3)))
	rm -rf "$store"
	if [[ -n ${BASELINE:-} ]]; then
		t0=$(now_ns)
		baseline_once "$store"
		b_times+=($(( $(now_ns) - t0 )))
		rm -rf "$store"
	fi
done

k_med=$(printf '%s\n' "${k_times[@]}" | median_ms)
l_med=$(printf '%s\n' "${l_times[@]}" | median_ms)
p_med=$(printf '%s\n' "${p_times[@]}" | median_ms)
kinds_ratio=$(python3 -c "print('%.2f' % ($k_med / $l_med))")
kinds_verdict=$(python3 -c "print('met' if $k_med / $l_med <= 1.5 else 'NOT met')")
ratio=$(python3 -c "print('%.2f' % ($l_med / $p_med))")
verdict=$(python3 -c "print('met' if $l_med / $p_med <= 2.0 else 'NOT met')")
counts=$(KSTRUCT_KINDS= "$kstruct" --store "$tmp/counts" import "$btf" 2>/dev/null |
	sed -n 's/.*: imported, \(.*\) ([0-9a-f]*)$/\1/p')
rm -rf "$tmp/counts"

echo "import speed, $kernel ($(stat -c %s "$btf") bytes of BTF), median of $runs runs:"
printf '  kstruct import, every kind    %8.1f ms\n' "$k_med"
printf '  kstruct import, struct/union  %8.1f ms  (KSTRUCT_KINDS=legacy)\n' "$l_med"
printf '  pahole FILE > /dev/null       %8.1f ms\n' "$p_med"
if [[ -n ${BASELINE:-} ]]; then
	# today's struct-only import got every speed-up too: the issue's
	# 1.5 is against the struct-only import of before (BASELINE)
	echo "  ratio every kind/struct+union $kinds_ratio (what the other kinds cost today)"
else
	echo "  ratio every kind/struct+union $kinds_ratio (target <= 1.5: $kinds_verdict)"
fi
echo "  ratio struct+union/pahole     $ratio (target <= 2.0: $verdict)"
if [[ -n ${BASELINE:-} ]]; then
	b_med=$(printf '%s\n' "${b_times[@]}" | median_ms)
	printf '  baseline import (BASELINE)    %8.1f ms  (%s)\n' "$b_med" "$BASELINE"
	echo "  ratio every kind/baseline     $(python3 -c "print('%.2f' % ($k_med / $b_med))")" \
		"(target <= 1.5: $(python3 -c "print('met' if $k_med / $b_med <= 1.5 else 'NOT met')"))"
fi
echo "  every kind: $counts"
echo "  all runs (ms): every kind   $(printf '%s\n' "${k_times[@]}" | awk '{printf "%.0f ", $1/1e6}')"
echo "                 struct/union $(printf '%s\n' "${l_times[@]}" | awk '{printf "%.0f ", $1/1e6}')"
echo "                 pahole       $(printf '%s\n' "${p_times[@]}" | awk '{printf "%.0f ", $1/1e6}')"
[[ -z ${BASELINE:-} ]] ||
	echo "                 baseline     $(printf '%s\n' "${b_times[@]}" | awk '{printf "%.0f ", $1/1e6}')"
echo

# -- 2. size ----------------------------------------------------------------

store=$tmp/corpus-store
xz_bytes=0
t0=$(now_ns)
for x in "${xzs[@]}"; do
	name=$(basename "$x" .xz)
	xz -dc "$x" >"$tmp/$name"
	"$kstruct" --store "$store" import "$tmp/$name" >/dev/null 2>"$tmp/err" ||
		die "kstruct import $name failed: $(tail -n3 "$tmp/err")"
	rm -f "$tmp/$name"
	xz_bytes=$((xz_bytes + $(stat -c %s "$x")))
done
t1=$(now_ns)

store_bytes=$(du -s -B1 "$store" | cut -f1)
store_apparent=$(du -s -b "$store" | cut -f1)
size_ratio=$(python3 -c "print('%.3f' % ($store_bytes / $xz_bytes))")

echo "store size, ${#xzs[@]} kernels imported into one store ($(( (t1 - t0) / 1000000 )) ms incl. xz -dc):"
printf '  store on disk (du)            %12d bytes (%.2f MiB; apparent %d bytes)\n' \
	"$store_bytes" "$(python3 -c "print($store_bytes / 1048576)")" "$store_apparent"
printf '  corpus *.btf.xz total         %12d bytes (%.2f MiB)\n' \
	"$xz_bytes" "$(python3 -c "print($xz_bytes / 1048576)")"
echo "  ratio store/xz                $size_ratio"
