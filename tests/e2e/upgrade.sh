#!/usr/bin/env bash
# Store format 1 -> 2 on a store made by the kstruct of commit 560a49c
# (built once into $KS_OLD_BUILD from `git archive`): every release kept
# with its tree, log and blame the same apart from the lineage's name,
# git fsck clean, a rerun a no-op, readers and sync refusing the old
# format with a word on `kstruct upgrade`, a write upgrading first.
set -u

. "$(dirname "$0")/lib.sh"
SRC=${KS_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
OLD_REV=560a49c
OLD_BUILD=${KS_OLD_BUILD:-$T/old-build}
ks() { "$KSTRUCT" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
tags() { git --git-dir="$1" for-each-ref --format='%(refname)' refs/tags; }

if [ ! -x "$OLD_BUILD/kstruct" ]; then
	rm -rf "$OLD_BUILD.src" && mkdir -p "$OLD_BUILD.src" &&
	git -C "$SRC" archive "$OLD_REV" | tar -x -C "$OLD_BUILD.src" &&
	cmake -S "$OLD_BUILD.src" -B "$OLD_BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null &&
	cmake --build "$OLD_BUILD" -j2 --target kstruct >/dev/null ||
		{ echo "cannot build kstruct $OLD_REV"; exit 1; }
fi
OLDKS=$OLD_BUILD/kstruct

# ---- a format-1 store, as the old kstruct makes it ----
S=$T/store
"$OLDKS" --store "$S" import "$T/$OLD.btf" "$T/$NEW.btf" >/dev/null 2>&1 ||
	{ echo "the old kstruct cannot import"; exit 1; }
"$OLDKS" --store "$S" config regular x86_64/generic >/dev/null
check "the old store is format 1" test "$(git --git-dir="$S" config kstruct.formatVersion)" = 1
trees_before=$(for r in $OLD $NEW; do
	echo "$r $(git --git-dir="$S" rev-parse "refs/tags/x86_64/generic/$r^{tree}")"; done)
log_before=$("$OLDKS" --store "$S" log bpf_mem_alloc)
blame_before=$("$OLDKS" --store "$S" blame bpf_mem_alloc)
cp -a "$S" "$T/old-copy"
cp -a "$S" "$T/old-write"

# ---- readers say what to do ----
err=$(ks --store "$S" releases 2>&1 >/dev/null); rc=$?
check "a reader on a format-1 store exits 1" test $rc = 1
check "... in one line naming 'kstruct upgrade'" \
	test "$(wc -l <<<"$err")" = 1 -a -n "$(grep -F "'kstruct upgrade'" <<<"$err")"
check "... and writes nothing" test "$(git --git-dir="$S" config kstruct.formatVersion)" = 1

# ---- the upgrade ----
out=$(ks --store "$S" upgrade); rc=$?
check "upgrade exits 0" test $rc = 0
check "upgrade says what it did" grep -q "upgraded .* to format 2: 2 releases in 1 lineages" <<<"$out"
check "format 2" test "$(git --git-dir="$S" config kstruct.formatVersion)" = 2
rel=$(ks --store "$S" releases --format json)
LIN=$(json 'd[0]["lineage"]' <<<"$rel")
check "the lineage is DISTRO/x86_64/generic" grep -qE '^[a-z0-9][a-z0-9_.-]*/x86_64/generic$' <<<"$LIN"
check "every release kept" test "$(json '" ".join(r["release"] for r in d)' <<<"$rel")" = "$OLD $NEW"
trees_after=$(for r in $OLD $NEW; do
	echo "$r $(git --git-dir="$S" rev-parse "refs/tags/$LIN/$r^{tree}")"; done)
same "every snapshot keeps its tree id" "$trees_after" "$trees_before"
check "no format-1 ref is left" test -z "$(git --git-dir="$S" for-each-ref refs/tags/x86_64 refs/heads/x86_64)"
check "HEAD is the lineage's branch" test "$(git --git-dir="$S" symbolic-ref HEAD)" = "refs/heads/$LIN"
same "the regular lineage is mapped" "$(ks --store "$S" config regular)" "$LIN"
check "git fsck --strict is clean" git --git-dir="$S" fsck --strict --no-dangling
same "log is the same but for the lineage" \
	"$(ks --store "$S" log bpf_mem_alloc | sed "s|($LIN)|(x86_64/generic)|")" "$log_before"
same "blame is the same but for the lineage" \
	"$(ks --store "$S" blame bpf_mem_alloc | sed "s|($LIN, |(x86_64/generic, |")" "$blame_before"
check "notes kept" test -n "$(git --git-dir="$S" notes --ref=kstruct show "refs/tags/$LIN/$OLD" 2>/dev/null)"
refs_before=$(git --git-dir="$S" for-each-ref)
out=$(ks --store "$S" upgrade); rc=$?
check "a second upgrade changes nothing" \
	test $rc = 0 -a "$(git --git-dir="$S" for-each-ref)" = "$refs_before"
check "... and says so" grep -q "format 2 already" <<<"$out"

# ---- the same kernel imported today gives the same release commit ----
# (as far as the old code recorded it: a snapshot of structs and unions
# only keeps its bytes and commit id, docs/format.md "meta"; today's
# import records every kind, which the benchmark's KSTRUCT_KINDS=legacy
# leaves out)
KSTRUCT_KINDS=legacy ks --store "$T/fresh" import "$T/$OLD.btf" >/dev/null 2>&1
same "old code + upgrade and new code agree" \
	"$(git --git-dir="$T/fresh" rev-parse "refs/tags/$LIN/$OLD")" \
	"$(git --git-dir="$S" rev-parse "refs/tags/$LIN/$OLD")"

# ---- sync between formats is refused ----
before=$(git --git-dir="$T/fresh" for-each-ref)
err=$(ks --store "$T/fresh" fetch "$T/old-copy" 2>&1); rc=$?
check "fetch from a format-1 store is refused" test $rc = 1
check "... naming the remote and 'kstruct upgrade'" \
	test -n "$(grep -F "$T/old-copy" <<<"$err" | grep -F "kstruct upgrade")"
check "... before anything is written" test "$(git --git-dir="$T/fresh" for-each-ref)" = "$before"
err=$(ks --store "$T/fresh" push "$T/old-copy" 2>&1); rc=$?
check "push to a format-1 store is refused" test $rc = 1 -a -n "$(grep -F "kstruct upgrade" <<<"$err")"
check "... and leaves it format 1" test "$(git --git-dir="$T/old-copy" config kstruct.formatVersion)" = 1
err=$(ks clone "$T/old-copy" "$T/clone" 2>&1); rc=$?
check "clone of a format-1 store is refused" test $rc = 1 -a ! -e "$T/clone"
# a user's own three-part tag does not make a format-2 store look old: a
# format-1 store always has the ARCH/FLAVOR branch of its tags
git --git-dir="$T/fresh" tag v1/rc/final "refs/tags/$LIN/$OLD"
err=$(ks clone "$T/fresh" "$T/clone2" 2>&1); rc=$?
check "clone of a format-2 store with a three-part tag of a user's: succeeds" test $rc = 0
same "... with all its releases" "$(ks --store "$T/clone2" releases --format json | json "len(d)")" "$(ks --store "$T/fresh" releases --format json | json "len(d)")"

# ---- a write to a format-1 store upgrades it first ----
err=$(ks --store "$T/old-write" import "$T/$NEW.btf" --release 6.12.200-generic-amd64 2>&1 >/dev/null); rc=$?
check "import into a format-1 store succeeds" test $rc = 0
check "... after upgrading it, and says so" grep -q "upgraded .* 2 releases in 1 lineages" <<<"$err"
check "... with all three releases" \
	test "$(ks --store "$T/old-write" releases --format json | json 'len(d)')" = 3

finish upgrade
