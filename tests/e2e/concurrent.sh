#!/usr/bin/env bash
# Concurrency: imports of different releases of one lineage into one store
# at the same time all succeed and the lineage holds every release in
# version order; readers (log, show, releases) running all the while never
# fail; an import waits for a writer that holds the store and says so;
# racing imports of one release agree or conflict cleanly.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
ROUNDS=${KS_ROUNDS:-12}
ks() { "$KSTRUCT" "$@"; }
chain() { # the releases along a lineage branch, oldest first
	local lin
	lin=$(git -C "$1" for-each-ref --format='%(refname)' 'refs/heads/*/x86_64/generic')
	git -C "$1" rev-list --reverse "$lin" | while read -r c; do
		git -C "$1" cat-file -p "$c^{tree}:meta" | sed -n 's/^release //p'; done
}
trap 'touch "$T/stop"; wait; rm -rf "$T"' EXIT
S=$T/store
ks --store "$S" import "$T/$OLD.btf" >/dev/null 2>&1 || { echo "cannot import $OLD"; exit 1; }

# Readers, in a loop until told to stop: every failure is kept.
reader() { # reader ID COMMAND...
	local id=$1 n=0; shift
	while [ ! -e "$T/stop" ]; do
		if ! "$KSTRUCT" --store "$S" "$@" >/dev/null 2>"$T/r$id.err" || [ -s "$T/r$id.err" ]; then
			echo "$* => $(head -1 "$T/r$id.err")" >> "$T/reader-failures"
		fi
		n=$((n + 1))
	done
	echo "$n" > "$T/r$id.count"
}
: > "$T/reader-failures"
reader 1 log bpf_mem_alloc &
reader 2 show task_struct &
reader 3 releases --format json &

# Two imports at once, different releases of x86_64/generic, ROUNDS times.
want=$OLD
import_bad=0 packs_max=0
for r in $(seq 1 "$ROUNDS"); do
	a=6.12.$((200 + r)); b=6.1.0-$((100 + r))
	"$KSTRUCT" --store "$S" import "$T/$NEW.btf" --release "$a" --distro debian >"$T/a.out" 2>"$T/a.err" & pa=$!
	"$KSTRUCT" --store "$S" import "$T/$OLD.btf" --release "$b" --distro debian >"$T/b.out" 2>"$T/b.err" & pb=$!
	wait $pa; ra=$?
	wait $pb; rb=$?
	if [ $ra != 0 ] || [ $rb != 0 ] || ! grep -q "^$a .*: imported" "$T/a.out" ||
	   ! grep -q "^$b .*: imported" "$T/b.out"; then
		import_bad=$((import_bad + 1))
		echo "# round $r: $ra $rb $(cat "$T/a.out" "$T/a.err" "$T/b.out" "$T/b.err" | head -4)"
	fi
	want="$want"$'\n'"$a"$'\n'"$b"
	n=$(ls "$S/objects/pack" | grep -c '\.pack$')
	[ "$n" -gt "$packs_max" ] && packs_max=$n
done
touch "$T/stop"
wait
runs=$(cat "$T"/r*.count | paste -sd+ | bc)
echo "# $ROUNDS rounds of two imports at once; readers ran $runs commands meanwhile;" \
	"at most $packs_max packs (merged past 16)"
check "every concurrent import succeeded" test $import_bad = 0
check "every release present" test "$(ks --store "$S" releases --format json | python3 -c \
	'import json,sys; print("\n".join(r["release"] for r in json.load(sys.stdin)))')" = "$(sort -V <<<"$want")"
check "the lineage branch holds them in version order" test "$(chain "$S")" = "$(sort -V <<<"$want")"
check "git fsck --strict clean" eval 'test -z "$(git -C "$S" fsck --strict --no-dangling 2>&1)"'
check "readers ran during the imports" test "${runs:-0}" -gt 20
check "no reader ever failed" test ! -s "$T/reader-failures"
[ -s "$T/reader-failures" ] && sort "$T/reader-failures" | uniq -c | head -5 | sed 's/^/#/'
check "packs were merged during the run (fewer than one per import)" \
	test "$(ls "$S/objects/pack" | grep -c '\.pack$')" -lt $((1 + 2 * ROUNDS))

# A writer that holds the store: the import waits, says so, then goes on.
if command -v flock >/dev/null; then
	# long enough that an import of every kind (slower under the
	# sanitizers) reaches the lock while it is held
	flock "$S/kstruct.lock" sleep 8 &
	holder=$!
	sleep 0.3
	t0=$(date +%s%N)
	ks --store "$S" show task_struct >/dev/null 2>&1; rs=$?
	t1=$(date +%s%N)
	check "readers do not wait for a held store" test $rs = 0 -a $(( (t1 - t0) / 1000000 )) -lt 2000
	t0=$(date +%s%N)
	out=$(ks --store "$S" import "$T/$NEW.btf" --release 6.12.300 2>&1); rc=$?
	t1=$(date +%s%N)
	wait $holder
	check "waits for a held store, then imports" test $rc = 0
	check "... after the holder let go (>= 2 s)" test $(( (t1 - t0) / 1000000 )) -ge 2000
	check "... and said why it waited" grep -q "^kstruct: waiting for another kstruct" <<<"$out"
else
	echo "# flock(1) missing: the waiting check is skipped"
fi

# The same release, same content, twice at once: both succeed.
"$KSTRUCT" --store "$S" import "$T/$NEW.btf" --release 6.12.400 >"$T/a.out" 2>&1 & pa=$!
"$KSTRUCT" --store "$S" import "$T/$NEW.btf" --release 6.12.400 >"$T/b.out" 2>&1 & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check "one release twice at once: both exit 0" test "$ra$rb" = 00
check "... one imported it, the other found it" test "$(cat "$T/a.out" "$T/b.out" |
	grep -c -e ': imported' -e 'already present')" = 2

# The same release, other content, at once: one wins, the other fails cleanly.
"$KSTRUCT" --store "$S" import "$T/$NEW.btf" --release 6.12.500 >"$T/a.out" 2>"$T/a.err" & pa=$!
"$KSTRUCT" --store "$S" import "$T/$OLD.btf" --release 6.12.500 >"$T/b.out" 2>"$T/b.err" & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
check "one release, two contents at once: one succeeds, one fails" test "$((ra + rb))" = 1
check "... the loser says why in one line" test "$(cat "$T/a.err" "$T/b.err" | grep -c .)" = 1
check "... with the release named" grep -q "6.12.500" "$T/a.err" "$T/b.err"
check "git fsck --strict clean at the end" eval 'test -z "$(git -C "$S" fsck --strict --no-dangling 2>&1)"'
check "the lineage still in version order" eval 'test "$(chain "$S")" = "$(chain "$S" | sort -V)"'

finish concurrent
