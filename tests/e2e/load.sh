#!/usr/bin/env bash
# Under load: ROUNDS (default 50, KS_LOAD_ROUNDS) rounds of 8 imports of
# new releases at once into one store, while 4 readers (log, blame,
# status, releases) loop over it and a fetcher pulls another store's
# growing lineage into it. Every release must land exactly once, readers
# must never fail or see a release without its definitions, every
# lineage must hold its releases in version order, and git fsck must be
# clean. Then a full disk (a file size limit): an import fails with one
# line and the store is unchanged.
set -u
. "$(dirname "$0")/lib.sh"
ROUNDS=${KS_LOAD_ROUNDS:-50}
ks() { "$KSTRUCT" "$@"; }
trap 'touch "$T/stop"; wait; rm -rf "$T"' EXIT
S=$T/store
F=$T/far	# the fetcher's source: another lineage, growing
ks --store "$S" import "$T/$OLD.btf" >/dev/null 2>&1 || { echo "cannot import $OLD"; exit 1; }
ks --store "$F" import "$T/$OLD.btf" --release 6.1.0-1 --distro ubuntu >/dev/null 2>&1 ||
	{ echo "cannot import into the far store"; exit 1; }
LIN=$(ks --store "$S" releases --format json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["lineage"])')

: > "$T/reader-failures"
reader() { # ID COMMAND...: loops until told to stop; failures are kept
	local id=$1 n=0; shift
	while [ ! -e "$T/stop" ]; do
		if ! "$KSTRUCT" --store "$S" "$@" >"$T/r$id.out" 2>"$T/r$id.err" || [ -s "$T/r$id.err" ]; then
			echo "$* => $(head -1 "$T/r$id.err")" >> "$T/reader-failures"
		fi
		n=$((n + 1))
	done
	echo "$n" > "$T/r$id.count"
}
# a reader that checks each listed release is whole: its meta and a
# struct read back
whole() {
	local n=0 rel
	while [ ! -e "$T/stop" ]; do
		for rel in $("$KSTRUCT" --store "$S" releases --format json 2>/dev/null | python3 -c \
			'import json,sys; print(" ".join(r["release"] for r in json.load(sys.stdin)
			 if r["lineage"] == sys.argv[1]))' "$LIN"); do
			"$KSTRUCT" --store "$S" show "task_struct@$rel" --lineage "$LIN" >/dev/null 2>&1 ||
				echo "release $rel listed but not readable" >> "$T/reader-failures"
			n=$((n + 1))
			[ -e "$T/stop" ] && break
		done
	done
	echo "$n" > "$T/r4.count"
}
reader 1 log bpf_mem_alloc --lineage "$LIN" &
reader 2 blame bpf_mem_alloc --lineage "$LIN" &
reader 3 status bpf_mem_alloc &
whole &
fetches=0 fetch_bad=0
fetcher() {
	local n=0 bad=0
	while [ ! -e "$T/stop" ]; do
		if ! "$KSTRUCT" --store "$S" fetch "$F" >/dev/null 2>"$T/f.err"; then
			bad=$((bad + 1))
			echo "fetch => $(head -1 "$T/f.err")" >> "$T/reader-failures"
		fi
		n=$((n + 1))
	done
	echo "$n $bad" > "$T/fetch.count"
}
fetcher &

want=$OLD far=6.1.0-1 import_bad=0
for r in $(seq 1 "$ROUNDS"); do
	pids=()
	for k in 1 2 3 4 5 6 7 8; do
		rel=6.$((k % 2 ? 1 : 12)).$((1000 + r * 10 + k))
		src=$T/$OLD.btf; [ $((k % 2)) = 0 ] && src=$T/$NEW.btf
		"$KSTRUCT" --store "$S" import "$src" --release "$rel" --distro debian \
			>"$T/i$k.out" 2>"$T/i$k.err" &
		pids+=($!)
		want="$want"$'\n'"$rel"
	done
	k=0
	for p in "${pids[@]}"; do
		k=$((k + 1))
		if ! wait "$p" || ! grep -q ": imported" "$T/i$k.out"; then
			import_bad=$((import_bad + 1))
			echo "# round $r import $k: $(cat "$T/i$k.out" "$T/i$k.err" | head -2)"
		fi
	done
	# the far store grows meanwhile: the fetcher has something new to bring
	ks --store "$F" import "$T/$OLD.btf" --release "6.1.0-$((1 + r))" --distro ubuntu >/dev/null 2>&1
	far="$far"$'\n'"6.1.0-$((1 + r))"
done
touch "$T/stop"
wait
ks --store "$S" fetch "$F" >/dev/null 2>&1	# the last one the fetcher may have missed

runs=$(cat "$T"/r*.count | paste -sd+ | bc)
read -r nfetch nfetch_bad < "$T/fetch.count"
echo "# $ROUNDS rounds of 8 imports at once; readers ran $runs commands and the fetcher $nfetch fetches meanwhile"
check "every import succeeded" test $import_bad = 0
got=$(ks --store "$S" releases --format json | python3 -c \
	'import json,sys; print("\n".join(r["release"] for r in json.load(sys.stdin) if r["lineage"] == sys.argv[1]))' "$LIN")
same "every release landed once, in version order" "$got" "$(sort -V <<<"$want")"
got=$(ks --store "$S" releases --format json | python3 -c \
	'import json,sys; print("\n".join(r["release"] for r in json.load(sys.stdin) if r["lineage"].startswith("ubuntu/")))')
same "every release of the far store came over" "$got" "$(sort -V <<<"$far")"
chain=$(git -C "$S" rev-list --reverse "refs/heads/$LIN" | while read -r c; do
	git -C "$S" cat-file -p "$c^{tree}:meta" | sed -n 's/^release //p'; done)
same "the lineage branch: every release, in version order" "$chain" "$(sort -V <<<"$want")"
check "git fsck --strict clean" eval 'test -z "$(git -C "$S" fsck --strict --no-dangling 2>&1)"'
check "readers and the fetcher ran during the imports" test "${runs:-0}" -gt 40 -a "${nfetch:-0}" -gt 2
check "no reader and no fetch ever failed" test ! -s "$T/reader-failures"
[ -s "$T/reader-failures" ] && sort "$T/reader-failures" | uniq -c | head -5 | sed 's/^/#/'

# A full disk, as a file size limit: the pack of a kernel the store does
# not know yet (11 MB) cannot be written.
sum() { (cd "$1" && find . -type f ! -name kstruct.lock -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
FULL=$T/full
ks --store "$FULL" import "$T/$OLD.btf" >/dev/null 2>&1
before=$(sum "$FULL")
err=$( (trap '' XFSZ; ulimit -f 1024; "$KSTRUCT" --store "$FULL" import "$T/$NEW.btf") 2>&1 >/dev/null)
rc=$?
check "a full disk: the import fails with one line" test $rc -ne 0 -a "$(grep -c . <<<"$err")" = 1
check "... that says so ($err)" grep -qiE "file too large|no space" <<<"$err"
same "... and the store is unchanged" "$(sum "$FULL")" "$before"

finish load
