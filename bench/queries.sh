#!/usr/bin/env bash
# The query times of bench/scale.sh on a store that exists already (the
# one KEEP=1 leaves, say), for one kstruct binary or two side by side:
#   bench/queries.sh STORE [KSTRUCT [KSTRUCT2]]
# Each binary works on its own copy of STORE, after `kstruct gc` on it (so
# the copy has the derived files that binary writes: the history index,
# the kept steps). Times: warm cache, WARMUP (3) untimed runs, then the
# median wall time of RUNS (20) with hyperfine, and its mean CPU time
# (user + system), in ms; `git cat-file -p` of the newest task_struct
# blob is the cost of reading one object with git alone.
# Environment: RUNS, WARMUP, LINEAGE (default debian/x86_64/generic).
set -euo pipefail
store=${1:?usage: bench/queries.sh STORE [KSTRUCT [KSTRUCT2]]}
here=$(cd "$(dirname "$0")/.." && pwd)
bins=("${2:-$here/build/kstruct}")
[[ -n ${3:-} ]] && bins+=("$3")
runs=${RUNS:-20} warmup=${WARMUP:-3} lineage=${LINEAGE:-debian/x86_64/generic}
command -v hyperfine >/dev/null || { echo "bench/queries.sh: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
qnames=("log task_struct" "log bpf_mem_alloc" "log list_head"
	"blame task_struct" "blame task_struct.pid" "blame bpf_mem_alloc"
	"blame bpf_mem_alloc.objcg" "blame list_head" "show task_struct"
	"git cat-file -p task_struct")

time_cmd() { # CMD...: the median wall ms and the mean CPU ms
	"$@" >/dev/null
	hyperfine --shell=none --style=none --warmup "$warmup" --runs "$runs" \
		--export-json "$tmp/hf.json" "$(printf '%q ' "$@")" >/dev/null
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f (%.1f)" % (r["median"] * 1e3, (r["user"] + r["system"]) * 1e3))' "$tmp/hf.json"
}

releases=$(git --git-dir="$store" tag | grep -c "^$lineage/")
declare -A res
for ((b = 0; b < ${#bins[@]}; b++)); do
	cp -a "$store" "$tmp/s$b"
	"${bins[b]}" --store "$tmp/s$b" gc --quiet
	blob=$(git --git-dir="$tmp/s$b" rev-parse "refs/heads/$lineage:struct/t/ta/task_struct")
	for q in "${qnames[@]}"; do
		if [[ $q == git\ * ]]; then
			res[$b,$q]=$(time_cmd git --git-dir="$tmp/s$b" cat-file -p "$blob")
		else
			# shellcheck disable=SC2086 # the words of the query
			res[$b,$q]=$(time_cmd "${bins[b]}" --store "$tmp/s$b" $q --lineage "$lineage")
		fi
	done
done
echo "$releases releases in $lineage; load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-36s' "wall ms (cpu ms)"
for ((b = 0; b < ${#bins[@]}; b++)); do
	printf ' %24s' "$(basename "$(dirname "${bins[b]}")")/$(basename "${bins[b]}")"
done
echo
for q in "${qnames[@]}"; do
	label="kstruct $q"
	[[ $q == git\ * ]] && label="git cat-file -p <blob of task_struct>"
	printf '%-36s' "$label"
	for ((b = 0; b < ${#bins[@]}; b++)); do
		printf ' %24s' "${res[$b,$q]}"
	done
	echo
done
