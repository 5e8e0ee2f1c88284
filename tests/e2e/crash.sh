#!/usr/bin/env bash
# Crash safety: `kstruct import` of a real kernel (tests/data) killed with
# SIGKILL at random moments until KS_KILLS (default 60) were killed. Odd rounds kill a
# full import (every blob new: the pack write) into a copy of a one-release
# store; even rounds kill imports of the same kernel under new release
# names into one growing store (refs, lineage re-linking, pack merging).
# After each kill: git fsck --strict is clean, every lineage head is a
# complete release and its chain holds exactly the lineage's releases in
# version order, readers work, and rerunning the import completes and
# clears whatever the killed run left (git lock files, temporary files).
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
KILLS=${KS_KILLS:-60}
ks() { "$KSTRUCT" "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# a random delay in [0, MS] milliseconds, as sleep(1) takes it; denser
# towards MS, where an import writes (MS * (1 - u^2), u uniform in [0, 1))
delay() { local u=$((RANDOM % 1000)) ms; ms=$(( $1 * (1000000 - u * u) / 1000000 ));
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000)); }
leftovers() { find "$1" \( -name '*.lock' ! -name kstruct.lock ! -name 'kstruct-repack*.lock' \) -o -name 'tmp_*' -o -name 'pack_git2_*' | sort; }

BASE=$T/base
GROW=$T/grow
ks --store "$BASE" import "$T/$OLD.btf" >/dev/null 2>&1 || { echo "cannot import $OLD"; exit 1; }
cp -a "$BASE" "$GROW"
# the lineage as the store names it (DISTRO/x86_64/generic)
LIN=$(ks --store "$BASE" releases --format json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["lineage"])')

# How long the two kinds of import take here (sanitizer builds are slow),
# and how long each writes objects before its tag: from the moment its
# temporary pack file appears to the moment the tag does. Aimed kills
# land in that window, a few per cent of the whole import, which delays
# scaled to the whole would miss (as a sanitizer's exit-time leak scan
# would hide it in a window measured to the exit).
probe() {	# STORE RELEASE ARGS...: prints "TOTAL_MS WRITE_MS"
	local s=$1 rel=$2 t0 tw te pid; shift 2
	t0=$(now_ms)
	"$KSTRUCT" --store "$s" import "$T/$NEW.btf" "$@" >/dev/null 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null &&
	      ! compgen -G "$s/objects/pack/tmp_kstruct_*" >/dev/null; do :; done
	tw=$(now_ms)
	while kill -0 "$pid" 2>/dev/null && [ ! -e "$s/refs/tags/$LIN/$rel" ]; do :; done
	te=$(now_ms)
	wait "$pid"
	echo "$(( $(now_ms) - t0 )) $(( te - tw ))"
}
cp -a "$BASE" "$T/probe"
read -r full_ms full_w < <(probe "$T/probe" 6.12.117-generic-amd64)
read -r named_ms named_w < <(probe "$T/probe" 6.12.117-probe --release 6.12.117-probe --distro debian)
full=$(( full_ms * 12 / 10 + 1 )); named=$(( named_ms * 12 / 10 + 1 ))
# aimed kills fall in 1.5 times the window: most before the tag, some after
full_w=$(( full_w * 15 / 10 + 1 )); named_w=$(( named_w * 15 / 10 + 1 ))
rm -rf "$T/probe"
echo "# a full import takes ~$full_ms ms, a known kernel under a new name ~$named_ms ms;" \
	"aimed kills fall within ~$full_w and ~$named_w ms of their pack file"

# Every lineage branch: its head's tree is its newest release's tree, and
# walking it gives exactly the lineage's tags, oldest first, each commit
# holding its tag's tree. Prints what is wrong, nothing when all is well.
heads_complete() {
	local s=$1 br lineage rel tags chain
	for br in $(git -C "$s" for-each-ref --format='%(refname)' refs/heads/); do
		lineage=${br#refs/heads/}
		tags=$(git -C "$s" for-each-ref --format='%(refname)' "refs/tags/$lineage/" |
			sed "s|^refs/tags/$lineage/||")
		chain=""
		for c in $(git -C "$s" rev-list --reverse "$br"); do
			rel=$(git -C "$s" cat-file -p "$c^{tree}:meta" 2>/dev/null | sed -n 's/^release //p')
			[ -n "$rel" ] || { echo "$br: commit $c has no meta"; continue; }
			[ "$(git -C "$s" rev-parse "$c^{tree}")" = \
			  "$(git -C "$s" rev-parse "refs/tags/$lineage/$rel^{tree}" 2>/dev/null)" ] ||
				echo "$br: $rel's tree is not its tag's"
			chain="$chain$rel"$'\n'
		done
		# a kill between tag and branch may leave the newest tag out of
		# the chain until the next write: the head is still complete
		tags_sorted=$(sort -V <<<"$tags")
		chain=${chain%$'\n'}
		[ "$chain" = "$tags_sorted" ] || [ "$chain" = "$(grep -vxF "$(comm -13 \
			<(sort <<<"$chain") <(sort <<<"$tags"))" <<<"$tags_sorted")" ] ||
			echo "$br: chain [$(tr '\n' ' ' <<<"$chain")] is not the tags in version order"
	done
}

killed=0 finished=0 left_seen=0 states=""
grown=""
fsck_bad=0 heads_bad=0 read_bad=0 rerun_bad=0 clean_bad=0 note_bad=0
i=0
while [ "$killed" -lt "$KILLS" ] && [ "$i" -lt $((KILLS * 3)) ]; do
	i=$((i + 1))
	if [ $((i % 2)) = 1 ]; then
		S=$T/fresh; rm -rf "$S"; cp -a "$BASE" "$S"
		rel=6.12.117-generic-amd64; args=(); max=$full; win=$full_w
	else
		S=$GROW; rel=6.12.117-k$i; args=(--release "$rel" --distro debian); max=$named; win=$named_w
		grown="$grown 6.12.117-k$i"
	fi
	packs0=$(ls "$S/objects/pack" | grep -c '\.pack$')
	# the binary itself, not the ks function: $! must be kstruct's pid
	"$KSTRUCT" --store "$S" import "$T/$NEW.btf" "${args[@]}" >/dev/null 2>&1 &
	pid=$!
	if [ $((i % 4)) -lt 2 ]; then
		sleep "$(delay "$max")"
	else
		# aim at the writing: from the moment its pack file appears,
		# uniformly over the probe's write window
		while kill -0 "$pid" 2>/dev/null &&
		      ! compgen -G "$S/objects/pack/tmp_kstruct_*" >/dev/null; do :; done
		ms=$(( RANDOM % (win + 1) ))
		sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
	fi
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ $? = 137 ]; then killed=$((killed + 1)); else finished=$((finished + 1)); fi

	# what the kill left: a picture for the summary
	tag=$(git -C "$S" rev-parse -q --verify "refs/tags/$LIN/$rel" 2>/dev/null)
	inchain=$(git -C "$S" rev-list refs/heads/$LIN | while read -r c; do
		git -C "$S" cat-file -p "$c^{tree}:meta" | sed -n 's/^release //p'; done | grep -cxF "$rel")
	packs1=$(ls "$S/objects/pack" | grep -c '\.pack$')
	if [ "$inchain" = 1 ]; then states="$states complete"
	elif [ -n "$tag" ]; then states="$states tag-only"
	elif [ "$packs1" != "$packs0" ] || [ -n "$(leftovers "$S")" ]; then states="$states objects-only"
	else states="$states nothing"; fi

	out=$(git -C "$S" fsck --strict --no-dangling 2>&1) || { fsck_bad=$((fsck_bad + 1)); echo "# round $i: fsck: $out" | head -3; }
	[ -z "$out" ] || { fsck_bad=$((fsck_bad + 1)); echo "# round $i: fsck says: $(head -2 <<<"$out")"; }
	problems=$(heads_complete "$S")
	[ -z "$problems" ] || { heads_bad=$((heads_bad + 1)); echo "# round $i: $problems"; }
	if ! ks --store "$S" releases >/dev/null 2>"$T/err" ||
	   ! ks --store "$S" show task_struct >/dev/null 2>>"$T/err" ||
	   ! ks --store "$S" log bpf_mem_alloc >/dev/null 2>>"$T/err"; then
		read_bad=$((read_bad + 1)); echo "# round $i: reader failed: $(head -1 "$T/err")"
	fi
	[ -z "$(leftovers "$S")" ] || left_seen=$((left_seen + 1))

	# the rerun completes, re-links, notes where it came from, and sweeps
	if ! out=$(ks --store "$S" import "$T/$NEW.btf" "${args[@]}" 2>"$T/err") ||
	   ! grep -qE "^$rel ([a-z0-9_.-]+/)?x86_64/generic: (imported|already present)" <<<"$out"; then
		rerun_bad=$((rerun_bad + 1)); echo "# round $i: rerun: $out $(head -1 "$T/err")"
	fi
	problems=$(heads_complete "$S")
	inchain=$(git -C "$S" rev-list refs/heads/$LIN | while read -r c; do
		git -C "$S" cat-file -p "$c^{tree}:meta" | sed -n 's/^release //p'; done | grep -cxF "$rel")
	if [ -n "$problems" ] || [ "$inchain" != 1 ] || [ -n "$(leftovers "$S")" ] ||
	   ! git -C "$S" fsck --strict --no-dangling >/dev/null 2>&1; then
		clean_bad=$((clean_bad + 1))
		echo "# round $i: after the rerun: $problems in chain=$inchain leftovers=[$(leftovers "$S" | tr '\n' ' ')]"
	fi
	git -C "$S" notes --ref=kstruct show "refs/tags/$LIN/$rel" >/dev/null 2>&1 ||
		{ note_bad=$((note_bad + 1)); echo "# round $i: no provenance note for $rel"; }
done

echo "# $i rounds: $killed killed, $finished finished before the kill; what the kill left:" \
	"$(tr ' ' '\n' <<<"${states# }" | sort | uniq -c | awk '{printf " %s %s", $1, $2}')"
echo "# leftovers (git lock or temporary files) after $left_seen kills, all for the next writer to clear"
check "$KILLS imports killed (KS_KILLS)" test "$killed" -ge "$KILLS"
check "kills before, while and after the import wrote (3 kinds of leftover state)" \
	test "$(tr ' ' '\n' <<<"$states" | sort -u | grep -c .)" -ge 3
check "git fsck --strict clean after every kill" test $fsck_bad = 0
check "every lineage head a complete release after every kill" test $heads_bad = 0
check "releases, show and log work after every kill" test $read_bad = 0
check "rerunning the import completes after every kill" test $rerun_bad = 0
check "after the rerun: release in its lineage, no leftovers, fsck clean" test $clean_bad = 0
check "after the rerun: the release's provenance note is there" test $note_bad = 0

# the growing store holds every release once, in version order
want=$(printf '%s\n' $OLD $grown)
got=$(ks --store "$GROW" releases --format json | python3 -c \
	'import json,sys; print("\n".join(r["release"] for r in json.load(sys.stdin)))')
check "the growing store: every release, in version order" test "$got" = "$(sort -V <<<"$want")"
check "the growing store's branch: the same, oldest first" test "$(git -C "$GROW" rev-list --reverse \
	refs/heads/$LIN | while read -r c; do git -C "$GROW" cat-file -p "$c^{tree}:meta" |
	sed -n 's/^release //p'; done)" = "$(sort -V <<<"$want")"
check "the growing store's packs were merged on the way (at most 17 packs)" \
	test "$(ls "$GROW/objects/pack" | grep -c '\.pack$')" -le 17

# The narrowest window (the tag written, the branch not yet moved) is too
# short to hit by chance: made by hand, by moving the branch back.
S=$T/tagonly; cp -a "$GROW" "$S"
before=$(git -C "$S" rev-parse refs/heads/$LIN)
ks --store "$S" import "$T/$NEW.btf" --release 6.12.117-zz --distro debian >/dev/null 2>&1
git -C "$S" update-ref refs/heads/$LIN "$before"
check "tag without branch: heads complete" test -z "$(heads_complete "$S")"
check "tag without branch: readers work" eval "ks --store \"$S\" log bpf_mem_alloc >/dev/null"
out=$(ks --store "$S" import "$T/$NEW.btf" --release 6.12.117-zz --distro debian 2>&1)
check "tag without branch: the rerun says already present" grep -q "^6.12.117-zz .*already present" <<<"$out"
check "tag without branch: the rerun re-links the lineage" test "$(git -C "$S" cat-file -p \
	refs/heads/$LIN^{tree}:meta | sed -n 's/^release //p')" = 6.12.117-zz

# What a kill inside libgit2's ref and object writing leaves, planted by
# hand: the next writer clears it and goes on.
S=$T/stale; cp -a "$GROW" "$S"
for f in refs/heads/$LIN.lock refs/tags/$LIN/6.12.117-yy.lock \
	 refs/notes/kstruct.lock packed-refs.lock config.lock objects/tmp_object_git2_a1b2c3 \
	 objects/pack/pack_git2_d4e5f6 objects/pack/tmp_kstruct_999999999_x1y2z3; do
	echo junk > "$S/$f"
done
check "planted leftovers: readers are not blocked" eval "ks --store \"$S\" show task_struct >/dev/null"
out=$(ks --store "$S" import "$T/$NEW.btf" --release 6.12.117-yy 2>&1)
check "planted leftovers: the import goes on" grep -q "^6.12.117-yy .*imported" <<<"$out"
check "planted leftovers: all cleared" test -z "$(leftovers "$S")"
check "planted leftovers: fsck clean, heads complete" eval \
	'git -C "$S" fsck --strict --no-dangling >/dev/null 2>&1 && test -z "$(heads_complete "$S")"'

finish crash
