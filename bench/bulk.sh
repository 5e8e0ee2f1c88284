#!/usr/bin/env bash
# Bulk import: every corpus kernel (5 Debian vmlinux BTF + the btfhub
# archives) into a fresh store, pinned to one core and then to every core
# (taskset; --jobs left to its default, one worker per core it may use),
# in one run; prints wall times and the ratio (issue 17 asks at least
# 1.8x on 2 cores). Then the same folder as a farm of symbolic links,
# which must import the same releases.
#   KSTRUCT   binary (default build/kstruct)
#   KS_CORPUS corpus folder (default ../shared/corpus, else tests/data)
#   RUNS      runs of each (default 5; the median is printed)
#   KS_DEB    a linux-image-*.deb for the package figure (default: apt-get
#             download linux-image-6.1.0-47-amd64 into a temporary folder)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K=${KSTRUCT:-$repo/build/kstruct}
corpus=${KS_CORPUS:-$repo/../shared/corpus}
[ -d "$corpus" ] || corpus=$repo/tests/data
runs=${RUNS:-5}
# the roll-up a writer leaves behind is not part of an import's time
export KSTRUCT_AUTO_GC=0
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

mkdir -p "$T/kernels"
for f in "$corpus"/*.btf.xz; do
	xz -dc "$f" > "$T/kernels/$(basename "$f" .xz)"
done
# btfhub archives are imported as they are (.btf.tar.xz)
cp "$corpus"/btfhub/*.btf.tar.xz "$T/kernels/" 2>/dev/null || true
n=$(ls "$T/kernels" | wc -l)
cores=$(nproc)
echo "kstruct: $K"
echo "inputs:  $n kernels from $corpus ($(du -sh "$T/kernels" | cut -f1) of raw BTF), $cores cores"

median() { python3 -c 'import sys; v=sorted(float(x) for x in sys.argv[1:]); print("%.0f" % v[len(v)//2])' "$@"; }
pin=()
command -v taskset >/dev/null && pin=(taskset -c)
time_import() { # CPUS [DIR] -> ms per run (median), CPUS as taskset takes them
	local cpus=$1 dir=${2:-$T/kernels} i t0 t1 ms=()
	for i in $(seq "$runs"); do
		rm -rf "$T/store"
		t0=$(date +%s%N)
		if [ ${#pin[@]} -gt 0 ]; then
			"${pin[@]}" "$cpus" "$K" --store "$T/store" import "$dir" >/dev/null 2>&1
		else
			"$K" --store "$T/store" import "$dir" --jobs "${cpus//[^,]/}" >/dev/null 2>&1
		fi
		t1=$(date +%s%N)
		ms+=($(( (t1 - t0) / 1000000 )))
	done
	median "${ms[@]}"
}
all_cpus=$(seq -s, 0 $((cores - 1)))
[ ${#pin[@]} -gt 0 ] || echo "  (no taskset: --jobs 1 against --jobs $cores instead of pinning)"
one=$(time_import 0)
all=$(time_import "$all_cpus")
printf '  bulk import, 1 core            %6d ms\n' "$one"
printf '  bulk import, %d cores           %6d ms\n' "$cores" "$all"
python3 -c "print('  speed-up                       %6.2fx' % ($one / max($all, 1)))"
printf '  per kernel (all cores)         %6d ms\n' $(( all / n ))
# a link farm of the same kernels, two levels deep, with a loop
mkdir -p "$T/farm/a/b"
for f in "$T"/kernels/*; do ln -s "$f" "$T/farm/a/b/$(basename "$f")"; done
ln -s "$T/farm" "$T/farm/a/loop"
"$K" --store "$T/store" import "$T/kernels" >/dev/null 2>&1 || true
refs_dir=$(git --git-dir="$T/store" for-each-ref --format='%(refname) %(objectname)' refs/heads refs/tags)
farm=$(time_import "$all_cpus" "$T/farm")
refs_farm=$(git --git-dir="$T/store" for-each-ref --format='%(refname) %(objectname)' refs/heads refs/tags)
printf '  the same as a link farm         %6d ms, %s\n' "$farm" \
	"$([ "$refs_dir" = "$refs_farm" ] && echo "the same releases and commits" || echo "DIFFERENT releases or commits")"

# ---- a Debian package: kstruct alone against dpkg-deb and tools by hand ----
deb=${KS_DEB:-}
if [ -z "$deb" ]; then
	(cd "$T" && apt-get download linux-image-6.1.0-47-amd64 >/dev/null 2>&1) &&
		deb=$(ls "$T"/linux-image-*.deb | head -1)
fi
if [ ! -f "$deb" ] || ! command -v objcopy >/dev/null; then
	echo "  (.deb figure skipped: no package or no objcopy)"
	exit 0
fi
by_hand() {
	rm -rf "$T/x" "$T/store" && mkdir "$T/x"
	dpkg-deb -x "$deb" "$T/x"
	local z off
	z=$(ls "$T"/x/boot/vmlinuz-*)
	# the xz payload of the bzImage, found by its magic, as extract-vmlinux does
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$z" | head -1 | cut -d: -f1)
	tail -c +$((off + 1)) "$z" | xz -dc 2>/dev/null > "$T/x/vmlinux" || true
	objcopy -O binary --only-section=.BTF "$T/x/vmlinux" "$T/x/btf"
	"$K" --store "$T/store" import "$T/x/btf" --release 6.1.0-47-amd64 >/dev/null 2>&1
}
direct() {
	rm -rf "$T/store"
	"$K" --store "$T/store" import "$deb" >/dev/null 2>&1
}
ms_of() { local t0 t1; t0=$(date +%s%N); "$@"; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
a=(); b=()
for i in $(seq "$runs"); do a+=($(ms_of direct)); b+=($(ms_of by_hand)); done
da=$(median "${a[@]}"); db=$(median "${b[@]}")
echo "$(basename "$deb") ($(( $(stat -c %s "$deb") / 1048576 )) MiB):"
printf '  kstruct import PKG.deb          %6d ms\n' "$da"
printf '  dpkg-deb -x + xz + objcopy + import %4d ms\n' "$db"
python3 -c "print('  ratio direct / by hand          %6.2f' % ($da / max($db, 1)))"
