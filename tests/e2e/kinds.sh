#!/usr/bin/env bash
# End-to-end tests of the kinds after struct and union (enum, typedef,
# func, tracepoint, syscall, lsm) on the two real kernels of tests/data:
# addressing (KIND:NAME, bare names, ambiguity), show, log, blame of a
# member, diff per kind, grep, and releases imported without the kinds
# ("not recorded", then completed by a second import). Answers that a
# kernel decides are checked against bpftool's JSON of the same BTF.
set -u

KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME=$T/home
# writers roll packs up in a detached process: done before a command returns
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}
unset KSTRUCT_STORE XDG_DATA_HOME KSTRUCT_PAGER PAGER NO_COLOR LESS KSTRUCT_KINDS
mkdir -p "$HOME"

pass=0
failed=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "     got:      $2"; echo "     expected: $3"; fi
}
has() { grep -qxF -- "$1" <<<"$2"; }
ks() { "$KSTRUCT" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(($1))"; }

OLD=6.1.0-47-generic-amd64
NEW=6.12.117-generic-amd64
for k in $OLD $NEW; do
	xz -dc "$DATA/$k.btf.xz" > "$T/$k.btf" || { echo "cannot decompress $k"; exit 1; }
	bpftool btf dump file "$T/$k.btf" -j > "$T/$k.json" || { echo "bpftool failed on $k"; exit 1; }
done
S=$T/s
# 6.1 as an older kstruct imported it (structs and unions only), 6.12 whole
KSTRUCT_KINDS=legacy ks --store "$S" import "$T/$OLD.btf" >/dev/null 2>&1 || { echo "import $OLD"; exit 1; }
out=$(ks --store "$S" import "$T/$NEW.btf" 2>&1) || { echo "import $NEW: $out"; exit 1; }
check "import counts every kind" grep -qE 'imported, [0-9]+ structs, [0-9]+ unions, [0-9]+ enums, [0-9]+ typedefs, [0-9]+ funcs, [0-9]+ tracepoints, [0-9]+ syscalls, [0-9]+ lsms, [0-9]+ kfuncs' <<<"$out"

# bpftool: FUNC names of a kernel, and one function's parameter names
funcs() { python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["types"]
print("\n".join(sorted(set(x["name"] for x in t if x["kind"] == "FUNC"))))' "$1"; }
params() { python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["types"]
by = {x["id"]: x for x in t}
f = [x for x in t if x["kind"] == "FUNC" and x["name"] == sys.argv[2]][0]
print(" ".join(p["name"] for p in by[f["type_id"]]["params"]))' "$1" "$2"; }
enumval() { python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["types"]
v = [m["val"] for x in t if x["kind"] in ("ENUM", "ENUM64") and x["name"] == sys.argv[2]
     for m in x["values"] if m["name"] == sys.argv[3]]
print(v[0] if v else "none")' "$1" "$2" "$3"; }

# ---- not recorded ----
out=$(ks --store "$S" log func:vfs_read)
check "log: a release without funcs is not recorded, not absent" grep -q "^$OLD  not recorded" <<<"$out"
js=$(ks --store "$S" log func:vfs_read --format json)
same "log json: not_recorded, then added" "$(json '[e["status"] for e in d["history"]]' <<<"$js")" "['not_recorded', 'added']"
err=$(ks --store "$S" show "func:vfs_read@$OLD" 2>&1 >/dev/null); rc=$?
check "show in a release without the kind: exit 1, says not recorded" test $rc -eq 1 -a -n "$(grep 'not recorded' <<<"$err")"
js=$(ks --store "$S" diff $OLD $NEW --stat --format json)
same "diff: kinds one release lacks are not compared" "$(json 'sorted(d["kinds"]), d["not_recorded"]' <<<"$js")" \
	"(['struct', 'union'], ['enum', 'typedef', 'func', 'tracepoint', 'syscall', 'lsm', 'kfunc'])"
js=$(ks --store "$S" grep func:vfs_read --format json)
same "grep: the release without funcs is not recorded" "$(json 'd["lineages"][0]["not_recorded"], d["matches"][0]["lineages"][0]["releases"]' <<<"$js")" \
	"(['$OLD'], ['$NEW'])"
new_commit=$(ks --store "$S" releases --format json | json '[r["commit"] for r in d if r["release"] == "'$NEW'"][0]')

# ---- completion by a second import ----
out=$(ks --store "$S" import "$T/$OLD.btf" 2>&1)
check "a second import completes the release, without --force" grep -q "$OLD .*: completed, " <<<"$out"
js=$(ks --store "$S" releases --format json)
check "releases json: kinds of the completed release" test "$(json '[r["kinds"]["func"] for r in d if r["release"] == "'$OLD'"][0] > 40000' <<<"$js")" = True
same "the other release's commit is unchanged" "$(json '[r["commit"] for r in d if r["release"] == "'$NEW'"][0]' <<<"$js")" "$new_commit"

# ---- addressing ----
out=$(ks --store "$S" show vfs_read)
check "a bare name that only a func has is the func" grep -q '^func vfs_read {' <<<"$out"
err=$(ks --store "$S" show con_scroll 2>&1 >/dev/null); rc=$?
check "a bare name of an enum and a func is ambiguous, naming both" \
	test $rc -ne 0 -a -n "$(grep -F "say enum:con_scroll or func:con_scroll" <<<"$err")"
check "enum:NAME picks the enum" grep -q '^enum con_scroll {' <<<"$(ks --store "$S" show enum:con_scroll)"
err=$(ks --store "$S" show func:vfs_reed 2>&1 >/dev/null); rc=$?
check "an unknown func suggests the close one" test $rc -eq 1 -a -n "$(grep 'vfs_read' <<<"$err")"
ks --store "$S" show bogus:x >/dev/null 2>&1; rc=$?
check "an unknown kind prefix fails" test $rc -ne 0

# ---- show, against bpftool ----
js=$(ks --store "$S" show func:vfs_read --format json)
same "show func json: parameters in order, as bpftool" "$(json '" ".join(m["name"] for m in d["members"] if m["name"] != "return")' <<<"$js")" \
	"$(params "$T/$NEW.json" vfs_read)"
check "show func json: positions and linkage" test "$(json 'd["members"][1]["position"] == 1 and d["linkage"] in ("static", "global", "extern")' <<<"$js")" = True

# ---- log and blame of an enumerator, against bpftool ----
want_old=$(enumval "$T/$OLD.json" bpf_prog_type BPF_PROG_TYPE_NETFILTER)
want_new=$(enumval "$T/$NEW.json" bpf_prog_type BPF_PROG_TYPE_NETFILTER)
same "bpftool: NETFILTER is new in 6.12" "$want_old $want_new" "none 32"
out=$(ks --store "$S" log enum:bpf_prog_type)
check "log enum: enumerator added with its value" has "    + BPF_PROG_TYPE_NETFILTER = $want_new" "$out"
js=$(ks --store "$S" blame enum:bpf_prog_type.BPF_PROG_TYPE_NETFILTER --format json)
same "blame an enumerator" "$(json 'd["introduced"], d["decl"]' <<<"$js")" "('$NEW', 'BPF_PROG_TYPE_NETFILTER = 32')"
js=$(ks --store "$S" blame func:vfs_read.count --format json)
same "blame a parameter: its place" "$(json 'd["events"][0]["event"], d["events"][0]["position"], d["introduced"]' <<<"$js")" \
	"('added', 3, '$OLD')"

# ---- diff per kind, against bpftool ----
js=$(ks --store "$S" diff $OLD $NEW --kind func --stat --format json)
want=$(python3 -c '
import sys
a, b = set(open(sys.argv[1]).read().split()), set(open(sys.argv[2]).read().split())
print((len(b - a), len(a - b)))' <(funcs "$T/$OLD.json") <(funcs "$T/$NEW.json"))
# a name exists where its first body (no ~N) does: those entries added
# and removed are the names bpftool finds new and gone
got=$(ks --store "$S" diff $OLD $NEW --kind func --format json | json '(sum("~" not in x["name"] for x in d["added"]), sum("~" not in x["name"] for x in d["removed"]))')
same "diff --kind func: functions added and removed, as bpftool" "$got" "$want"
check "diff --kind func: only funcs" test "$(json 'list(d["kinds"])' <<<"$js")" = "['func']"

# ---- grep ----
js=$(ks --store "$S" grep 'func:blk_account_io_*' --format json)
want=$(python3 -c '
import sys
a, b = set(open(sys.argv[1]).read().split()), set(open(sys.argv[2]).read().split())
print(sorted(n for n in a | b if n.startswith("blk_account_io_")))' <(funcs "$T/$OLD.json") <(funcs "$T/$NEW.json"))
same "grep func glob: the names bpftool has" "$(json 'sorted(set(m["name"] for m in d["matches"]))' <<<"$js")" "$want"
js=$(ks --store "$S" grep BPF_PROG_TYPE_NETFILTER --member --kind enum --format json)
same "grep --member of an enum" "$(json '[(m["kind"], m["name"], m["lineages"][0]["releases"]) for m in d["matches"]]' <<<"$js")" \
	"[('enum', 'bpf_prog_type', ['$NEW'])]"

# ---- status, report, site ----
out=$(ks --store "$S" status func:vfs_read); rc=$?
check "status of a func" test $rc -eq 0 -a -n "$(grep -F "$NEW  ✅ present" <<<"$out")"
out=$(ks --store "$S" report enum:bpf_prog_type)
check "report of an enum: its heading" grep -qxF '# Enum: <code>bpf_prog_type</code>' <<<"$out"
check "report of an enum: values, no offsets" test -n "$(grep -E 'BPF_PROG_TYPE_NETFILTER = 32, +/\* since' <<<"$out")" -a -z "$(grep -F 'offset' <<<"$out")"
out=$(ks --store "$S" report func:vfs_read)
check "report of a func: places of the parameters" grep -qE '^    size_t count; +/\* position 3; since ' <<<"$out"
ks --store "$S" site "$T/site" --kind struct,enum,func >/dev/null 2>&1; rc=$?
check "site --kind: exit 0" test $rc -eq 0
check "site: a page per func and an index of funcs" test -f "$T/site/func/vfs_read.html" -a -f "$T/site/func.html" -a -f "$T/site/enum.html"
check "site: the struct index links the kinds' indexes" grep -qF 'href="func.html"' "$T/site/index.html"
check "site: no tracepoint pages when not asked" test ! -e "$T/site/tracepoint"
check "site: search names other kinds with their prefix" grep -qF '"func:vfs_read"' "$T/site/search.js"

# ---- function symbols ----
# A symbol table (here a kallsyms file for the running kernel's release)
# gives each func its forms; without one they are not recorded.
printf '%s\n' '0000000000000000 T vfs_read' '0000000000000000 t ksys_read.isra.0' \
	'0000000000000000 t ksys_read.cold' '0000000000000000 T vfs_write [somemod]' > "$T/kallsyms"
RUN=$(uname -r)
KSTRUCT_KALLSYMS=$T/kallsyms ks --store "$T/sym" import "$T/$NEW.btf" --release "$RUN" >/dev/null 2>&1
check "symbols: a func with its own symbol" grep -qF '; symbols vfs_read */' <<<"$(ks --store "$T/sym" show func:vfs_read --format json | json 'd["text"]')"
same "symbols: the forms of a func the compiler cloned" \
	"$(ks --store "$T/sym" show func:ksys_read --format json | json 'd["symbols"]')" "['ksys_read.cold', 'ksys_read.isra.0']"
same "symbols: a func without a callable symbol (a module's symbol does not count)" \
	"$(ks --store "$T/sym" show func:vfs_write --format json | json 'd["symbols"]')" "[]"
check "symbols: the header says so" grep -q '; no callable symbol \*/$' <<<"$(ks --store "$T/sym" show func:vfs_write | head -1)"
check "symbols: not recorded without a table" test "$(ks --store "$S" show func:vfs_write --format json | json '"symbols" in d')" = False

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
