#!/usr/bin/env bash
# Check benchmark: `kstruct check` of real eBPF objects against a store of
# RELEASES releases (default 100; target: under 1 s for one object).
#
# Builds the store with bench/history.sh (the real x86_64 corpus kernels and
# synthetic releases derived from them), compiles the programs of
# tests/e2e/bpf/ with clang against a vmlinux.h of the 6.1 kernel, then
# times, RUNS times each (default 7, after one warm-up), the median in ms of:
#   kstruct check OBJ                 every release of the store
#   bpftool gen min_core_btf          libbpf's matcher on one kernel (raw
#                                     BTF, 6.12.117), which is what one
#                                     would run per kernel without kstruct;
#                                     times RELEASES for the same question
# Environment: KSTRUCT (default build/kstruct), KS_CORPUS (default
# ../shared/corpus), RELEASES, RUNS.
# Needs: clang, bpftool, xz, python3.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
corpus=${KS_CORPUS:-$repo/../shared/corpus}
releases=${RELEASES:-100}
runs=${RUNS:-7}

die() { echo "bench/check.sh: $*" >&2; exit 1; }
[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
for tool in clang bpftool xz python3; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
[[ -f $corpus/6.1.0-47-generic-amd64.btf.xz && -f $corpus/6.12.117-generic-amd64.btf.xz ]] ||
	die "no 6.1.0-47 and 6.12.117 kernels in $corpus (set KS_CORPUS)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "building a store of $releases releases (bench/history.sh) ..."
KEEP_STORE=$tmp/store RELEASES=$releases MAX_RELEASES=0 RUNS=1 KSTRUCT=$kstruct \
	KS_CORPUS=$corpus bash "$repo/bench/history.sh" >/dev/null
xz -dc "$corpus/6.1.0-47-generic-amd64.btf.xz" >"$tmp/old.btf"
xz -dc "$corpus/6.12.117-generic-amd64.btf.xz" >"$tmp/new.btf"
bpftool btf dump file "$tmp/old.btf" format c >"$tmp/vmlinux.h"
objs=()
for src in "$repo"/tests/e2e/bpf/*.bpf.c; do
	o=$tmp/$(basename "$src" .c).o
	clang -target bpf -g -O2 -D__TARGET_ARCH_x86 -I "$tmp" -c "$src" -o "$o"
	objs+=("$o")
done

# median wall time in ms of RUNS runs of a command (exit status ignored)
time_ms() {
	python3 - "$runs" "$@" <<'EOF'
import statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t = []
for _ in range(runs):
    s = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t.append((time.perf_counter() - s) * 1e3)
print("%.1f" % statistics.median(t))
EOF
}

n=$("$kstruct" --store "$tmp/store" releases --format json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "kstruct: $kstruct; $n releases; median of $runs runs"
for o in "${objs[@]}"; do
	nrel=$("$kstruct" --store "$tmp/store" check "$o" --format json |
		python3 -c 'import json,sys; print(sum(len(r["relocations"]) for r in json.load(sys.stdin)[0]["releases"]))') || true
	k=$(time_ms "$kstruct" --store "$tmp/store" check "$o")
	b=$(time_ms bpftool gen min_core_btf "$tmp/new.btf" "$tmp/min.btf" "$o")
	printf '  %-16s kstruct check, %d releases %7.1f ms (%s relocations resolved; target < 1000)\n' \
		"$(basename "$o" .bpf.o)" "$n" "$k" "$nrel"
	printf '  %-16s bpftool gen min_core_btf, 1 kernel %7.1f ms  (x %d releases: %.0f ms, %.0fx kstruct)\n' \
		"" "$b" "$n" "$(python3 -c "print($b * $n)")" "$(python3 -c "print($b * $n / $k)")"
done
