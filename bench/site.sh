#!/usr/bin/env bash
# kstruct site: the whole-store site for the five corpus kernels (about
# 9,000 structs each), first build and rebuild after one more release.
# Prints times and page counts (targets: <= 60 s first, <= 5 s after one
# more release, on 2 cores).
#   KSTRUCT   binary (default build/kstruct)
#   KS_CORPUS corpus folder (default ../shared/corpus, else tests/data)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K=${KSTRUCT:-$repo/build/kstruct}
corpus=${KS_CORPUS:-$repo/../shared/corpus}
[ -d "$corpus" ] || corpus=$repo/tests/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

n=0
for f in "$corpus"/*.btf.xz; do
	xz -dc "$f" > "$T/$(basename "$f" .xz)"
	n=$((n + 1))
done
"$K" --store "$T/store" import "$T"/*.btf >/dev/null 2>&1
echo "kstruct: $K"
echo "store:   $n kernels from $corpus; $(nproc) cores"
"$K" --store "$T/store" releases | sed 's/^/  /'

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t0=$(date +%s%N); out=$("$K" --store "$T/store" site "$T/site"); first=$(ms "$t0")
pages=$(sed -n 's/.*: \([0-9]*\) pages.*/\1/p' <<<"$out")
size=$(du -sh "$T/site" | cut -f1)
t0=$(date +%s%N); out2=$("$K" --store "$T/store" site "$T/site"); again=$(ms "$t0")

# one more release of the regular lineage: every struct page lists it
"$K" --store "$T/store" import "$T/$(ls "$T" | grep -m1 'generic-amd64.btf$')" \
	--release 6.12.999-generic-amd64 >/dev/null
t0=$(date +%s%N); out3=$("$K" --store "$T/store" site "$T/site"); more=$(ms "$t0")

printf '  first build                    %6d ms  (%s pages, %s)\n' "$first" "$pages" "$size"
printf '  again, nothing new             %6d ms  (%s)\n' "$again" "${out2#*: }"
printf '  after one more release         %6d ms  (%s)\n' "$more" "${out3#*: }"
