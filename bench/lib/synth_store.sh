# shellcheck shell=bash
# shellcheck disable=SC2154 # repo, kstruct, tmp, store, ... are the caller's
# Building a long lineage of synthetic releases (sourced by bench/history.sh
# and bench/scale.sh; not a program of its own).
#
# The store has one lineage, debian/x86_64/generic: the real x86_64 generic
# kernels of the corpus (6.1.0-47, 6.12.100, 6.12.117) plus synthetic
# releases made by bench/synth_release.py, in one chain per real kernel,
# each release derived from the previous one of its chain so that changes
# accumulate:
#   6.1.0-47-s0001 ..  (chain_a of them) from 6.1.0-47
#   6.12.100-s0001 ..  (chain_b) from 6.12.100
#   6.12.117-s0001 ..  (the rest) from 6.12.117
# which sort in natural version order between and after the real ones.
# Each synthetic release changes $changes structs: one of task_struct,
# sk_buff, bpf_mem_alloc, sock in turn (so that these have a long history)
# and random others; a change renames a member, retypes a member to another
# type of the same size, or adds a member in a hole. task_struct.pid and
# bpf_mem_alloc.objcg are never renamed or retyped. Seeds are fixed, so the
# same settings always give the same releases, whatever the steps the store
# was grown in (synth_grow 100 then synth_grow 1000 gives the same store as
# synth_grow 1000).
#
# Without 6.12.100 (tests/data has only 6.1.0-47 and 6.12.117) there is no
# chain after it.
#
# The caller defines die MESSAGE and sets, before synth_find_corpus:
#   repo     the repository (for bench/synth_release.py and tests/data)
#   kstruct  the kstruct binary, an absolute path
#   tmp      a scratch folder (chain state and BTF files are kept there)
#   store    the store to build (need not exist)
#   changes, chain_a, chain_b   as above
# and calls:
#   synth_find_corpus  sets corpus (absolute path) and reals (the real
#                      kernels found, oldest first) from $KS_CORPUS, else
#                      ../shared/corpus next to the repository, else the
#                      repository's tests/data
#   synth_start        creates the store and imports the real kernels
#   synth_grow N       adds synthetic releases until the store holds N
#                      (N >= the releases it holds already)
# Counters kept up to date: synth_total (releases in the store),
# synth_import_ns (time in kstruct import), synth_synth_ns (time in
# synth_release.py); $tmp/imports has a line for each import: the releases
# in the store after it, its wall time in microseconds and its CPU time
# (user + system) in ms. Needs xz and python3.

synth_batch=25 # releases per synth_release.py run

synth_now_ns() { date +%s%N; }

synth_find_corpus() {
	local dir r
	corpus=
	for dir in "${KS_CORPUS:-}" "$repo/../shared/corpus" "$repo/tests/data"; do
		if [[ -n $dir && -f $dir/6.1.0-47-generic-amd64.btf.xz &&
			-f $dir/6.12.117-generic-amd64.btf.xz ]]; then
			corpus=$(cd "$dir" && pwd)
			break
		fi
	done
	[[ -n $corpus ]] ||
		die "no 6.1.0-47- and 6.12.117-generic-amd64.btf.xz in \$KS_CORPUS, ../shared/corpus or tests/data"
	reals=()
	for r in 6.1.0-47 6.12.100 6.12.117; do
		if [[ -f $corpus/$r-generic-amd64.btf.xz ]]; then
			reals+=("$r")
		fi
	done
}

# seed base and quota of each chain; the newest real kernel's chain has no
# quota (it takes the rest)
synth_seedbase() {
	case $1 in
	6.1.0-47) echo 100000 ;;
	6.12.100) echo 200000 ;;
	*) echo 0 ;;
	esac
}
synth_quota() {
	case $1 in
	6.1.0-47) echo "$chain_a" ;;
	6.12.100) echo "$chain_b" ;;
	esac
}

synth_import_one() { # FILE RELEASE
	local t0 t1 TIMEFORMAT='%3U %3S' # bash's time: user and system time
	t0=$(synth_now_ns)
	# one lineage: the synthetic names would otherwise be "unknown"
	{ time "$kstruct" --store "$store" import "$1" --release "$2" --arch x86_64 \
		--flavor generic --distro debian >/dev/null; } 2>"$tmp/import-cpu" ||
		die "import of $2 failed: $(head -1 "$tmp/import-cpu")"
	t1=$(synth_now_ns)
	synth_import_ns=$((synth_import_ns + t1 - t0))
	synth_total=$((synth_total + 1))
	awk -v n="$synth_total" -v ns=$((t1 - t0)) '{ printf "%d %d %d\n", n, ns / 1000, ($1 + $2) * 1000 }' \
		"$tmp/import-cpu" >>"$tmp/imports"
}

synth_start() {
	local r
	synth_total=0 synth_import_ns=0 synth_synth_ns=0
	"$kstruct" --store "$store" init >/dev/null 2>&1 || die "kstruct init failed"
	for r in "${reals[@]}"; do
		xz -dc "$corpus/$r-generic-amd64.btf.xz" >"$tmp/last-$r.btf"
		echo 0 >"$tmp/count-$r"
		synth_import_one "$tmp/last-$r.btf" "$r"
	done
	echo "  $synth_total real releases imported"
}

# chain state: $tmp/last-NAME.btf is the newest release of chain NAME,
# $tmp/count-NAME how many synthetic releases it has
synth_extend_chain() { # NAME COUNT
	local name=$1 count=$2 seedbase done_ i n first t0 t1 ms pattern
	seedbase=$(synth_seedbase "$name")
	done_=$(cat "$tmp/count-$name")
	while ((count > 0)); do
		n=$((count < synth_batch ? count : synth_batch))
		first=$((done_ + 1))
		# with --count 1, synth_release.py takes OUT as it is
		pattern="$tmp/syn-{seed}.btf"
		((n > 1)) || pattern=$tmp/syn-$((seedbase + first)).btf
		t0=$(synth_now_ns)
		python3 "$repo/bench/synth_release.py" "$tmp/last-$name.btf" "$pattern" \
			--seed $((seedbase + first)) --count "$n" --changes "$changes" \
			--focus task_struct --focus sk_buff --focus bpf_mem_alloc --focus sock \
			--keep task_struct.pid --keep bpf_mem_alloc.objcg --quiet ||
			die "synth_release.py failed"
		t1=$(synth_now_ns)
		synth_synth_ns=$((synth_synth_ns + t1 - t0))
		t0=$(synth_now_ns)
		for ((i = first; i < first + n; i++)); do
			synth_import_one "$tmp/syn-$((seedbase + i)).btf" "$(printf '%s-s%04d' "$name" "$i")"
			if ((i < first + n - 1)); then
				rm -f "$tmp/syn-$((seedbase + i)).btf"
			fi
		done
		t1=$(synth_now_ns)
		mv "$tmp/syn-$((seedbase + first + n - 1)).btf" "$tmp/last-$name.btf"
		ms=$(((t1 - t0) / n / 1000000))
		printf '  %5d releases (%s-s%04d: import %d ms/release)\n' \
			"$synth_total" "$name" $((first + n - 1)) "$ms"
		done_=$((done_ + n))
		count=$((count - n))
	done
	echo "$done_" >"$tmp/count-$name"
}

synth_grow() { # N
	local want=$1 r quota have add last=${reals[${#reals[@]} - 1]}
	((want >= synth_total)) || die "synth_grow $want: the store already holds $synth_total releases"
	for r in "${reals[@]}"; do
		[[ $r != "$last" ]] || continue
		quota=$(synth_quota "$r")
		have=$(cat "$tmp/count-$r")
		add=$((quota - have))
		((add <= want - synth_total)) || add=$((want - synth_total))
		((add <= 0)) || synth_extend_chain "$r" "$add"
	done
	((want == synth_total)) || synth_extend_chain "$last" $((want - synth_total))
}

# the newest synthetic release (of the newest real kernel's chain) and the
# one before it: synth_newest [OFFSET]
synth_newest() {
	local last=${reals[${#reals[@]} - 1]}
	printf '%s-s%04d' "$last" $(($(cat "$tmp/count-$last") - ${1:-0}))
}
