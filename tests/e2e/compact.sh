#!/usr/bin/env bash
# End-to-end tests of a store that stays compact by itself: the two real
# kernels of tests/data and 40 releases derived from 6.12.117 (three
# structs changed in each, bench/synth_release.py) imported one command
# at a time, as a user does. Checked: the roll-ups after the writes run
# detached (the import returns before one is done) and leave few packs;
# the store stays within 1.2x of what `git gc --aggressive` makes of a
# copy; `kstruct gc` puts everything into one pack; nothing a reader sees
# changes on the way (releases, log, blame, show of every release);
# git fsck stays clean; KSTRUCT_AUTO_GC=0 writes no roll-up.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
unset KSTRUCT_AUTO_GC	# the default, detached, is what this tests
S=$T/store
SYNTH=$(dirname "$0")/../../bench/synth_release.py
ks() { "$KSTRUCT" --store "$S" "$@"; }
packs() { ls "$1/objects/pack" | grep -c '\.pack$'; }
bytes() { du -sb "$1/objects" | cut -f1; }
# waits until no roll-up holds the store's roll-up lock
settle() {
	local i
	for i in $(seq 600); do
		flock -n "$1/kstruct-repack.lock" true 2>/dev/null && ! pgrep -f "store $1 gc --auto" >/dev/null &&
			return 0
		sleep 0.1
	done
	return 1
}
answers() { # what readers see: every release, a log, a blame, show per release
	ks releases
	ks log bpf_mem_alloc
	ks log task_struct -p
	ks blame task_struct.pid
	ks blame sk_buff
	for r in $(ks releases --format json | py 'import json,sys; print(" ".join(x["release"] for x in json.load(sys.stdin)))'); do
		ks show task_struct --release "$r" | sha256sum
	done
}

mkdir -p "$T/syn"
python3 "$SYNTH" "$T/$NEW.btf" "$T/syn/6.12.117-s{seed:04d}.btf" --seed 1 --count 40 \
	--changes 3 --focus task_struct --focus sk_buff --keep task_struct.pid --quiet ||
	{ echo "cannot make the synthetic releases"; exit 1; }

ks import "$T/$OLD.btf" >/dev/null 2>&1 && ks import "$T/$NEW.btf" >/dev/null 2>&1 ||
	{ echo "cannot import the real kernels"; exit 1; }
detached=0 maxpacks=0
for f in "$T"/syn/*.btf; do
	r=$(basename "$f" .btf)
	ks import "$f" --release "$r" >/dev/null 2>"$T/err" || { echo "# import $r: $(cat "$T/err")"; }
	# a roll-up still running when the import has returned ran detached
	pgrep -f "store $S gc --auto" >/dev/null && detached=$((detached + 1))
	n=$(packs "$S"); [ "$n" -gt "$maxpacks" ] && maxpacks=$n
done
check "the roll-ups were done" settle "$S"
n=$(packs "$S")
echo "# 42 imports: at most $maxpacks packs on the way, $n at the end; $detached imports returned before their roll-up ended"
check "the imports did not wait for their roll-ups" test "$detached" -ge 1
check "few packs remain (at most 10)" test "$n" -le 10
check "git fsck --strict clean" eval 'test -z "$(git -C "$S" fsck --strict --no-dangling 2>&1)"'
check "no temporary folder is left" test -z "$(find "$S/objects" -name 'tmp_*')"

cp -a "$S" "$T/gc"
git -C "$T/gc" gc --aggressive -q 2>/dev/null
ours=$(bytes "$S"); theirs=$(bytes "$T/gc")
echo "# store $ours bytes, git gc --aggressive $theirs bytes ($(py "print('%.2f' % ($ours / $theirs))"))"
check "the store is within 1.2x of git gc --aggressive" py "import sys; sys.exit(not $ours <= 1.2 * $theirs)"

answers > "$T/before" 2>&1
out=$(ks gc)
echo "# kstruct gc: $out"
check "kstruct gc says what it packed" grep -q '^packed [0-9]* packs\? and [0-9]* loose objects\? into one pack of [0-9]* objects ([0-9]* deltas)$' <<<"$out"
check "kstruct gc leaves one pack" test "$(packs "$S")" = 1
check "kstruct gc leaves no loose object" test -z "$(find "$S/objects" -type f ! -path '*/pack/*')"
gcb=$(bytes "$S")
echo "# after kstruct gc: $gcb bytes ($(py "print('%.2f' % ($gcb / $theirs))") of git gc --aggressive)"
check "after kstruct gc: within 1.2x of git gc --aggressive" py "import sys; sys.exit(not $gcb <= 1.2 * $theirs)"
answers > "$T/after" 2>&1
check "readers see the same before and after" cmp -s "$T/before" "$T/after"
check "git fsck --strict clean after kstruct gc" eval 'test -z "$(git -C "$S" fsck --strict --no-dangling 2>&1)"'
same "a second kstruct gc has nothing to do" "$(ks gc)" "nothing to pack in $S"

# KSTRUCT_AUTO_GC=0: writes leave their packs as they are
S=$T/nogc
ks import "$T/$OLD.btf" >/dev/null 2>&1
for f in "$T"/syn/6.12.117-s000*.btf; do
	KSTRUCT_AUTO_GC=0 ks import "$f" --release "$(basename "$f" .btf)" >/dev/null 2>&1
done
same "KSTRUCT_AUTO_GC=0: one pack per import" "$(packs "$S")" 10

# bad use: one line, exit 2
out=$(ks gc extra 2>&1); rc=$?
same "gc with an argument: exit 2" "$rc" 2
check "gc with an argument: one line" test "$(wc -l <<<"$out")" = 1
out=$("$KSTRUCT" --store "$T/none" gc 2>&1); rc=$?
check "gc of a missing store: exit 1, one line" test "$rc" = 1 -a "$(wc -l <<<"$out")" = 1
finish compact
