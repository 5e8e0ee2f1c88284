#!/usr/bin/env bash
# End-to-end tests of the history commands (log, blame, diff) on real
# kernel BTF (tests/data holds two Debian kernels). Exact scenarios are
# made from those two kernels by importing one file under several release
# names:
#   store A: 6.1.0-47 and 6.1.0-48 (the same 6.1 kernel), 6.12.117,
#            6.12.118 and 6.12.119 (the same 6.12 kernel): unchanged runs,
#            types that appear (aa_ruleset) or disappear (bpf_timer_kern);
#   store B: 6.12.117 and 6.12.118 (6.12), 6.13.0-1 (the 6.1 kernel),
#            6.14.0-1 (6.12 again): bpf_mem_alloc loses objcg, percpu, ...
#            and gets them back; aa_ruleset is removed and comes back.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME=$T/home
# writers roll packs up in a detached process: done before a command returns
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}
unset KSTRUCT_STORE XDG_DATA_HOME KSTRUCT_PAGER PAGER NO_COLOR LESS
mkdir -p "$HOME"

pass=0
failed=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # check NAME COMMAND... : passes when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# same NAME GOT EXPECTED: passes when the strings are equal, else shows both
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "     got:      $2"; echo "     expected: $3"; fi
}
has() { grep -qxF -- "$1" <<<"$2"; }	# has LINE TEXT: TEXT has the exact line
ks() { "$KSTRUCT" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(($1))"; }
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
ESC=$'\033'

OLD=6.1.0-47-generic-amd64
NEW=6.12.117-generic-amd64
for k in $OLD $NEW; do
	xz -dc "$DATA/$k.btf.xz" > "$T/$k.btf" || { echo "cannot decompress $k"; exit 1; }
done
O48=6.1.0-48-generic-amd64
N118=6.12.118-generic-amd64
N119=6.12.119-generic-amd64
R13=6.13.0-1-generic-amd64
R14=6.14.0-1-generic-amd64

A=$T/a
B=$T/b
imp() { # imp STORE FILE [RELEASE]
	if [ $# -eq 3 ]; then ks --store "$1" import "$T/$2.btf" --release "$3" >/dev/null 2>&1
	else ks --store "$1" import "$T/$2.btf" >/dev/null 2>&1; fi ||
		{ echo "cannot import $2 ${3:-} into $1"; exit 1; }
}
imp "$A" $OLD; imp "$A" $NEW; imp "$A" $OLD $O48; imp "$A" $NEW $N118; imp "$A" $NEW $N119
imp "$B" $NEW; imp "$B" $NEW $N118; imp "$B" $OLD $R13; imp "$B" $NEW $R14
check "store A has five releases in order" test \
	"$(ks --store "$A" releases --format json | json '" ".join(r["release"] for r in d)')" = \
	"$OLD $O48 $NEW $N118 $N119"
check "store B has four releases in order" test \
	"$(ks --store "$B" releases --format json | json '" ".join(r["release"] for r in d)')" = \
	"$NEW $N118 $R13 $R14"
# the lineage's distro is what detection says: read it, do not spell it
LIN=$(ks --store "$A" releases --format json | json 'd[0]["lineage"]')
check "store A's lineage is DISTRO/x86_64/generic" grep -qE '^[a-z0-9][a-z0-9_.-]*/x86_64/generic$' <<<"$LIN"
sumA=$(store_sum "$A")
sumB=$(store_sum "$B")

# ---- log: text ----
out=$(ks --store "$A" log bpf_mem_alloc); rc=$?
check "log exits 0" test $rc -eq 0
same "log header" "$(head -1 <<<"$out")" "struct bpf_mem_alloc  ($LIN)"
check "log: first appearance" has "$OLD  added: 3 fields, size 48" "$out"
check "log: identical releases collapse" has "No changes between $OLD and $O48" "$out"
check "log: the change" grep -q "^$NEW  changed (from " <<<"$out"
check "log: no line of its own for an unchanged release" test -z "$(grep "^$O48 \|^$N118 \|^$N119 " <<<"$out")"
for f in "struct obj_cgroup *objcg" "bool percpu" "void (*dtor_ctx_free)(void *)" "void *dtor_ctx"; do
	check "log: + $f" has "    + $f" "$out"
done
check "log: the added fields in member order" test \
	"$(grep '^    + ' <<<"$out" | tr '\n' '|')" = \
	"    + struct obj_cgroup *objcg|    + bool percpu|    + void (*dtor_ctx_free)(void *)|    + void *dtor_ctx|"
check "log: layout changes are counted, not shown" has "    (2 layout changes: --layout shows them)" "$out"
check "log: no moved field without --layout" test -z "$(grep '^    > \|^    = ' <<<"$out")"
check "log: the run after the change collapses" has "No changes between $NEW and $N119" "$out"
same "log: lines in order" "$(cut -c1-24 <<<"$out" | grep -v '^ ' | tr '\n' '|')" \
	"struct bpf_mem_alloc  (${LIN:0:1}|$OLD  |No changes between 6.1.0|$NEW  |No changes between 6.12.|"

out=$(ks --store "$A" log bpf_mem_alloc --layout)
check "log --layout: moved field" has "    > work: offset 16 -> 32" "$out"
check "log --layout: size" has "    = size 48 -> 80" "$out"
check "log --layout: nothing hidden" test -z "$(grep 'layout change' <<<"$out")"

out=$(ks --store "$A" log aa_ruleset)
same "log: absent run, then added (exact)" "$out" "struct aa_ruleset  ($LIN)
$OLD  absent (through $O48)
$NEW  added: 8 fields, size 368
No changes between $NEW and $N119"
out=$(ks --store "$A" log bpf_timer_kern)
same "log: removed, then absent (exact)" "$out" "struct bpf_timer_kern  ($LIN)
$OLD  added: 2 fields, size 16
No changes between $OLD and $O48
$NEW  removed
$N118  absent (through $N119)"
out=$(ks --store "$A" log bpf_timer_kern --since $N118 --until $N118)
check "log: a single absent release" has "$N118  absent" "$out"

out=$(ks --store "$A" log orc_entry)
check "log: bitfield width" has "    ~ type: unsigned int type:2 -> unsigned int type:3" "$out"
check "log: removed field" has "    - unsigned int end:1" "$out"
out=$(ks --store "$A" log __kernel_old_timespec)
check "log: type change" has "    ~ tv_nsec: long int tv_nsec -> __kernel_long_t tv_nsec" "$out"

out=$(ks --store "$B" log bpf_mem_alloc)
check "log: fields removed" has "    - struct obj_cgroup *objcg" "$out"
check "log: removal release" grep -q "^$R13  changed (from " <<<"$out"
check "log: fields back" grep -q "^$R14  changed (from $R13)" <<<"$out"
out=$(ks --store "$B" log aa_ruleset)
check "log: a type that goes" has "$R13  removed" "$out"
check "log: a type that comes back is added again" grep -q "^$R14  added again: 8 fields, size 368" <<<"$out"
# The definition is back unchanged (the very same blob): nothing changed,
# and certainly not "the nesting of anonymous members".
check "log: back unchanged claims no change" test -z "$(grep 'nesting of anonymous' <<<"$out")"
check "log: back after a gap names the last release that had it" \
	grep -q "^$R14  added again.*(as in $N118)" <<<"$out"
# socket_alloc: only the size of member vfs_inode (struct inode) changed,
# 632 -> 624; no anonymous member is involved.
out=$(ks --store "$A" log socket_alloc)
check "log: a member's size change is not called a nesting change" \
	test -z "$(grep 'nesting of anonymous' <<<"$out")"

# ---- log: JSON ----
js=$(ks --store "$A" log bpf_mem_alloc --format json)
check "log json: name, kind, lineage" test \
	"$(json 'd["name"], d["kind"], d["lineage"]' <<<"$js")" = "('bpf_mem_alloc', 'struct', '$LIN')"
same "log json: history has every release" "$(json '" ".join(h["release"] for h in d["history"])' <<<"$js")" \
	"$OLD $O48 $NEW $N118 $N119"
same "log json: statuses" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"added unchanged changed unchanged unchanged"
same "log json: previous" "$(json '" ".join(str(h["previous"]) for h in d["history"])' <<<"$js")" \
	"None $OLD $O48 $NEW $N118"
check "log json: unchanged releases share the blob" \
	test "$(json 'len(set(h["blob"] for h in d["history"]))' <<<"$js")" = 2
check "log json: definitions" test "$(json 'set(h["definitions"] for h in d["history"])' <<<"$js")" = "{1}"
check "log json: first appearance compares with nothing" \
	test "$(json 'd["history"][0]["compared_with"], d["history"][0]["changes"]' <<<"$js")" = "(None, [])"
same "log json: changes of the change" \
	"$(json '[(c["kind"], c["field"]) for c in d["history"][2]["changes"]]' <<<"$js")" \
	"[('field_added', 'objcg'), ('field_added', 'percpu'), ('field_added', 'dtor_ctx_free'), ('field_added', 'dtor_ctx')]"
same "log json: an added field" "$(json 'd["history"][2]["changes"][0]' <<<"$js")" \
	"{'kind': 'field_added', 'field': 'objcg', 'old_decl': None, 'new_decl': 'struct obj_cgroup *objcg', 'new_offset_bits': 128}"
same "log json: a change is compared with the previous release" \
	"$(json 'd["history"][2]["compared_with"]' <<<"$js")" "$O48"
js=$(ks --store "$A" log bpf_mem_alloc --format json --layout)
same "log json --layout: layout changes follow" \
	"$(json '[(c["kind"], c["field"]) for c in d["history"][2]["changes"]][4:]' <<<"$js")" \
	"[('field_moved', 'work'), ('size_changed', None)]"
same "log json --layout: moved offsets" \
	"$(json '[(c["old_offset_bits"], c["new_offset_bits"]) for c in d["history"][2]["changes"] if c["kind"]=="field_moved"]' <<<"$js")" \
	"[(128, 256)]"
same "log json --layout: sizes" \
	"$(json '[(c["old_size"], c["new_size"]) for c in d["history"][2]["changes"] if c["kind"]=="size_changed"]' <<<"$js")" \
	"[(48, 80)]"
js=$(ks --store "$A" log aa_ruleset --format json)
same "log json: absent releases" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"absent absent added unchanged unchanged"
check "log json: absent has no blob" test "$(json '"blob" in d["history"][0]' <<<"$js")" = False
js=$(ks --store "$A" log bpf_timer_kern --format json)
same "log json: removed" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"added unchanged removed absent absent"
js=$(ks --store "$A" log orc_entry --format json)
same "log json: bitfield_changed, added, removed" \
	"$(json '[(c["kind"], c["field"], c["old_decl"], c["new_decl"]) for c in d["history"][2]["changes"]]' <<<"$js")" \
	"[('bitfield_changed', 'type', 'unsigned int type:2', 'unsigned int type:3'), ('field_added', 'signal', None, 'unsigned int signal:1'), ('field_removed', 'end', 'unsigned int end:1', None)]"
js=$(ks --store "$A" log __kernel_old_timespec --format json)
same "log json: field_type_changed" "$(json '[(c["kind"], c["field"]) for c in d["history"][2]["changes"]]' <<<"$js")" \
	"[('field_type_changed', 'tv_nsec')]"
js=$(ks --store "$B" log bpf_mem_alloc --format json)
same "log json B: statuses" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"added unchanged changed changed"
same "log json B: fields removed" \
	"$(json '[(c["kind"], c["field"]) for c in d["history"][2]["changes"]]' <<<"$js")" \
	"[('field_removed', 'objcg'), ('field_removed', 'percpu'), ('field_removed', 'dtor_ctx_free'), ('field_removed', 'dtor_ctx')]"
same "log json B: a removed field" "$(json 'd["history"][2]["changes"][0]' <<<"$js")" \
	"{'kind': 'field_removed', 'field': 'objcg', 'old_decl': 'struct obj_cgroup *objcg', 'new_decl': None, 'old_offset_bits': 128}"
same "log json B: fields back" \
	"$(json '[(c["kind"], c["field"]) for c in d["history"][3]["changes"]]' <<<"$js")" \
	"[('field_added', 'objcg'), ('field_added', 'percpu'), ('field_added', 'dtor_ctx_free'), ('field_added', 'dtor_ctx')]"
js=$(ks --store "$B" log aa_ruleset --format json)
same "log json B: removed and added again" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"added unchanged removed added"
check "log json B: back unchanged has no changes" test "$(json 'd["history"][3]["changes"]' <<<"$js")" = "[]"
same "log json B: back after a gap: compared_with the last release that had it" \
	"$(json 'd["history"][3]["compared_with"]' <<<"$js")" "$N118"

# ---- log: --since / --until ----
js=$(ks --store "$A" log bpf_mem_alloc --format json --since $O48)
same "--since starts the window" "$(json '" ".join(h["release"] for h in d["history"])' <<<"$js")" \
	"$O48 $NEW $N118 $N119"
js=$(ks --store "$A" log bpf_mem_alloc --format json --until $NEW)
same "--until ends the window" "$(json '" ".join(h["release"] for h in d["history"])' <<<"$js")" \
	"$OLD $O48 $NEW"
js=$(ks --store "$A" log bpf_mem_alloc --format json --since $O48 --until $N118)
same "--since and --until" "$(json '" ".join(h["status"] for h in d["history"])' <<<"$js")" \
	"unchanged changed unchanged"
out=$(ks --store "$A" log bpf_mem_alloc --since $NEW)
check "--since text: nothing before" test -z "$(grep "^$OLD\|^$O48\|between $OLD" <<<"$out")"
check "--since text: the change is there" grep -q "^$NEW  changed" <<<"$out"
out=$(ks --store "$A" log bpf_mem_alloc --until $O48)
check "--until text: nothing after" test -z "$(grep "$NEW\|$N118\|$N119" <<<"$out")"
check "--until text: the run up to the end" has "No changes between $OLD and $O48" "$out"
for opt in --since --until; do
	err=$(ks --store "$A" log bpf_mem_alloc $opt 6.12.120-generic-amd64 2>&1 >/dev/null); rc=$?
	check "$opt an unknown release exits 1" test $rc -eq 1
	check "$opt an unknown release names it" grep -q "6.12.120-generic-amd64" <<<"$err"
	check "$opt an unknown release suggests close ones" grep -q "did you mean.*$N119" <<<"$err"
done

# ---- log -p ----
out=$(ks --store "$A" log bpf_mem_alloc -p)
check "-p: added lines" has "+	struct obj_cgroup *objcg;	/* 16 8 */" "$out"
check "-p: removed lines" has "-	struct work_struct work;	/* 16 32 */" "$out"
check "-p: context lines" has " 	struct bpf_mem_caches *caches;	/* 0 8 */" "$out"
check "-p: the first definition is all added" has "+};	/* size 48 */" "$out"
check "-p: hunk header (as diff -u gives it)" has "@@ -1,5 +1,9 @@" "$out"
check "-p: the summary stays" has "    + bool percpu" "$out"
out=$(ks --store "$A" log bpf_mem_alloc)
check "no -p, no patch" test -z "$(grep '^[-+ ]	' <<<"$out")"
out=$(ks --store "$A" log bpf_mem_alloc --patch --format json)
check "-p with json is still JSON" test "$(json 'len(d["history"])' <<<"$out")" = 5

# ---- blame NAME ----
out=$(ks --store "$A" blame bpf_mem_alloc)
same "blame: text (exact)" "$out" "struct bpf_mem_alloc  ($LIN, as of $N119)
$OLD  struct bpf_mem_caches *caches;
$OLD  struct bpf_mem_cache *cache;
$NEW  struct obj_cgroup *objcg;
$NEW  bool percpu;
$OLD  struct work_struct work;
$NEW  void (*dtor_ctx_free)(void *);
$NEW  void *dtor_ctx;"
js=$(ks --store "$A" blame bpf_mem_alloc --format json)
check "blame json: header" test "$(json 'd["name"], d["kind"], d["lineage"], d["release"]' <<<"$js")" = \
	"('bpf_mem_alloc', 'struct', '$LIN', '$N119')"
same "blame json: members" "$(json '[(m["name"], m["offset_bits"], m["introduced"], m["first_seen"]) for m in d["members"]]' <<<"$js")" \
	"[('caches', 0, '$OLD', '$OLD'), ('cache', 64, '$OLD', '$OLD'), ('objcg', 128, '$NEW', '$NEW'), ('percpu', 192, '$NEW', '$NEW'), ('work', 256, '$OLD', '$OLD'), ('dtor_ctx_free', 512, '$NEW', '$NEW'), ('dtor_ctx', 576, '$NEW', '$NEW')]"
check "blame json: decl" test "$(json 'd["members"][5]["decl"]' <<<"$js")" = "void (*dtor_ctx_free)(void *)"
js=$(ks --store "$B" blame bpf_mem_alloc --format json)
same "blame json: readded fields are introduced again, first seen earlier" \
	"$(json '[(m["name"], m["introduced"], m["first_seen"]) for m in d["members"] if m["name"] in ("objcg", "caches")]' <<<"$js")" \
	"[('caches', '$NEW', '$NEW'), ('objcg', '$R14', '$NEW')]"
out=$(ks --store "$B" blame bpf_mem_alloc)
check "blame text: name since" has "$R14  struct obj_cgroup *objcg;  (name since $NEW)" "$out"
js=$(ks --store "$A" blame __kernel_old_timespec --format json)
same "blame json: a retyped field" "$(json '[(m["name"], m["introduced"], m["first_seen"]) for m in d["members"]]' <<<"$js")" \
	"[('tv_sec', '$OLD', '$OLD'), ('tv_nsec', '$NEW', '$OLD')]"
js=$(ks --store "$A" blame bpf_timer_kern --format json)
check "blame of a type gone since: as of its last release" test "$(json 'd["release"]' <<<"$js")" = "$O48"

# ---- blame NAME.FIELD ----
out=$(ks --store "$B" blame bpf_mem_alloc.objcg)
same "blame field: removed and readded (exact)" "$out" "bpf_mem_alloc.objcg  ($LIN)
$NEW  added        struct obj_cgroup *objcg;  (offset 16)
$R13  removed      struct obj_cgroup *objcg;  (offset 16)
$R14  readded      struct obj_cgroup *objcg;  (offset 16)
present in its current form since $R14; last seen in $R14 (the newest release)"
js=$(ks --store "$B" blame bpf_mem_alloc.objcg --format json)
same "blame field json: events" "$(json '[(e["release"], e["event"], e["offset_bits"]) for e in d["events"]]' <<<"$js")" \
	"[('$NEW', 'added', 128), ('$R13', 'removed', 128), ('$R14', 'readded', 128)]"
same "blame field json: header" \
	"$(json 'd["name"], d["field"], d["decl"], d["introduced"], d["last_seen"], d["status"]' <<<"$js")" \
	"('bpf_mem_alloc', 'objcg', 'struct obj_cgroup *objcg', '$R14', '$R14', 'present')"
js=$(ks --store "$A" blame __kernel_old_timespec.tv_nsec --format json)
same "blame field json: type_changed" "$(json '[(e["release"], e["event"], e["decl"]) for e in d["events"]]' <<<"$js")" \
	"[('$OLD', 'added', 'long int tv_nsec'), ('$NEW', 'type_changed', '__kernel_long_t tv_nsec')]"
check "blame field json: introduced with its present declaration" \
	test "$(json 'd["introduced"], d["last_seen"]' <<<"$js")" = "('$NEW', '$N119')"
js=$(ks --store "$A" blame bpf_mem_alloc.work --format json)
same "blame field json: moved" "$(json '[(e["release"], e["event"], e["offset_bits"]) for e in d["events"]]' <<<"$js")" \
	"[('$OLD', 'added', 128), ('$NEW', 'moved', 256)]"
check "blame field json: a move keeps introduced" test "$(json 'd["introduced"]' <<<"$js")" = "$OLD"
js=$(ks --store "$A" blame orc_entry.type --format json)
same "blame field json: a bitfield width" "$(json '[(e["event"], e["decl"], e["offset_bits"]) for e in d["events"]]' <<<"$js")" \
	"[('added', 'unsigned int type:2', 40), ('type_changed', 'unsigned int type:3', 40)]"
js=$(ks --store "$A" blame bpf_timer_kern.timer --format json)
same "blame field json: a field gone with its type" \
	"$(json 'd["status"], d["last_seen"], [(e["release"], e["event"]) for e in d["events"]]' <<<"$js")" \
	"('removed', '$O48', [('$OLD', 'added'), ('$NEW', 'removed')])"
out=$(ks --store "$A" blame bpf_timer_kern.timer)
check "blame field text: last seen, not the newest" has \
	"present in its current form since $OLD; last seen in $O48" "$out"
js=$(ks --store "$A" blame task_struct.se.vruntime --format json)
same "blame nested path json" \
	"$(json 'd["name"], d["field"], d["decl"], [(e["release"], e["event"], e["offset_bits"]) for e in d["events"]]' <<<"$js")" \
	"('task_struct', 'se.vruntime', 'u64 vruntime', [('$OLD', 'added', 1664), ('$NEW', 'moved', 1920)])"
out=$(ks --store "$A" blame task_struct.se.vruntime)
check "blame nested path text" has "$NEW  moved        u64 vruntime;  (offset 240)" "$out"
check "blame nested path text header" has "task_struct.se.vruntime  ($LIN)" "$out"

err=$(ks --store "$A" blame task_struct.pidd 2>&1 >/dev/null); rc=$?
check "blame unknown field exits 1" test $rc -eq 1
check "blame unknown field suggests" grep -q "did you mean pid" <<<"$err"
err=$(ks --store "$A" blame task_struct.se.vruntim 2>&1 >/dev/null); rc=$?
check "blame unknown nested field exits 1 and suggests" test $rc -eq 1 -a -n "$(grep 'did you mean vruntime' <<<"$err")"
err=$(ks --store "$A" blame task_struct.mm.pgd 2>&1 >/dev/null); rc=$?
check "blame does not follow pointers" test $rc -eq 1 -a -n "$(grep 'not an embedded' <<<"$err")"
for arg in .x a. a..b; do
	ks --store "$A" blame "$arg" >/dev/null 2>&1; rc=$?
	check "blame '$arg' is a usage error" test $rc -eq 2
done

# ---- renames ----
# 6.1 -> 6.12, as the kernel did it: address_space.private_data became
# i_private_data (the same void * at the same offset: a rename that kept
# its form); renamedata.old_mnt_userns became old_mnt_idmap (a pointer for
# a pointer: renamed and retyped). inode.i_ctime (struct timespec64)
# became i_ctime_sec (time64_t): not compatible, so removed and added;
# iov_iter.iov became __iov at another offset: removed and added.
out=$(ks --store "$A" log address_space)
check "log: rename of a field" has "    ~ private_data -> i_private_data: void *private_data -> void *i_private_data" "$out"
check "log: the renamed field is not also added" test -z "$(grep -F '+ void *i_private_data' <<<"$out")"
out=$(ks --store "$A" log address_space --no-renames)
check "log --no-renames: added and removed" test -n "$(grep -xF '    + void *i_private_data' <<<"$out")" -a -n "$(grep -xF '    - void *private_data' <<<"$out")"
out=$(ks --store "$A" log renamedata)
check "log: renamed and retyped" has "    ~ old_mnt_userns -> old_mnt_idmap: struct user_namespace *old_mnt_userns -> struct mnt_idmap *old_mnt_idmap" "$out"
out=$(ks --store "$A" log inode)
check "log: struct -> integer is no rename" test -n "$(grep -xF '    - struct timespec64 i_ctime' <<<"$out")" -a -n "$(grep -xF '    + time64_t i_ctime_sec' <<<"$out")"
out=$(ks --store "$A" log iov_iter)
check "log: a move to another offset is no rename" test -n "$(grep -xF '    - const struct iovec *iov' <<<"$out")" -a -n "$(grep -xF '    + const struct iovec *__iov' <<<"$out")"
js=$(ks --store "$A" log renamedata --format json)
same "log json: field_renamed" "$(json '[(c["kind"], c["old_field"], c["field"]) for e in d["history"] for c in (e.get("changes") or []) if c["kind"] == "field_renamed"]' <<<"$js")" \
	"[('field_renamed', 'old_mnt_userns', 'old_mnt_idmap'), ('field_renamed', 'new_mnt_userns', 'new_mnt_idmap')]"
js=$(ks --store "$A" diff $OLD $NEW address_space --format json)
same "diff json: field_renamed" "$(json '[(c["kind"], c.get("old_field"), c["field"]) for t in d["changed"] for c in t["changes"] if "private_data" in c["field"]]' <<<"$js")" \
	"[('field_renamed', 'private_data', 'i_private_data')]"
js=$(ks --store "$A" blame address_space.i_private_data --format json)
same "blame follows a rename back" "$(json '[(e["release"], e["event"], e.get("old_name")) for e in d["events"]], d["introduced"]' <<<"$js")" \
	"([('$OLD', 'added', None), ('$NEW', 'renamed', 'private_data')], '$OLD')"
js=$(ks --store "$A" blame renamedata.old_mnt_idmap --format json)
same "blame: a retyping rename starts the present form" "$(json '[e["event"] for e in d["events"]], d["introduced"]' <<<"$js")" \
	"(['added', 'renamed'], '$NEW')"
js=$(ks --store "$A" blame address_space.i_private_data --no-renames --format json)
same "blame --no-renames: added where the name appeared" "$(json '[e["event"] for e in d["events"]], d["introduced"]' <<<"$js")" \
	"(['added'], '$NEW')"
js=$(ks --store "$A" blame address_space --format json)
same "blame NAME: first_name of a renamed member" "$(json '[(m["first_seen"], m.get("first_name")) for m in d["members"] if m["name"] == "i_private_data"]' <<<"$js")" \
	"[('$OLD', 'private_data')]"
out=$(ks --store "$A" blame address_space)
check "blame NAME text: as OLD since" grep -qF "void *i_private_data;  (as private_data since $OLD)" <<<"$out"

# ---- grep ----
# Independent answer: bpftool's JSON of each kernel, members of anonymous
# structs and unions flattened (as a field path sees them).
members_bpftool() { # members_bpftool BTF MEMBER: structs and unions that have it
	bpftool btf dump file "$1" -j | python3 -c '
import json, sys
t = json.load(sys.stdin)["types"]
by = {x["id"]: x for x in t}
def has(x, want, depth=0):
    for m in x.get("members", []):
        if m["name"] == want:
            return True
        if m["name"] == "" and depth < 32:
            y = by.get(m["type_id"])
            while y and y["kind"] in ("CONST", "VOLATILE", "TYPE_TAG", "RESTRICT"):
                y = by.get(y["type_id"])
            if y and y["kind"] in ("STRUCT", "UNION") and not y["name"] and has(y, want, depth + 1):
                return True
    return False
print(" ".join(sorted(set("%s:%s" % (x["kind"].lower(), x["name"]) for x in t
      if x["kind"] in ("STRUCT", "UNION") and x["name"] and has(x, sys.argv[1])))))' "$2"
}
# (structs and unions: what the bpftool model above reads)
js=$(ks --store "$A" grep objcg --member --kind struct,union --format json)
want=$(python3 -c '
import sys
old, new, rels = set(sys.argv[1].split()), set(sys.argv[2].split()), sys.argv[3].split()
# store A: OLD, O48 are the 6.1 kernel; NEW, N118, N119 the 6.12 one
print(sorted((n, tuple(r for r, s in zip(rels, (old, old, new, new, new)) if n in s)) for n in old | new))
' "$(members_bpftool "$T/$OLD.btf" objcg)" "$(members_bpftool "$T/$NEW.btf" objcg)" "$OLD $O48 $NEW $N118 $N119")
got=$(json 'sorted(("%s:%s" % (m["kind"], m["name"]), tuple(m["lineages"][0]["releases"])) for m in d["matches"])' <<<"$js")
same "grep --member objcg: the types and releases bpftool shows" "$got" "$want"
check "grep --member: bpf_mem_alloc.objcg is in 6.12 only" test "$(json '[m["lineages"][0]["ranges"] for m in d["matches"] if m["name"] == "bpf_mem_alloc"]' <<<"$js")" = "[[{'from': '$NEW', 'to': '$N119', 'releases': 3}]]"
out=$(ks --store "$A" grep objcg --member)
check "grep text: a match and its run" grep -qxF "    $LIN  $NEW .. $N119  (3 of 5 releases)" <<<"$(grep -A1 -xF 'struct:bpf_mem_alloc.objcg' <<<"$out")"
out=$(ks --store "$A" grep 'bpf_timer_k*')
same "grep NAME glob: text" "$out" "struct:bpf_timer_kern
    $LIN  $OLD .. $O48  (2 of 5 releases)"
js=$(ks --store "$A" grep 'struct:aa_rule*' --format json)
same "grep KIND:GLOB json" "$(json '[(m["kind"], m["name"], m["lineages"][0]["releases"]) for m in d["matches"]]' <<<"$js")" \
	"[('struct', 'aa_ruleset', ['$NEW', '$N118', '$N119'])]"
js=$(ks --store "$B" grep 'objcg' --member --kind struct --format json)
check "grep across a gap: two runs" test "$(json '[len(m["lineages"][0]["ranges"]) for m in d["matches"] if m["name"] == "bpf_mem_alloc"]' <<<"$js")" = "[2]"
err=$(ks --store "$A" grep 'no_such_thing*' 2>&1 >/dev/null); rc=$?
check "grep without a match exits 1 with one line" test $rc -eq 1 -a "$(wc -l <<<"$err")" -eq 1
ks --store "$A" grep x --kind nosuch >/dev/null 2>&1; rc=$?
check "grep --kind unknown is a usage error" test $rc -eq 2
ks --store "$A" grep >/dev/null 2>&1; rc=$?
check "grep without PATTERN is a usage error" test $rc -eq 2
ks --store "$A" grep 'bogus:x' >/dev/null 2>&1; rc=$?
check "grep with an unknown kind prefix exits non-zero" test $rc -ne 0

# ---- diff ----
out=$(ks --store "$A" diff $OLD $NEW bpf_mem_alloc aa_ruleset bpf_timer_kern)
same "diff NAMEs: text (exact)" "$out" "$OLD -> $NEW  ($LIN): 1 added, 1 removed, 1 changed
added    struct aa_ruleset
changed  struct bpf_mem_alloc
    + struct obj_cgroup *objcg
    + bool percpu
    + void (*dtor_ctx_free)(void *)
    + void *dtor_ctx
    (2 layout changes: --layout shows them)
removed  struct bpf_timer_kern"
out=$(ks --store "$A" diff $OLD $NEW bpf_mem_alloc --layout)
check "diff --layout: moves" has "    > work: offset 16 -> 32" "$out"
js=$(ks --store "$A" diff $OLD $NEW --format json)
check "diff json: header" test "$(json 'd["lineage"], d["from"], d["to"]' <<<"$js")" = "('$LIN', '$OLD', '$NEW')"
check "diff json: counts match the lists" test "$(json 'all(d["stat"][k] == len(d[k]) for k in ("added", "removed", "changed"))' <<<"$js")" = True
check "diff json: added" test "$(json '{"name": "aa_ruleset", "kind": "struct"} in d["added"]' <<<"$js")" = True
check "diff json: removed" test "$(json '{"name": "bpf_timer_kern", "kind": "struct"} in d["removed"]' <<<"$js")" = True
same "diff json: changed" "$(json '[[c["field"] for c in t["changes"]] for t in d["changed"] if t["name"] == "bpf_mem_alloc"]' <<<"$js")" \
	"[['objcg', 'percpu', 'dtor_ctx_free', 'dtor_ctx']]"
check "diff json: no layout-only type listed" test "$(json 'all(c["kind"] not in ("field_moved", "size_changed") for t in d["changed"] for c in t["changes"]) and all(t["changes"] for t in d["changed"])' <<<"$js")" = True
stat=$(json 'd["stat"]["added"], d["stat"]["removed"], d["stat"]["changed"], d["stat"]["layout_only"]' <<<"$js")
check "diff json: real numbers" test "$(json 'd["stat"]["added"] > 1000 and d["stat"]["removed"] > 100 and d["stat"]["changed"] > 1000 and d["stat"]["layout_only"] > 0' <<<"$js")" = True
jl=$(ks --store "$A" diff $OLD $NEW --format json --layout)
check "diff --layout json: layout-only types are changed too" \
	test "$(json 'd["stat"]["changed"]' <<<"$jl")" = "$(json 'd["stat"]["changed"] + d["stat"]["layout_only"]' <<<"$js")"
check "diff --layout json: lists them" test "$(json 'd["stat"]["changed"] == len(d["changed"])' <<<"$jl")" = True
same "diff --layout json: bpf_mem_alloc" "$(json '[[c["kind"] for c in t["changes"]] for t in d["changed"] if t["name"] == "bpf_mem_alloc"]' <<<"$jl")" \
	"[['field_added', 'field_added', 'field_added', 'field_added', 'field_moved', 'size_changed']]"
out=$(ks --store "$A" diff $OLD $NEW --stat | head -1)
read -r a r c l <<<"$(tr -d "(),'" <<<"$stat")"
same "diff --stat text" "$out" "$OLD -> $NEW  ($LIN): $a added, $r removed, $c changed, $l with layout-only changes (--layout)"
js=$(ks --store "$A" diff $OLD $NEW --stat --format json)
same "diff --stat json: only the counts" "$(json 'sorted(d), d["stat"]' <<<"$js")" \
	"(['from', 'kinds', 'lineage', 'not_recorded', 'stat', 'to'], {'added': $a, 'removed': $r, 'changed': $c, 'layout_only': $l})"
js=$(ks --store "$A" diff $NEW $OLD --stat --format json)
check "diff reversed swaps added and removed" test "$(json 'd["stat"]["added"], d["stat"]["removed"]' <<<"$js")" = "($r, $a)"
js=$(ks --store "$A" diff $OLD $NEW bpf_mem_alloc --stat --format json)
same "diff NAME --stat" "$(json 'd["stat"]' <<<"$js")" "{'added': 0, 'removed': 0, 'changed': 1, 'layout_only': 0}"
out=$(ks --store "$A" diff $NEW $N119)
same "diff of identical releases" "$out" "$NEW -> $N119  ($LIN): 0 added, 0 removed, 0 changed"
js=$(ks --store "$B" diff $N118 $R14 --stat --format json)
check "diff across a gap in store B" test "$(json 'd["stat"]["added"], d["stat"]["removed"], d["stat"]["changed"]' <<<"$js")" = "(0, 0, 0)"
err=$(ks --store "$A" diff $OLD 6.12.120-generic-amd64 2>&1 >/dev/null); rc=$?
check "diff unknown release exits 1 and suggests" test $rc -eq 1 -a -n "$(grep "did you mean.*$NEW" <<<"$err")"
ks --store "$A" diff $OLD >/dev/null 2>&1; rc=$?
check "diff with one release exits 2" test $rc -eq 2

# ---- errors ----
err=$(ks --store "$A" log sk_buf 2>&1 >/dev/null); rc=$?
check "log unknown struct exits 1" test $rc -eq 1
check "log unknown struct suggests" grep -q "did you mean.*sk_buff" <<<"$err"
check "log error is one line" test "$(wc -l <<<"$err")" -eq 1
err=$(ks --store "$A" blame sk_buf 2>&1 >/dev/null); rc=$?
check "blame unknown struct exits 1 and suggests" test $rc -eq 1 -a -n "$(grep "did you mean.*sk_buff" <<<"$err")"
err=$(ks --store "$A" blame sk_buf.len 2>&1 >/dev/null); rc=$?
check "blame unknown struct of a field exits 1" test $rc -eq 1 -a -n "$(grep "did you mean.*sk_buff" <<<"$err")"
ks init "$T/empty" >/dev/null 2>&1
for cmd in "log sk_buff" "blame sk_buff" "blame sk_buff.len" "diff $OLD $NEW"; do
	err=$(ks --store "$T/empty" $cmd 2>&1 >/dev/null); rc=$?
	check "empty store: $cmd exits 1 with a hint" test $rc -eq 1 -a -n "$(grep "kstruct import" <<<"$err")"
done
err=$(ks --store "$T/missing" log sk_buff 2>&1 >/dev/null); rc=$?
check "missing store: exits 1 with a hint" test $rc -eq 1 -a -n "$(grep "kstruct import" <<<"$err")"
check "missing store is not created" test ! -e "$T/missing"
err=$(ks --store "$A" log bpf_mem_alloc --lineage aarch64/generic 2>&1 >/dev/null); rc=$?
check "unknown lineage exits 1 and names the one there" test $rc -eq 1 -a -n "$(grep x86_64/generic <<<"$err")"
usage() { # usage NAME ARGS...: a usage error
	ks --store "$A" "${@:2}" >/dev/null 2>&1; local rc=$?
	check "usage error exits 2: $1" test $rc -eq 2
}
usage "log without NAME" log
usage "log with two NAMEs" log a b
usage "log --format xml" log bpf_mem_alloc --format xml
usage "log unknown option" log bpf_mem_alloc --bogus
usage "log --since without value" log bpf_mem_alloc --since
usage "log bad lineage" log bpf_mem_alloc --lineage a/b/c/d
usage "blame without NAME" blame
usage "blame with two NAMEs" blame a b
usage "blame --format yaml" blame bpf_mem_alloc --format yaml
usage "diff without releases" diff
usage "diff --format yaml" diff $OLD $NEW --format yaml
usage "diff unknown option" diff $OLD $NEW --bogus
for c in log blame diff; do
	check "$c --help" grep -q "usage: kstruct $c" < <(ks $c --help)
	check "help $c" grep -q "usage: kstruct $c" < <(ks help $c)
done
check "reading commands leave store A unchanged" test "$(store_sum "$A")" = "$sumA"
check "reading commands leave store B unchanged" test "$(store_sum "$B")" = "$sumB"

# ---- colour and pager ----
out=$(ks --store "$A" log bpf_mem_alloc; ks --store "$A" blame bpf_mem_alloc.objcg; ks --store "$A" diff $OLD $NEW bpf_mem_alloc)
check "piped output has no colour" test -z "$(grep -F "$ESC" <<<"$out")"
rm -f "$T/pg"
out=$(PAGER="cat >$T/pg" ks --store "$A" log bpf_mem_alloc)
check "piped output is not paged" test ! -e "$T/pg" -a -n "$(grep "^$NEW  changed" <<<"$out")"
if command -v script >/dev/null; then
	# pty COMMAND...: runs it on a pseudo-terminal (util-linux script)
	pty() { SHELL=/bin/sh script -qec "$(printf '%q ' "$@")" /dev/null </dev/null; }
	export TERM=xterm
	for cmd in "log bpf_mem_alloc" "log bpf_mem_alloc -p" "blame bpf_mem_alloc" \
		   "blame bpf_mem_alloc.objcg" "diff $OLD $NEW bpf_mem_alloc"; do
		out=$(KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" $cmd)
		check "terminal: $cmd is coloured" grep -qF "$ESC[" <<<"$out"
		check "terminal: $cmd still says it" grep -q "bpf_mem_alloc" <<<"$out"
		out=$(NO_COLOR=1 KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" $cmd)
		check "terminal with NO_COLOR: $cmd has no colour" test -z "$(grep -F "$ESC" <<<"$out")"
	done
	out=$(KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" log bpf_mem_alloc)
	check "terminal: release names in yellow" grep -qF "$ESC[33m$OLD$ESC[m" <<<"$out"
	out=$(TERM=dumb KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" log bpf_mem_alloc)
	check "terminal with TERM=dumb: no colour" test -z "$(grep -F "$ESC" <<<"$out")"
	out=$(KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" log bpf_mem_alloc --format json)
	check "terminal: JSON has no colour" test -z "$(grep -F "$ESC" <<<"$out")" -a -n "$(grep '"history"' <<<"$out")"
	out=$(KSTRUCT_PAGER=cat pty "$KSTRUCT" --store "$A" log sk_buf)
	check "terminal: errors still exit 1" test $? -eq 1 -a -n "$(grep "did you mean" <<<"$out")"

	rm -f "$T/pg"
	out=$(PAGER="cat >$T/pg" pty "$KSTRUCT" --store "$A" log bpf_mem_alloc)
	check "pager: \$PAGER gets the output" grep -q "^$ESC\[33m$NEW$ESC\[m  changed" "$T/pg"
	check "pager: nothing else on the terminal" test -z "$(grep changed <<<"$out")"
	rm -f "$T/pg" "$T/pg2"
	out=$(KSTRUCT_PAGER="cat >$T/pg2" PAGER="cat >$T/pg" pty "$KSTRUCT" --store "$A" diff $OLD $NEW bpf_mem_alloc)
	check "pager: \$KSTRUCT_PAGER before \$PAGER" test -s "$T/pg2" -a ! -e "$T/pg"
	check "pager: diff output paged" grep -q "bpf_mem_alloc" "$T/pg2"
	rm -f "$T/pg"
	PAGER="cat >$T/pg" pty "$KSTRUCT" --store "$A" blame bpf_mem_alloc >/dev/null
	check "pager: blame output paged" grep -q "struct obj_cgroup \*objcg;" "$T/pg"
	rm -f "$T/pg"
	out=$(PAGER="cat >$T/pg" pty "$KSTRUCT" --store "$A" blame bpf_mem_alloc --format json)
	check "pager: JSON is not paged" test ! -e "$T/pg" -a -n "$(grep '"members"' <<<"$out")"
	rm -f "$T/pg"
	PAGER='printf %s "$LESS" >'"$T/pg"'; cat >/dev/null' pty "$KSTRUCT" --store "$A" log bpf_mem_alloc >/dev/null
	check "pager: LESS=FRX for the pager" test "$(cat "$T/pg" 2>/dev/null)" = FRX
	out=$(PAGER=true pty "$KSTRUCT" --store "$A" log task_struct -p); rc=$?
	check "pager that quits early: exit 0" test $rc -eq 0
else
	echo "skip colour and pager: no 'script' (util-linux/bsdutils)"
fi

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
