#!/usr/bin/env bash
# End-to-end test of kstruct import on the hostile files of tests/hostile/
# (see its README.md): each one alone, all at once, and their folder,
# into a store that holds a real release. Every failure must be one line
# on stderr naming the file and the problem, exit status 1, nothing on
# stdout, and a store byte-identical before and after. Run with KSTRUCT
# pointing at a sanitizer build, a sanitizer report fails the line count.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
H=$(cd "$(dirname "$0")/../hostile" && pwd)

# A hang is a failure too, not a stuck test run.
ks() { timeout 120 "$KSTRUCT" "$@"; }
# A digest of every file in a store (objects, packs, refs, config, ...).
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
oneline() { tr '\n' '|' < "$1" | cut -c1-300; }

REL=9.9.9-hostile-amd64
S=$T/store
ks --store "$S" import "$T/$OLD.btf" > /dev/null 2>&1
check "a store with one real release" test "$(ks --store "$S" releases --format json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
sum=$(store_sum "$S")

# ---- the corpus is what it says ----
n=$(wc -l < "$H/EXPECT")
check "at least 30 hostile files ($n)" test "$n" -ge 30
files=$(cd "$H" && ls | grep -v -x -e README.md -e EXPECT -e generate.py)
check "EXPECT lists every file in tests/hostile and no other" \
	test "$(cut -f1 "$H/EXPECT" | sort)" = "$(sort <<<"$files")"
check "README.md describes every file" \
	test "$(cut -f1 "$H/EXPECT" | while read -r f; do grep -c -F "| \`$f\` | " "$H/README.md"; done | sort -u)" = 1
# The blob they are all made from is fine: each file fails for its own fault.
# (It is also the --base of the modules among them.)
python3 "$H/generate.py" --valid "$T/valid.btf"
out=$(ks --store "$T/valid-store" import "$T/valid.btf" --release "$REL" 2>&1)
check "the valid blob the corpus starts from imports" grep -q "$REL debian/x86_64/generic: imported, 3 structs, 1 unions" <<<"$out"
check "and reads back" grep -q "int (\*fn)(struct list_head \*t, int n);" \
	<(ks --store "$T/valid-store" show task 2>&1)

# ---- each file alone ----
while IFS=$'\t' read -r f want; do
	ks --store "$S" import "$H/$f" --release "$REL" --base "$T/valid.btf" > "$T/out" 2> "$T/err"
	rc=$?
	why=""
	[ "$rc" -eq 1 ] || why="$why exit $rc;"
	[ -s "$T/out" ] && why="$why stdout: $(oneline "$T/out");"
	[ "$(wc -l < "$T/err")" -eq 1 ] || why="$why $(wc -l < "$T/err") lines on stderr;"
	grep -q -F "kstruct: $H/$f" "$T/err" || why="$why the file is not named;"
	grep -q -F -- "$want" "$T/err" || why="$why no '$want' in the message;"
	grep -q -e Sanitizer -e "runtime error" "$T/err" && why="$why sanitizer report;"
	[ "$(store_sum "$S")" = "$sum" ] || why="$why the store changed;"
	if [ -z "$why" ]; then
		ok "$f: $(sed "s|^kstruct: $H/||" "$T/err" | cut -c1-160)"
	else
		bad "$f:$why $(oneline "$T/err")"
		sum=$(store_sum "$S")	# blame the next failure on its own file
	fi
done < "$H/EXPECT"

# ---- all of them in one call ----
mapfile -t all < <(cut -f1 "$H/EXPECT" | sed "s|^|$H/|")
ks --store "$S" import "${all[@]}" --release "$REL" --base "$T/valid.btf" > "$T/out" 2> "$T/err"
rc=$?
check "all at once: exit status 1" test $rc -eq 1
check "all at once: one line per file" test "$(wc -l < "$T/err")" -eq "$n"
missing=0
for f in "${all[@]}"; do
	[ "$(grep -c -F "kstruct: $f:" "$T/err")" -eq 1 ] || { missing=$((missing + 1)); echo "     not reported once: $f"; }
done
check "all at once: each file reported" test $missing -eq 0
check "all at once: no sanitizer report" test -z "$(grep -e Sanitizer -e "runtime error" "$T/err")"
check "all at once: the summary counts them" \
	grep -q -x "summary: 0 imported, 0 already present, 0 replaced, $n failed" "$T/out"
check "all at once: the store is unchanged" test "$(store_sum "$S")" = "$sum"

# ---- the folder ----
# Files with no kernel data at all (garbage inside gzip, README.md, ...) are
# skipped in a folder; every other one is reported.
total=$(find "$H" -type f | wc -l)
ks --store "$S" import "$H" --release "$REL" --base "$T/valid.btf" > "$T/out" 2> "$T/err"
rc=$?
check "folder: exit status 1" test $rc -eq 1
reported=$(wc -l < "$T/err")
check "folder: every line names a file of the folder" \
	test "$(grep -c -F "kstruct: $H/" "$T/err")" -eq "$reported"
check "folder: no sanitizer report" test -z "$(grep -e Sanitizer -e "runtime error" "$T/err")"
check "folder: reported + skipped = every file ($total)" \
	grep -q -x "summary: 0 imported, 0 already present, 0 replaced, $reported failed, $((total - reported)) skipped (no kernel data)" "$T/out"
check "folder: most are reported ($reported of $n)" test "$reported" -ge $((n - 8))
check "folder: the store is unchanged" test "$(store_sum "$S")" = "$sum"
ks --store "$S" import "$H" --release "$REL" --base "$T/valid.btf" --jobs 1 > "$T/out1" 2> "$T/err1"
check "folder, one thread: the same messages" cmp -s "$T/err" "$T/err1"
check "folder, one thread: the store is unchanged" test "$(store_sum "$S")" = "$sum"

# ---- no name leaves its tree ----
bad_paths=$(for r in $(git --git-dir="$S" for-each-ref --format='%(refname)' refs/tags refs/heads); do
	git --git-dir="$S" ls-tree -r --name-only "$r"
done | grep -v -E '^(meta|(struct|union|enum|typedef|func|tracepoint|syscall|lsm|kfunc)/[A-Za-z0-9_%]/[A-Za-z0-9_%]{1,2}/[A-Za-z0-9_%]+(~[0-9]+)?)$' | head -3)
check "every path in the store is meta or KIND/L/LL/ESCAPED-NAME" test -z "$bad_paths"
check "git fsck --strict is clean" git --git-dir="$S" fsck --strict --no-dangling --no-progress

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
