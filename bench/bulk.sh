#!/usr/bin/env bash
# Bulk import: every corpus kernel (5 Debian vmlinux BTF + the btfhub
# archives once kstruct reads them) into a fresh store with one worker
# thread and with one per core, in one run; prints wall times and the ratio.
#   KSTRUCT   binary (default build/kstruct)
#   KS_CORPUS corpus folder (default ../shared/corpus, else tests/data)
#   RUNS      runs of each (default 3; the median is printed)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K=${KSTRUCT:-$repo/build/kstruct}
corpus=${KS_CORPUS:-$repo/../shared/corpus}
[ -d "$corpus" ] || corpus=$repo/tests/data
runs=${RUNS:-3}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/kernels"
for f in "$corpus"/*.btf.xz; do
	xz -dc "$f" > "$T/kernels/$(basename "$f" .xz)"
done
n=$(ls "$T/kernels" | wc -l)
cores=$(nproc)
echo "kstruct: $K"
echo "inputs:  $n kernels from $corpus ($(du -sh "$T/kernels" | cut -f1) of raw BTF), $cores cores"

median() { python3 -c 'import sys; v=sorted(float(x) for x in sys.argv[1:]); print("%.0f" % v[len(v)//2])' "$@"; }
time_import() { # JOBS -> ms per run
	local j=$1 i t0 t1 ms=()
	for i in $(seq "$runs"); do
		rm -rf "$T/store"
		t0=$(date +%s%N)
		"$K" --store "$T/store" import "$T/kernels" --jobs "$j" >/dev/null 2>&1
		t1=$(date +%s%N)
		ms+=($(( (t1 - t0) / 1000000 )))
	done
	median "${ms[@]}"
}
one=$(time_import 1)
all=$(time_import "$cores")
printf '  bulk import, 1 thread          %6d ms\n' "$one"
printf '  bulk import, %d threads         %6d ms\n' "$cores" "$all"
python3 -c "print('  speed-up                       %6.2fx' % ($one / max($all, 1)))"
printf '  per kernel (all cores)         %6d ms\n' $(( all / n ))
