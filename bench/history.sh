#!/usr/bin/env bash
# History benchmark: how fast are the history commands on a long lineage?
#
# Builds, in a temporary folder, a store with one lineage (x86_64/generic)
# of RELEASES releases (default 200): the three real x86_64 generic corpus
# kernels (6.1.0-47, 6.12.100, 6.12.117) plus synthetic releases made by
# bench/synth_release.py. Synthetic releases come in three chains, each
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
#                 ../shared/corpus next to the repository)
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

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
synth=$repo/bench/synth_release.py
runs=${RUNS:-7}
n1=${RELEASES:-200}
n2=${MAX_RELEASES:-1000}
changes=${CHANGES:-3}
chain_a=${CHAIN_A:-20}
chain_b=${CHAIN_B:-20}
batch=25

die() { echo "bench/history.sh: $*" >&2; exit 1; }

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
kstruct=$(cd "$(dirname "$kstruct")" && pwd)/$(basename "$kstruct")
for tool in xz python3; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for v in runs n1 n2 changes chain_a chain_b; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number (got '${!v}')"
done
((runs >= 1)) || die "RUNS must be at least 1"
((n1 >= 3 + chain_a + chain_b + 1)) ||
	die "RELEASES must be at least $((3 + chain_a + chain_b + 1)) (3 real + CHAIN_A + CHAIN_B + 1)"
((n2 == 0 || n2 > n1)) || die "MAX_RELEASES must be 0 or more than RELEASES"

corpus=
for dir in "${KS_CORPUS:-}" "$repo/../shared/corpus"; do
	if [[ -n $dir && -f $dir/6.12.117-generic-amd64.btf.xz ]]; then
		corpus=$(cd "$dir" && pwd)
		break
	fi
done
[[ -n $corpus ]] || die "no 6.12.117-generic-amd64.btf.xz in \$KS_CORPUS or ../shared/corpus"
reals=(6.1.0-47 6.12.100 6.12.117)
for r in "${reals[@]}"; do
	[[ -f $corpus/$r-generic-amd64.btf.xz ]] || die "no $r-generic-amd64.btf.xz in $corpus"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-history.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
store=$tmp/store
if [[ -n ${KEEP_STORE:-} ]]; then
	[[ ! -e $KEEP_STORE ]] || die "KEEP_STORE $KEEP_STORE already exists"
	store=$KEEP_STORE
fi
ks() { "$kstruct" --store "$store" "$@"; }

now_ns() { date +%s%N; }

# --- building the store ------------------------------------------------

total=0        # releases in the store
import_ns=0    # time spent in kstruct import
synth_ns=0     # time spent in synth_release.py

import_one() { # FILE RELEASE
	local t0 t1
	t0=$(now_ns)
	# one lineage: the synthetic names would otherwise be "unknown"
	ks import "$1" --release "$2" --arch x86_64 --flavor generic --distro debian >/dev/null ||
		die "import of $2 failed"
	t1=$(now_ns)
	import_ns=$((import_ns + t1 - t0))
	total=$((total + 1))
}

# chain state: $tmp/last-NAME.btf is the newest release of chain NAME,
# $tmp/count-NAME how many synthetic releases it has
extend_chain() { # NAME SEEDBASE COUNT
	local name=$1 seedbase=$2 count=$3 done_ i n first t0 t1 ms
	done_=$(cat "$tmp/count-$name")
	while ((count > 0)); do
		n=$((count < batch ? count : batch))
		first=$((done_ + 1))
		t0=$(now_ns)
		python3 "$synth" "$tmp/last-$name.btf" "$tmp/syn-{seed}.btf" \
			--seed $((seedbase + first)) --count "$n" --changes "$changes" \
			--focus task_struct --focus sk_buff --focus bpf_mem_alloc --focus sock \
			--keep task_struct.pid --keep bpf_mem_alloc.objcg --quiet ||
			die "synth_release.py failed"
		t1=$(now_ns)
		synth_ns=$((synth_ns + t1 - t0))
		t0=$(now_ns)
		for ((i = first; i < first + n; i++)); do
			import_one "$tmp/syn-$((seedbase + i)).btf" "$(printf '%s-s%04d' "$name" "$i")"
			if ((i < first + n - 1)); then
				rm -f "$tmp/syn-$((seedbase + i)).btf"
			fi
		done
		t1=$(now_ns)
		mv "$tmp/syn-$((seedbase + first + n - 1)).btf" "$tmp/last-$name.btf"
		ms=$(((t1 - t0) / n / 1000000))
		printf '  %5d releases (%s-s%04d: import %d ms/release)\n' \
			"$total" "$name" $((first + n - 1)) "$ms"
		done_=$((done_ + n))
		count=$((count - n))
	done
	echo "$done_" >"$tmp/count-$name"
}

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
	newest=$(printf '6.12.117-s%04d' "$(cat "$tmp/count-6.12.117")")
	prev=$(printf '6.12.117-s%04d' $(($(cat "$tmp/count-6.12.117") - 1)))
	echo
	echo "== $total releases in x86_64/generic (store $(du -sh "$store" | cut -f1)," \
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

echo "building a store of $n1 releases (3 real, $chain_a after 6.1.0-47," \
	"$chain_b after 6.12.100, $((n1 - 3 - chain_a - chain_b)) after 6.12.117;" \
	"$changes struct changes per synthetic release)"
ks init >/dev/null 2>&1 || die "kstruct init failed"
for r in "${reals[@]}"; do
	xz -dc "$corpus/$r-generic-amd64.btf.xz" >"$tmp/last-$r.btf"
	echo 0 >"$tmp/count-$r"
	import_one "$tmp/last-$r.btf" "$r"
done
echo "  $total real releases imported"
extend_chain 6.1.0-47 100000 "$chain_a"
extend_chain 6.12.100 200000 "$chain_b"
extend_chain 6.12.117 0 $((n1 - total))
got=$("$kstruct" --store "$store" releases | grep -c '^  ' || true)
((got == total)) || die "kstruct releases lists $got releases, expected $total"
echo "  import: $((import_ns / total / 1000000)) ms/release;" \
	"synth_release.py: $((synth_ns / (total - 3) / 1000000)) ms/release"
measure

if ((n2 > 0)); then
	echo
	echo "extending the lineage to $n2 releases"
	extend_chain 6.12.117 0 $((n2 - total))
	echo "  import: $((import_ns / total / 1000000)) ms/release (all $total)"
	measure
fi
echo
echo "total time $(($(date +%s) - start)) s"
