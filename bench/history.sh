#!/usr/bin/env bash
# History benchmark: how fast are the history commands on a long lineage?
#
# Builds, in a temporary folder, a store with one lineage (x86_64/generic)
# of RELEASES releases (default 200): the three real x86_64 generic corpus
# kernels (6.1.0-47, 6.12.100, 6.12.117) plus synthetic releases made by
# bench/synth_release.py (the code is in bench/lib/synth_store.sh, shared
# with bench/scale.sh). Synthetic releases come in three chains, each
# release derived from the previous one of its chain so that changes
# accumulate:
#   6.1.0-47-s0001 ..  (CHAIN_A of them, default 20) from 6.1.0-47
#   6.12.100-s0001 ..  (CHAIN_B, default 20) from 6.12.100
#   6.12.117-s0001 ..  (the rest) from 6.12.117
# which sort in natural version order between and after the real ones.
# Each synthetic release changes CHANGES structs (default 3): one of
# task_struct, sk_buff, bpf_mem_alloc, sock in turn (so that these have a
# long history) and random others; a change renames a member, retypes a
# member to another type of the same size, or adds a member in a hole.
# task_struct.pid and bpf_mem_alloc.objcg are never renamed or retyped.
#
# Then times each query RUNS times (default 7, after one untimed warm-up)
# and prints the median in ms:
#   kstruct log NAME, kstruct log NAME -p, kstruct blame NAME,
#   kstruct blame NAME.FIELD, kstruct diff R1 R2 --stat, and log and blame
#   of a func, enum, typedef, tracepoint and syscall (as fast as a struct)
# (target: log of one struct over 200 releases <= 10 ms), plus
# kstruct show and kstruct releases for comparison. Commands this kstruct
# does not have (kstruct CMD --help fails) are skipped with a note.
# Then extends the same lineage to MAX_RELEASES releases (default 1000;
# 0 skips this) and prints the same figures again.
#
# Environment:
#   KSTRUCT       kstruct binary (default: build/kstruct in the repository)
#   KS_CORPUS     folder with the x86_64 generic *.btf.xz kernels (default:
#                 ../shared/corpus next to the repository, else tests/data,
#                 which has no 6.12.100: no chain after it, and the queries
#                 naming it fail)
#   RELEASES      releases of the first measurement (default 200)
#   MAX_RELEASES  releases of the second measurement (default 1000, 0: none)
#   CHANGES       structs changed per synthetic release (default 3)
#   RUNS          timed runs per query (default 7)
#   CHAIN_A, CHAIN_B  synthetic releases after 6.1.0-47 and after 6.12.100
#                 (default 20 each)
#   REPACK        if set, also time every query on a copy of the store made
#                 into one pack by 'git repack -a -d' (needs git)
#   KEEP_STORE    build the store in this folder (which must not exist) and
#                 keep it, for looking at it afterwards; default: a temporary
#                 folder, removed at the end
# Needs: xz, python3 (and git for REPACK). Building the store dominates the
# run time: an import costs about 0.08 s in an empty store and grows with the
# number of releases already in it (about 0.5 s at 1000), so the default
# 200 + 1000 takes about 5 minutes on 2 cores.
set -euo pipefail
# Building waits for each write's roll-up and history index (kstruct gc
# --auto, detached otherwise), so the build's import times include them
# and every measurement starts from a settled store.
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
runs=${RUNS:-7}
n1=${RELEASES:-200}
n2=${MAX_RELEASES:-1000}
changes=${CHANGES:-3}
chain_a=${CHAIN_A:-20}
chain_b=${CHAIN_B:-20}

die() { echo "bench/history.sh: $*" >&2; exit 1; }
# building the store: synth_find_corpus, synth_start, synth_grow
# shellcheck source-path=SCRIPTDIR source=lib/synth_store.sh
. "$repo/bench/lib/synth_store.sh"

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
kstruct=$(cd "$(dirname "$kstruct")" && pwd)/$(basename "$kstruct")
for tool in xz python3; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for v in runs n1 n2 changes chain_a chain_b; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number (got '${!v}')"
done
((runs >= 1)) || die "RUNS must be at least 1"
((n2 == 0 || n2 > n1)) || die "MAX_RELEASES must be 0 or more than RELEASES"

synth_find_corpus
((n1 >= ${#reals[@]} + chain_a + chain_b + 1)) ||
	die "RELEASES must be at least $((${#reals[@]} + chain_a + chain_b + 1)) (${#reals[@]} real + CHAIN_A + CHAIN_B + 1)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-history.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
store=$tmp/store
if [[ -n ${KEEP_STORE:-} ]]; then
	[[ ! -e $KEEP_STORE ]] || die "KEEP_STORE $KEEP_STORE already exists"
	store=$KEEP_STORE
fi
# --- timing --------------------------------------------------------------

cat >"$tmp/timer.py" <<'EOF'
# argv: RUNS KSTRUCT STORE; stdin: one query a line, words separated by
# spaces. Runs each one untimed once, then RUNS times, and prints the
# medians of the wall time and of the CPU time (user + system) in ms, and
# the lines of output. CPU time depends less on other load on the machine.
import resource, statistics, subprocess, sys, time
runs, kstruct, store = int(sys.argv[1]), sys.argv[2], sys.argv[3]

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

for line in sys.stdin:
    args = line.split()
    if not args:
        continue
    cmd = [kstruct, "--store", store] + args
    wall, used = [], []
    for i in range(runs + 1):
        c0, t0 = cpu(), time.perf_counter_ns()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        t1, c1 = time.perf_counter_ns(), cpu()
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace").strip().splitlines()
            print("  %-52s FAILED (exit %d: %s)" % (" ".join(args), p.returncode,
                  err[0] if err else "no message"))
            break
        if i:
            wall.append((t1 - t0) / 1e6)
            used.append((c1 - c0) * 1e3)
    else:
        print("  %-52s %8.1f %8.1f  %6d" % (" ".join(args), statistics.median(wall),
              statistics.median(used), p.stdout.count(b"\n")))
    sys.stdout.flush()
EOF

has_cmd() { "$kstruct" "$1" --help >/dev/null 2>&1; }

measure() {
	local newest prev queries=()
	newest=$(synth_newest)
	prev=$(synth_newest 1)
	echo
	echo "== $synth_total releases in x86_64/generic (store $(du -sh "$store" | cut -f1)," \
		"$(find "$store/objects/pack" -name '*.pack' | wc -l) packs) =="
	queries+=("releases" "show task_struct" "show bpf_mem_alloc@6.1.0-47")
	if has_cmd log; then
		queries+=("log task_struct" "log sk_buff" "log bpf_mem_alloc" "log sock"
			"log bpf_mem_alloc -p" "log task_struct -p" "log task_struct --layout"
			"log bpf_mem_alloc --since 6.12.100 --until 6.12.117"
			"log task_struct --format json"
			# the other kinds: as fast as a struct (issue 14)
			"log func:vfs_read" "log enum:bpf_prog_type" "log typedef:u64"
			"log tracepoint:sched_switch" "log syscall:read")
	else
		echo "  (no 'kstruct log' in this kstruct: skipped)"
	fi
	if has_cmd blame; then
		queries+=("blame bpf_mem_alloc" "blame task_struct" "blame sk_buff"
			"blame bpf_mem_alloc.objcg" "blame task_struct.pid"
			"blame task_struct.se.vruntime"
			"blame func:vfs_read.count" "blame enum:bpf_prog_type.BPF_PROG_TYPE_NETFILTER"
			"blame tracepoint:sched_switch.prev_pid")
	else
		echo "  (no 'kstruct blame' in this kstruct: skipped)"
	fi
	if has_cmd diff; then
		queries+=("diff 6.12.100 6.12.117 --stat" "diff $prev $newest --stat"
			"diff 6.1.0-47 $newest --stat" "diff 6.12.117 $newest --stat"
			"diff 6.1.0-47 $newest task_struct bpf_mem_alloc")
	else
		echo "  (no 'kstruct diff' in this kstruct: skipped)"
	fi
	echo "  (target: log of one struct over 200 releases <= 10 ms)"
	printf '  %-52s %8s %8s  %6s\n' "query (median of $runs runs)" "wall ms" "cpu ms" "lines"
	printf '%s\n' "${queries[@]}" | python3 "$tmp/timer.py" "$runs" "$kstruct" "$store"
	if [[ -n ${REPACK:-} ]]; then
		echo "  -- the same store after 'git repack -a -d' (one pack instead of one per release):"
		rm -rf "$tmp/repacked"
		cp -a "$store" "$tmp/repacked"
		git --git-dir="$tmp/repacked" repack -a -d -q
		printf '%s\n' "${queries[@]}" | python3 "$tmp/timer.py" "$runs" "$kstruct" "$tmp/repacked"
		rm -rf "$tmp/repacked"
	fi
}

# --- main ------------------------------------------------------------------

echo "kstruct: $kstruct"
echo "corpus:  $corpus"
start=$(date +%s)

echo "building a store of $n1 releases (${#reals[@]} real: ${reals[*]};" \
	"chains of $chain_a after 6.1.0-47, $chain_b after 6.12.100 if there, the rest" \
	"after 6.12.117; $changes struct changes per synthetic release)"
synth_start
synth_grow "$n1"
got=$("$kstruct" --store "$store" releases | grep -c '^  ' || true)
((got == synth_total)) || die "kstruct releases lists $got releases, expected $synth_total"
echo "  import: $((synth_import_ns / synth_total / 1000000)) ms/release;" \
	"synth_release.py: $((synth_synth_ns / (synth_total - ${#reals[@]}) / 1000000)) ms/release"
measure

if ((n2 > 0)); then
	echo
	echo "extending the lineage to $n2 releases"
	synth_grow "$n2"
	echo "  import: $((synth_import_ns / synth_total / 1000000)) ms/release (all $synth_total)"
	measure
fi
echo
echo "total time $(($(date +%s) - start)) s"
