#!/usr/bin/env bash
# Sync benchmark: how many bytes does a pull of one more release cost?
#
# Builds a store BASE of RELEASES releases: the corpus kernels except the
# target (default 6.12.117-generic-amd64) plus synthetic releases made by
# bench/synth_release.py (a chain from the newest x86_64 generic kernel
# BASE has, each release changing CHANGES structs of the previous one).
# Then a second store OTHER (a clone of BASE) imports one more release, and
# a copy of BASE pulls it from OTHER, once by path and once over git://
# (a git daemon on 127.0.0.1, on a free port, stopped at the end). For
#   1. the real target kernel, and
#   2. one more synthetic release (the next of the chain),
# it prints the bytes transferred (the "received" figure kstruct prints)
# against the release's BTF compressed with xz (`xz -c FILE | wc -c`,
# what shipping the kernel's BTF would cost), and the ratio. A third line,
# "git-br", is a reference and not kstruct: what plain `git fetch` of the
# lineage branches over git:// receives (a release's chain commit has the
# previous release's as parent, so git's negotiation finds common history;
# a release tag is a parentless commit, which it cannot).
#
# Environment:
#   KSTRUCT    kstruct binary (default: build/kstruct in the repository)
#   KS_CORPUS  folder of *.btf.xz kernels (default: ../shared/corpus next to
#              the repository, falling back to tests/data)
#   TARGET     the real kernel pulled (default 6.12.117-generic-amd64 when
#              present, else the newest *.btf.xz by version)
#   RELEASES   releases in BASE (default 20; at least the real kernels)
#   CHANGES    structs changed per synthetic release (default 3)
# Needs: xz, python3, git (git daemon).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
synth=$repo/bench/synth_release.py
nrel=${RELEASES:-20}
changes=${CHANGES:-3}

die() { echo "bench/sync.sh: $*" >&2; exit 1; }

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
kstruct=$(cd "$(dirname "$kstruct")" && pwd)/$(basename "$kstruct")
for tool in xz python3 git; do
	command -v "$tool" >/dev/null || die "$tool is required but not installed"
done
[[ $nrel =~ ^[0-9]+$ ]] || die "RELEASES must be a number (got '$nrel')"
[[ $changes =~ ^[1-9][0-9]*$ ]] || die "CHANGES must be a positive number (got '$changes')"

corpus=
for dir in "${KS_CORPUS:-}" "$repo/../shared/corpus" "$repo/tests/data"; do
	if [[ -n $dir && -d $dir ]] && compgen -G "$dir/*.btf.xz" >/dev/null; then
		corpus=$(cd "$dir" && pwd)
		break
	fi
done
[[ -n $corpus ]] || die "no *.btf.xz found in \$KS_CORPUS, ../shared/corpus or tests/data"
mapfile -t kernels < <(cd "$corpus" && ls -- *.btf.xz | sed 's/\.btf\.xz$//' | sort -V)
target=${TARGET:-6.12.117-generic-amd64}
if [[ ! -f $corpus/$target.btf.xz ]]; then
	[[ -z ${TARGET:-} ]] || die "no $target.btf.xz in $corpus"
	target=${kernels[-1]}
fi
reals=()
for k in "${kernels[@]}"; do [[ $k == "$target" ]] || reals+=("$k"); done
((${#reals[@]} >= 1)) || die "$corpus has no kernel besides the target $target"
((nrel >= ${#reals[@]})) || die "RELEASES must be at least ${#reals[@]} (the real kernels besides the target)"
# the synthetic chain grows from the newest x86_64 generic kernel in BASE
seed_kernel=
for k in "${reals[@]}"; do [[ $k == *-generic-amd64 ]] && seed_kernel=$k; done
[[ -n $seed_kernel ]] || seed_kernel=${reals[-1]}
nsyn=$((nrel - ${#reals[@]}))

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-sync.XXXXXX")
daemon_pid=
cleanup() {
	[[ -z $daemon_pid ]] || { kill "$daemon_pid" 2>/dev/null; wait "$daemon_pid" 2>/dev/null || true; }
	rm -rf "$tmp"
}
trap cleanup EXIT
ks() { "$kstruct" "$@"; }

echo "corpus: $corpus"
for k in "${reals[@]}" "$target"; do
	xz -dc "$corpus/$k.btf.xz" > "$tmp/$k.btf"
done
base=$tmp/base
files=()
for k in "${reals[@]}"; do files+=("$tmp/$k.btf"); done
ks --store "$base" import "${files[@]}" >/dev/null 2>&1 || die "import of the real kernels failed"

# synthetic chain: nsyn releases into BASE, one more to pull
syn_prefix=${seed_kernel%-generic-amd64}
python3 "$synth" "$tmp/$seed_kernel.btf" "$tmp/syn-{seed:04d}.btf" --seed 1 --count $((nsyn + 1)) \
	--changes "$changes" --focus task_struct --focus sk_buff --focus bpf_mem_alloc --focus sock \
	--quiet || die "synth_release.py failed"
syn_name() { printf '%s-s%04d' "$syn_prefix" "$1"; }
for ((i = 1; i <= nsyn; i++)); do
	ks --store "$base" import "$tmp/syn-$(printf %04d "$i").btf" --release "$(syn_name "$i")" \
		--arch x86_64 --flavor generic >/dev/null || die "import of $(syn_name "$i") failed"
	rm -f "$tmp/syn-$(printf %04d "$i").btf"
done
syn_file=$tmp/syn-$(printf %04d $((nsyn + 1))).btf
syn_rel=$(syn_name $((nsyn + 1)))
have=$(ks --store "$base" releases --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "base store: $have releases (${#reals[@]} real kernels, $nsyn synthetic from $seed_kernel changing $changes structs each)"

# git daemon serving $tmp/served
mkdir -p "$tmp/served"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
git daemon --reuseaddr --base-path="$tmp/served" --export-all --listen=127.0.0.1 --port="$port" \
	"$tmp/served" 2>"$tmp/daemon.log" &
daemon_pid=$!
python3 - "$port" <<'EOF' || die "git daemon did not start: $(head -3 "$tmp/daemon.log")"
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF

received() { # kstruct's "(N objects, X KiB received)" as "N X"
	sed -n 's/.*(\([0-9]*\) objects, \([0-9.]*\) KiB received).*/\1 \2/p' <<<"$1"
}

measure() { # LABEL FILE RELEASE [import options]
	local label=$1 file=$2 rel=$3 other xzb out how n kib url; shift 3
	other=$tmp/served/other-$rel.git
	ks clone "$base" "$other" >/dev/null 2>&1 || die "clone of the base store failed"
	ks --store "$other" import "$file" --release "$rel" "$@" >/dev/null || die "import of $rel failed"
	xzb=$(xz -c "$file" | wc -c)
	echo
	echo "$label: $rel (xz-compressed BTF: $xzb bytes = $(awk -v b="$xzb" 'BEGIN{printf "%.1f", b/1024}') KiB)"
	printf '  %-8s %10s %12s %10s\n' "pull by" objects "received KiB" "/ xz BTF"
	for how in path git; do
		rm -rf "$tmp/pulling"
		cp -a "$base" "$tmp/pulling"
		if [[ $how == path ]]; then url=$other; else url=git://127.0.0.1:$port/other-$rel.git; fi
		out=$(ks --store "$tmp/pulling" pull "$url") || die "pull of $rel by $how failed"
		grep -q "1 new release" <<<"$out" || die "pull of $rel by $how: $out"
		read -r n kib < <(received "$out") || { n=0; kib=0; }
		printf '  %-8s %10s %12s %10s\n' "$how" "${n:-0}" "${kib:-0}" \
			"$(awk -v k="${kib:-0}" -v b="$xzb" 'BEGIN{printf "%.3f", k*1024/b}')"
	done
	# reference, not kstruct: plain git fetching the lineage branch, whose
	# chain commit of the new release has a parent the pulling store has
	rm -rf "$tmp/pulling"
	cp -a "$base" "$tmp/pulling"
	out=$(git --git-dir="$tmp/pulling" -c fetch.unpackLimit=1 fetch --progress --no-tags \
		"git://127.0.0.1:$port/other-$rel.git" "+refs/heads/*:refs/bench/*" 2>&1 | tr '\r' '\n' |
		grep 'Receiving objects: 100%' | tail -1) || true
	n=$(sed -n 's/.*(\([0-9]*\)\/[0-9]*).*/\1/p' <<<"$out")
	kib=$(sed -n 's/.*, \([0-9.]*\) \(KiB\|MiB\|bytes\).*/\1 \2/p' <<<"$out" |
		awk '{ if ($2 == "MiB") $1 *= 1024; else if ($2 == "bytes") $1 /= 1024; printf "%.1f", $1 }')
	printf '  %-8s %10s %12s %10s   (reference: git fetch of the lineage branches, not kstruct)\n' \
		"git-br" "${n:-?}" "${kib:-?}" \
		"$(awk -v k="${kib:-0}" -v b="$xzb" 'BEGIN{printf "%.3f", k*1024/b}')"
}

measure "real kernel" "$tmp/$target.btf" "$target"
measure "synthetic release ($changes structs changed)" "$syn_file" "$syn_rel" --arch x86_64 --flavor generic
