#!/usr/bin/env bash
# End-to-end tests of the history index (store/ks_hindex.c) on real
# kernels: the two of tests/data, the Kylin btfhub kernel (another
# lineage) and 24 releases derived from 6.12.117, one arriving out of
# order. Two stores get the same imports: one keeps its index current
# (KSTRUCT_AUTO_GC=wait, as after every write), one never has one
# (KSTRUCT_AUTO_GC=0, so every query walks the commits). Every answer of
# log, blame, status, show and releases, in text and JSON, of structs,
# unions, variants and every other kind, must be the same byte for byte;
# then with the index behind the branch, cut short, or removed.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
SYNTH=$(dirname "$0")/../../bench/synth_release.py
KY=4.19.90-52.22.v2207.ky10.aarch64
IDX=$T/idx
WALK=$T/walk
answers() { # STORE
	local n c
	for n in task_struct bpf_mem_alloc sk_buff list_head controller controller~2 \
		elf_note_info~2 enum:bpf_map_type func:vfs_read typedef:u32 tracepoint:sched_switch \
		syscall:read lsm:file_open union:bpf_attr bpf_attr nosuch_thing task_struct~2; do
		for c in "log $n" "log $n -p" "blame $n" "log $n --format json" "blame $n --format json" \
			"status $n" "log $n --lineage kylin"; do
			echo "== $c"
			"$KSTRUCT" --store "$1" $c 2>&1
			echo "rc=$?"
		done
	done
	"$KSTRUCT" --store "$1" blame task_struct.pid 2>&1
	"$KSTRUCT" --store "$1" blame bpf_mem_alloc.objcg 2>&1
	"$KSTRUCT" --store "$1" releases 2>&1
	"$KSTRUCT" --store "$1" releases --lineage kylin --format json 2>&1
}
both() { # ARGS...: the same import into both stores
	KSTRUCT_AUTO_GC=wait "$KSTRUCT" --store "$IDX" import "$@" >/dev/null 2>&1
	KSTRUCT_AUTO_GC=0 "$KSTRUCT" --store "$WALK" import "$@" >/dev/null 2>&1
}

mkdir -p "$T/syn"
python3 "$SYNTH" "$T/$NEW.btf" "$T/syn/s{seed:04d}.btf" --seed 1 --count 24 --changes 3 \
	--focus task_struct --focus bpf_mem_alloc --keep task_struct.pid \
	--keep bpf_mem_alloc.objcg --quiet || { echo "cannot make synthetic releases"; exit 1; }
both "$T/$OLD.btf"
both "$T/$NEW.btf"
both "$DATA/btfhub/$KY.btf.tar.xz"
for i in $(seq 1 24); do
	[ "$i" = 12 ] && continue	# comes last, in the middle of the lineage
	f=$(printf '%s/syn/s%04d.btf' "$T" "$i")
	both "$f" --release "$(printf '6.12.117-s%04d' "$i")" --distro debian
done
check "the index store has an index per lineage" test "$(ls "$IDX/kstruct-history" | wc -l)" = 2
check "the walk store has none" test ! -e "$WALK/kstruct-history"
answers "$WALK" > "$T/walk.txt"
answers "$IDX" > "$T/idx.txt"
check "every answer from the index is the walk's" cmp -s "$T/walk.txt" "$T/idx.txt"
check "the answers are real ones ($(grep -c '^rc=0' "$T/walk.txt") succeeded)" \
	test "$(grep -c '^rc=0' "$T/walk.txt")" -ge 90

# a release lands in the middle: every later chain commit changes
both "$T/syn/s0012.btf" --release 6.12.117-s0012 --distro debian
answers "$WALK" > "$T/walk.txt"
answers "$IDX" > "$T/idx.txt"
check "after a release in the middle: the same answers" cmp -s "$T/walk.txt" "$T/idx.txt"
check "... which include it" grep -q '6.12.117-s0012' "$T/idx.txt"

# an index behind its branch is not used (the import wrote none)
KSTRUCT_AUTO_GC=0 "$KSTRUCT" --store "$IDX" import "$T/$OLD.btf" --release 6.12.200 \
	--distro debian >/dev/null 2>&1
KSTRUCT_AUTO_GC=0 "$KSTRUCT" --store "$WALK" import "$T/$OLD.btf" --release 6.12.200 \
	--distro debian >/dev/null 2>&1
answers "$WALK" > "$T/walk.txt"
answers "$IDX" > "$T/idx.txt"
check "an index behind its branch: the same answers" cmp -s "$T/walk.txt" "$T/idx.txt"
out=$("$KSTRUCT" --store "$IDX" gc 2>&1)
check "gc brings it up to date" grep -q '^indexed the history of 1 lineage$' <<<"$out"
answers "$IDX" > "$T/idx.txt"
check "then: the same answers" cmp -s "$T/walk.txt" "$T/idx.txt"

# damaged or missing: walked, and gc writes it anew
f=$(ls "$IDX"/kstruct-history/debian*)
truncate -s 1000 "$f"
answers "$IDX" > "$T/idx.txt"
check "an index cut short: the same answers" cmp -s "$T/walk.txt" "$T/idx.txt"
out=$("$KSTRUCT" --store "$IDX" gc 2>&1)
check "gc writes a damaged index anew" grep -q '^indexed the history of 1 lineage$' <<<"$out"
rm -rf "$IDX/kstruct-history"
answers "$IDX" > "$T/idx.txt"
check "no index at all: the same answers" cmp -s "$T/walk.txt" "$T/idx.txt"
check "git fsck --strict clean" eval 'test -z "$(git -C "$IDX" fsck --strict --no-dangling 2>&1)"'
finish hindex
