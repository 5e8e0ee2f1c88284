#!/usr/bin/env bash
# Scale benchmark (issue 17): how do import time, store size and query time
# grow with the number of releases in a store?
#
# Builds, in a temporary folder, one store with one lineage
# (debian/x86_64/generic) of synthetic releases, exactly as bench/history.sh
# does (the code is bench/lib/synth_store.sh: the real x86_64 generic corpus
# kernels 6.1.0-47, 6.12.100, 6.12.117 plus chains of releases made from them
# by bench/synth_release.py, CHANGES structs changed per release, fixed
# seeds), and grows it through each of SIZES releases (default
# "100 1000 5000"). The store of N releases is the same whatever SIZES it is
# part of. At each size it measures:
#   import   the median of IMPORT_RUNS (default 5) imports of one more real
#            kernel (NEW_KERNEL, default the corpus 6.12.117-generic-amd64,
#            as release 6.13.0-bench, the newest of the lineage) into a
#            fresh copy of the store (cp -a and sync, untimed, so every run
#            starts from the same store), alternating with the same import
#            into an empty store (kstruct init, untimed); and the mean of
#            the last (up to) 50 imports that built the store up to this
#            size (synthetic releases, each with a few new structs; this
#            one includes any pack merging kstruct does now and then)
#   size     du -sb of the store, and of a copy of it after
#            'git gc --aggressive --prune=now' (and the time gc took)
#   queries  the median wall time of RUNS (default 20) runs after WARMUP
#            (default 3) untimed ones (warm cache), and their CPU time, with
#            hyperfine when it is installed (apt-get install hyperfine),
#            else a shell loop:
#            kstruct log of task_struct, bpf_mem_alloc, list_head;
#            kstruct blame of task_struct, task_struct.pid, bpf_mem_alloc,
#            bpf_mem_alloc.objcg, list_head; kstruct show task_struct
#            against git cat-file -p of that struct's blob in the same store
#            (kstruct log takes no NAME.FIELD: blame NAME.FIELD is the
#            history of a member)
# Prints a table (also written to OUT/scale.txt) and writes OUT/scale.tsv
# (one row per size; the settings in its # header) and OUT/scale.svg, a
# plot of the three against the release count (log-scale x) made with
# gnuplot from OUT/scale.gp.
#
# Environment:
#   KSTRUCT      kstruct binary (default: build/kstruct in the repository)
#   KS_CORPUS    folder with the x86_64 generic *.btf.xz kernels (default:
#                ../shared/corpus next to the repository, else tests/data,
#                which has no 6.12.100)
#   SIZES        release counts to measure at (default "100 1000 5000")
#   CHANGES      structs changed per synthetic release (default 3)
#   CHAIN_A, CHAIN_B  synthetic releases after 6.1.0-47 and after 6.12.100
#                (default 20 each; a smaller store has fewer)
#   NEW_KERNEL   the kernel of the import measurement (*.btf.xz or raw BTF)
#   IMPORT_RUNS  timed imports at each size, of each kind (default 5)
#   RUNS, WARMUP timed and untimed runs per query (default 20 and 3)
#   GC           0: skip git gc --aggressive (slow on large stores)
#   TIMER        hyperfine or loop (default: hyperfine when installed)
#   OUT          output folder (default: bench/out/scale-DATE-TIME in the
#                repository); printed at the end
#   KEEP         if set, keep the temporary folder (with the store of the
#                largest size) and print where it is
# Needs: xz, python3, git, du; hyperfine (optional); gnuplot for the plot
# (when missing, installs gnuplot-nox with apt-get, saying so; without it,
# no plot). Building the store dominates the run time: before the scale work
# (commit 673c277) an import took 0.15-0.4 s of wall time on 2 shared cores,
# more in a larger store, so 100 + 1000 took 6 minutes (docs/performance.md)
# and 5000 takes more than an hour.
set -euo pipefail
# Building waits for each write's roll-up and history index (kstruct gc
# --auto, detached otherwise), so the build's import times include them
# and every measurement starts from a settled store.
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
sizes_in=${SIZES:-100 1000 5000}
changes=${CHANGES:-3}
chain_a=${CHAIN_A:-20}
chain_b=${CHAIN_B:-20}
import_runs=${IMPORT_RUNS:-5}
runs=${RUNS:-20}
warmup=${WARMUP:-3}
lineage=debian/x86_64/generic
new_release=6.13.0-bench

die() { echo "bench/scale.sh: $*" >&2; exit 1; }
note() { echo "bench/scale.sh: $*" >&2; }
# building the store: synth_find_corpus, synth_start, synth_grow
# shellcheck source-path=SCRIPTDIR source=lib/synth_store.sh
. "$repo/bench/lib/synth_store.sh"

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
kstruct=$(cd "$(dirname "$kstruct")" && pwd)/$(basename "$kstruct")
for tool in xz python3 git du awk; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
for v in changes chain_a chain_b import_runs runs warmup; do
	[[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number (got '${!v}')"
done
((import_runs >= 1 && runs >= 1)) || die "IMPORT_RUNS and RUNS must be at least 1"
read -r -a sizes <<<"$sizes_in"
((${#sizes[@]} > 0)) || die "SIZES is empty"
for s in "${sizes[@]}"; do
	[[ $s =~ ^[1-9][0-9]*$ ]] || die "SIZES must be release counts (got '$s')"
done
mapfile -t sizes < <(printf '%s\n' "${sizes[@]}" | sort -n -u)

timer=${TIMER:-}
if [[ -z $timer ]]; then
	if command -v hyperfine >/dev/null; then
		timer=hyperfine
	else
		note "hyperfine is not installed (apt-get install hyperfine): timing queries with a shell loop"
		timer=loop
	fi
fi
[[ $timer == loop || ($timer == hyperfine && -n $(command -v hyperfine)) ]] ||
	die "TIMER must be loop or hyperfine (installed)"
if ! command -v gnuplot >/dev/null; then
	note "gnuplot is missing: installing gnuplot-nox (apt-get install -y gnuplot-nox) for the plot"
	sudo=
	((EUID == 0)) || sudo=sudo
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q gnuplot-nox >/dev/null ||
		note "could not install gnuplot-nox: no plot (OUT/scale.gp makes it later)"
fi

synth_find_corpus
((sizes[0] >= ${#reals[@]})) ||
	die "the smallest size must be at least ${#reals[@]} (the real kernels)"
new_kernel=${NEW_KERNEL:-$corpus/6.12.117-generic-amd64.btf.xz}
[[ -f $new_kernel ]] || die "NEW_KERNEL $new_kernel is not a file"

out=${OUT:-$repo/bench/out/scale-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(cd "$out" && pwd)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-scale.XXXXXX")
cleanup() {
	if [[ -n ${KEEP:-} ]]; then
		echo "kept $tmp (the store: $tmp/store)"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
store=$tmp/store

case $new_kernel in
*.xz) xz -dc "$new_kernel" >"$tmp/new.btf" ;;
*) cp "$new_kernel" "$tmp/new.btf" ;;
esac

us() { echo "${EPOCHREALTIME//[.,]/}"; } # wall clock in microseconds, no fork
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }

# --- import of one more kernel ----------------------------------------------

import_new() { # STORE: prints the wall time in microseconds and the CPU time in ms
	local t0 t1 TIMEFORMAT='%3U %3S' # bash's time: user and system time of the import
	t0=$(us)
	# what the user waits for: the roll-up after it would run detached
	{ time KSTRUCT_AUTO_GC=0 "$kstruct" --store "$1" import "$tmp/new.btf" --release "$new_release" \
		--arch x86_64 --flavor generic --distro debian >/dev/null 2>"$tmp/err"; } 2>"$tmp/cpu" ||
		die "import into $1 failed: $(head -1 "$tmp/err")"
	t1=$(us)
	echo $((t1 - t0)) "$(awk '{ printf "%d", ($1 + $2) * 1000 }' "$tmp/cpu")"
}

measure_import() { # sets r_import_empty, r_import_store, r_import_*_cpu (ms)
	local i empty=() full=() got
	for ((i = 0; i < import_runs; i++)); do
		rm -rf "$tmp/empty"
		"$kstruct" --store "$tmp/empty" init >/dev/null
		empty+=("$(import_new "$tmp/empty")")
		rm -rf "$tmp/copy"
		cp -a "$store" "$tmp/copy"
		sync -f "$tmp/copy" # the copy's writeback must not overlap the import
		full+=("$(import_new "$tmp/copy")")
	done
	got=$("$kstruct" --store "$tmp/copy" releases --lineage "$lineage" | awk 'NF { r = $1; n++ } END { print r, n - 1 }')
	[[ $got == "$new_release $((synth_total + 1))" ]] ||
		die "after the import the store has '$got' (newest, releases), expected '$new_release $((synth_total + 1))'"
	rm -rf "$tmp/empty" "$tmp/copy"
	r_import_empty=$(ms "$(printf '%s\n' "${empty[@]}" | cut -d' ' -f1 | median)")
	r_import_store=$(ms "$(printf '%s\n' "${full[@]}" | cut -d' ' -f1 | median)")
	r_import_empty_cpu=$(printf '%s\n' "${empty[@]}" | cut -d' ' -f2 | median | awk '{ printf "%.0f", $1 }')
	r_import_store_cpu=$(printf '%s\n' "${full[@]}" | cut -d' ' -f2 | median | awk '{ printf "%.0f", $1 }')
}

# --- store size ---------------------------------------------------------------

measure_size() { # sets r_store_bytes, r_packs, r_gc_bytes, r_gc_s
	local t0 t1
	r_store_bytes=$(du -sb "$store" | cut -f1)
	r_packs=$(find "$store/objects/pack" -name '*.pack' | wc -l)
	r_gc_bytes=nan r_gc_s=nan
	[[ ${GC:-1} != 0 ]] || return 0
	rm -rf "$tmp/gc"
	cp -a "$store" "$tmp/gc"
	t0=$(us)
	git --git-dir="$tmp/gc" -c gc.auto=0 gc --aggressive --prune=now --quiet ||
		die "git gc --aggressive failed"
	t1=$(us)
	r_gc_bytes=$(du -sb "$tmp/gc" | cut -f1)
	r_gc_s=$(awk -v u=$((t1 - t0)) 'BEGIN { printf "%.1f", u / 1e6 }')
	rm -rf "$tmp/gc"
}

# --- queries ------------------------------------------------------------------

qnames=("log task_struct" "log bpf_mem_alloc" "log list_head"
	"blame task_struct" "blame task_struct.pid" "blame bpf_mem_alloc"
	"blame bpf_mem_alloc.objcg" "blame list_head"
	"show task_struct" "git cat-file -p task_struct")

time_cmd() { # CMD...: prints the median wall time and the CPU time in ms, or nan nan
	local i t0 t1 d=() line TIMEFORMAT='%3U %3S'
	if ! "$@" >/dev/null 2>"$tmp/err"; then
		note "'$*' failed: $(head -1 "$tmp/err")"
		echo nan nan
		return
	fi
	if [[ $timer == hyperfine ]]; then
		line=$(printf '%q ' "$@")
		hyperfine --shell=none --style=none --warmup "$warmup" --runs "$runs" \
			--export-json "$tmp/hf.json" "$line" >/dev/null 2>"$tmp/err" ||
			die "hyperfine failed on: $line: $(cat "$tmp/err")"
		# hyperfine has the median of the wall time, the mean of user and system
		python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f" % (r["median"] * 1e3, (r["user"] + r["system"]) * 1e3))' "$tmp/hf.json"
		return
	fi
	for ((i = 0; i < warmup; i++)); do
		"$@" >/dev/null 2>&1
	done
	: >"$tmp/cpu"
	for ((i = 0; i < runs; i++)); do
		t0=$(us)
		{ time "$@" >/dev/null 2>&1; } 2>>"$tmp/cpu"
		t1=$(us)
		d+=($((t1 - t0)))
	done
	awk -v u="$(printf '%s\n' "${d[@]}" | median)" \
		-v c="$(awk '{ print ($1 + $2) * 1000 }' "$tmp/cpu" | median)" \
		'BEGIN { printf "%.2f %.2f", u / 1000, c }'
}

measure_queries() { # sets r_q and r_qcpu (arrays, in the order of qnames)
	local q blob t
	blob=$(git --git-dir="$store" rev-parse "refs/heads/$lineage:struct/t/ta/task_struct")
	r_q=() r_qcpu=()
	for q in "${qnames[@]}"; do
		if [[ $q == git\ * ]]; then
			t=$(time_cmd git --git-dir="$store" cat-file -p "$blob")
		else
			# shellcheck disable=SC2086 # the words of the query
			t=$(time_cmd "$kstruct" --store "$store" $q)
		fi
		r_q+=("${t% *}") r_qcpu+=("${t#* }")
	done
}

# --- main ---------------------------------------------------------------------

tsv=$out/scale.tsv
cols=(releases build_s build_total_s import_empty_ms import_store_ms
	import_empty_cpu_ms import_store_cpu_ms build_import_ms build_import_cpu_ms
	store_bytes packs gc_bytes gc_ratio gc_s load1)
qcol=$((${#cols[@]} + 1)) # gnuplot's number of the first query's column
col() { # NAME: gnuplot's number of that column
	local i
	for ((i = 0; i < ${#cols[@]}; i++)); do
		[[ ${cols[i]} != "$1" ]] || { echo $((i + 1)); return; }
	done
	die "no column $1"
}
for q in "${qnames[@]}"; do
	q=${q/ -p /_}
	cols+=("${q// /_}_ms")
done
for q in "${qnames[@]}"; do
	q=${q/ -p /_}
	cols+=("${q// /_}_cpu_ms")
done
{
	echo "# bench/scale.sh $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n), $(nproc) cores"
	echo "# kstruct $kstruct (repository at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?'))"
	echo "# corpus $corpus (${reals[*]}); NEW_KERNEL $(basename "$new_kernel") as $new_release"
	echo "# CHANGES=$changes CHAIN_A=$chain_a CHAIN_B=$chain_b IMPORT_RUNS=$import_runs RUNS=$runs WARMUP=$warmup TIMER=$timer"
	echo "# times in ms are medians of wall time; cpu: user + system time (the median;" \
		"of queries timed by hyperfine: the mean); sizes in bytes;" \
		"load1: load average before measuring; nan: not measured"
	(IFS=$'\t' && echo "# ${cols[*]}")
} >"$tsv"

echo "kstruct: $kstruct"
echo "corpus:  $corpus (${reals[*]})"
echo "sizes:   ${sizes[*]}; queries timed with $timer; output in $out"
start=$(date +%s)
echo "building the store: ${#reals[@]} real releases, then synthetic ones"
build_us=0 # building the store, all steps so far (not the measuring)
prev_size=0
t0=$(us)
synth_start
for size in "${sizes[@]}"; do
	synth_grow "$size"
	t1=$(us)
	build_us=$((build_us + t1 - t0))
	build_s=$(awk -v u=$((t1 - t0)) 'BEGIN { printf "%.1f", u / 1e6 }')
	build_total_s=$(awk -v u=$build_us 'BEGIN { printf "%.1f", u / 1e6 }')
	echo "== $size releases (built in $build_s s, $build_total_s s in all); measuring"
	load1=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo nan)
	measure_import
	# the last (up to) 50 imports of the build, of this step only
	read -r r_build_import r_build_import_cpu < <(awk -v lo=$((size - 50)) -v lo2="$prev_size" \
		'$1 > lo && $1 > lo2 { n++; w += $2; c += $3 }
		END { if (n) printf "%.1f %.0f\n", w / n / 1000, c / n; else print "nan nan" }' "$tmp/imports")
	measure_size
	measure_queries
	gc_ratio=nan
	[[ $r_gc_bytes == nan ]] || gc_ratio=$(awk -v a="$r_gc_bytes" -v b="$r_store_bytes" 'BEGIN { printf "%.3f", a / b }')
	row=("$size" "$build_s" "$build_total_s" "$r_import_empty" "$r_import_store"
		"$r_import_empty_cpu" "$r_import_store_cpu" "$r_build_import" "$r_build_import_cpu"
		"$r_store_bytes" "$r_packs"
		"$r_gc_bytes" "$gc_ratio" "$r_gc_s" "$load1" "${r_q[@]}" "${r_qcpu[@]}")
	(IFS=$'\t' && echo "${row[*]}") >>"$tsv"
	prev_size=$size
	t0=$(us) # the next step of building starts here
	echo "   import $r_import_store ms (empty store: $r_import_empty ms);" \
		"store $r_store_bytes bytes in $r_packs packs, after gc --aggressive $r_gc_bytes"
done

# --- the table ------------------------------------------------------------------

python3 - "$tsv" "$qcol" "${qnames[@]}" >"$out/scale.txt" <<'EOF'
import sys
tsv, qcol, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
lines = open(tsv).read().splitlines()
cols = [l[2:].split("\t") for l in lines if l.startswith("# releases\t")][0]
rows = [l.split("\t") for l in lines if not l.startswith("#")]
data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
def mb(v):
    return v if v == "nan" else "%.1f" % (int(v) / 1e6)
table = [("releases in the store", data["releases"]),
         ("build of this step (s)", data["build_s"]),
         ("build up to this size (s)", data["build_total_s"]),
         ("import into an empty store (ms)", data["import_empty_ms"]),
         ("import into the store (ms)", data["import_store_ms"]),
         ("  cpu time, empty store (ms)", data["import_empty_cpu_ms"]),
         ("  cpu time, the store (ms)", data["import_store_cpu_ms"]),
         ("build's last 50 imports, mean (ms)", data["build_import_ms"]),
         ("  cpu time (ms)", data["build_import_cpu_ms"]),
         ("store, du -sb (MB)", [mb(v) for v in data["store_bytes"]]),
         ("packs", data["packs"]),
         ("after git gc --aggressive (MB)", [mb(v) for v in data["gc_bytes"]]),
         ("gc --aggressive / store", data["gc_ratio"]),
         ("git gc --aggressive took (s)", data["gc_s"]),
         ("load average before measuring", data["load1"])]
table.append(("queries: wall ms (cpu ms)", [""] * len(rows)))
n = len(queries)
for q, c, u in zip(queries, cols[qcol - 1:qcol - 1 + n], cols[qcol - 1 + n:]):
    label = q.replace("task_struct", "<blob of task_struct>") if q.startswith("git ") else "kstruct " + q
    table.append(("  " + label, ["%s (%s)" % (w, "%.1f" % float(x) if x != "nan" else x)
                                 for w, x in zip(data[c], data[u])]))
width = max(len(label) for label, _ in table)
for label, vals in table:
    print("%-*s %s" % (width, label, " ".join("%16s" % v for v in vals)))
EOF
echo
cat "$out/scale.txt"

# --- the plot ---------------------------------------------------------------------

qplot=$(for ((i = 0; i < ${#qnames[@]}; i++)); do
	if ((i == 0)); then
		printf '"scale.tsv"'
	else
		printf ', \\\n     %s' "''"
	fi
	printf " using 1:%d title '%s'" $((qcol + i)) "${qnames[i]}"
done)
cat >"$out/scale.gp" <<EOF
# gnuplot scale.gp (from bench/scale.sh) makes scale.svg from scale.tsv
set terminal svg size 1000,700 dynamic noenhanced font "sans,11"
set output "scale.svg"
set datafile missing "nan"
set style data linespoints
do for [i = 1:10] { set linetype i pt 7 ps 0.5 lw 1.5 }
set linetype 1 lc rgb "#1f77b4"; set linetype 2 lc rgb "#ff7f0e"
set linetype 3 lc rgb "#2ca02c"; set linetype 4 lc rgb "#d62728"
set linetype 5 lc rgb "#9467bd"; set linetype 6 lc rgb "#8c564b"
set linetype 7 lc rgb "#e377c2"; set linetype 8 lc rgb "#7f7f7f"
set linetype 9 lc rgb "#bcbd22"; set linetype 10 lc rgb "#17becf"
set logscale x
set xlabel "releases in the store" offset 0,0.5
set grid
set key top left Left reverse font ",10"
set offsets 0, 0, graph 0.6, 0
set multiplot title "kstruct at scale: $(basename "$out")"
set size 0.5,0.47
set origin 0,0.48
set title "import of one more kernel"
set ylabel "ms (median of $import_runs)"
set yrange [0:*]
plot "scale.tsv" using 1:$(col import_store_ms) lt 1 title "into the store (wall)", \\
     '' using 1:$(col import_empty_ms) lt 2 title "into an empty store (wall)", \\
     '' using 1:$(col import_store_cpu_ms) lt 1 dt 2 title "into the store (cpu)", \\
     '' using 1:$(col import_empty_cpu_ms) lt 2 dt 2 title "into an empty store (cpu)", \\
     '' using 1:$(col build_import_ms) lt 3 title "building the store, last 50 (wall)", \\
     '' using 1:$(col build_import_cpu_ms) lt 3 dt 2 title "building the store, last 50 (cpu)"
set origin 0.5,0.48
set title "store size"
set ylabel "MB"
plot "scale.tsv" using 1:(column($(col store_bytes))/1e6) title "du -sb", \\
     '' using 1:(column($(col gc_bytes))/1e6) title "after git gc --aggressive"
set size 1,0.48
set origin 0,0
set title "queries (warm cache)"
set ylabel "ms (median of $runs)"
set logscale y
set yrange [*:*]
set offsets 0, 0, 0, 0
set key outside right top vertical
plot $qplot
unset multiplot
EOF
if command -v gnuplot >/dev/null; then
	rm -f "$out/scale.svg"
	(cd "$out" && gnuplot scale.gp) || { rm -f "$out/scale.svg"; note "gnuplot failed: no plot"; }
fi
echo
echo "total time $(($(date +%s) - start)) s"
echo "output: $out"
ls -l "$out"
