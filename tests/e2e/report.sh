#!/usr/bin/env bash
# End-to-end tests of config, status and report on real kernels
# (tests/data: a 6.1 and a 6.12 Debian kernel), imported under names that
# make exact scenarios:
#   x86_64/generic (regular): 6.1.0-47 (6.1), 6.12.117 and 6.12.118 (6.12)
#   x86_64/cloud:   6.1.0-47-cloud (6.1), 6.12.117-cloud (6.12): the same
#   aarch64/generic: 6.1.0-47-arm64 (the 6.12 kernel: aa_ruleset appears
#                   there, absent in regular 6.1.0-47) and 6.12.117-arm64
#                   (the 6.1 kernel: bpf_mem_alloc lacks objcg, ...)
# The markdown page is parsed (report_parse.py) next to the DepSurf page it
# imitates (../shared/reference, when there) and must have its structure.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
REF=${KS_REFERENCE:-$(dirname "$0")/../../../shared/reference}/depsurf-struct-bpf_mem_alloc.md
PARSE=$(dirname "$0")/report_parse.py
ks() { "$KSTRUCT" --store "$S" "$@"; }
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
S=$T/store
imp() { ks import "$T/$1.btf" --release "$2" "${@:3}" >/dev/null 2>&1 || { echo "cannot import $2"; exit 1; }; }
imp $OLD 6.1.0-47-generic-amd64
imp $NEW 6.12.117-generic-amd64
imp $NEW 6.12.118-generic-amd64
imp $OLD 6.1.0-47-cloud-amd64
imp $NEW 6.12.117-cloud-amd64
imp $NEW 6.1.0-47-arm64 --arch aarch64
imp $OLD 6.12.117-generic-arm64 --arch aarch64

# the distro is what detection says of these kernels: read it
DIST=$(ks releases --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["distro"])')
export DIST
check "one distro for the test's kernels" test "$(ks releases --format json | python3 -c \
	'import json,sys; print(len({r["distro"] for r in json.load(sys.stdin)}))')" = 1

# ---- config ----
same "config: regular is x86_64/generic by default" "$(ks config)" "regular $DIST/x86_64/generic"
same "config regular: the value" "$(ks config regular)" "$DIST/x86_64/generic"
out=$(ks config regular 'bad lineage' 2>&1); rc=$?
check "config: a bad lineage is refused (exit 2, one line)" test $rc = 2 -a "$(wc -l <<<"$out")" = 1
out=$(ks config colour blue 2>&1); rc=$?
check "config: an unknown setting is a usage error" test $rc = 2
check "config: ... naming it" grep -q "unknown setting 'colour'" <<<"$out"

# ---- status: text ----
out=$(ks status bpf_mem_alloc); rc=$?
check "status exits 0" test $rc = 0
same "status: header" "$(head -1 <<<"$out")" "struct bpf_mem_alloc"
for r in 6.1.0-47-generic-amd64 6.12.117-generic-amd64 6.12.118-generic-amd64; do
	check "status: regular $r present" grep -qE "^  $r +✅ present$" <<<"$out"
done
check "status: cloud 6.1 same as regular 6.1" grep -qE "^  6.1.0-47-cloud-amd64 +✅ same as 6.1.0-47-generic-amd64$" <<<"$out"
check "status: cloud 6.12 same as regular 6.12.117" grep -qE "^  6.12.117-cloud-amd64 +✅ same as 6.12.117-generic-amd64$" <<<"$out"
check "status: arm64 6.12.117 differs from regular 6.12.117" \
	grep -qE "^  6.12.117-generic-arm64 +⚠️  differs from 6.12.117-generic-amd64$" <<<"$out"
for f in "struct obj_cgroup *objcg" "bool percpu" "void (*dtor_ctx_free)(void *)" "void *dtor_ctx"; do
	check "status: arm64 lacks $f" has "      - $f" "$out"
done
out=$(ks status aa_ruleset)
check "status: aa_ruleset absent in regular 6.1.0-47" grep -qE "^  6.1.0-47-generic-amd64 +⚠️  absent$" <<<"$out"
check "status: ... present in arm64 6.1.0-47: said so" \
	grep -qE "^  6.1.0-47-arm64 +⚠️  present, absent in 6.1.0-47-generic-amd64$" <<<"$out"
check "status: ... absent in arm64 6.12.117" grep -qE "^  6.12.117-generic-arm64 +⚠️  absent$" <<<"$out"

# ---- status: JSON ----
ks status bpf_mem_alloc --format json > "$T/st.json"
check "status json: the issue's schema and values" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
d = json.load(open(sys.argv[1]))
assert d["name"] == "bpf_mem_alloc"
assert [(r["release"], r["present"]) for r in d["regular"]] == [
    ("6.1.0-47-generic-amd64", True), ("6.12.117-generic-amd64", True),
    ("6.12.118-generic-amd64", True)], d["regular"]
got = {(l["lineage"], l["release"]): (l["compared_with"], l["status"]) for l in d["lineages"]}
assert got == {
    (L("aarch64/generic"), "6.1.0-47-arm64"): ("6.1.0-47-generic-amd64", "differs"),
    (L("aarch64/generic"), "6.12.117-generic-arm64"): ("6.12.117-generic-amd64", "differs"),
    (L("x86_64/cloud"), "6.1.0-47-cloud-amd64"): ("6.1.0-47-generic-amd64", "same"),
    (L("x86_64/cloud"), "6.12.117-cloud-amd64"): ("6.12.117-generic-amd64", "same"),
}, got
arm = [l for l in d["lineages"] if l["release"] == "6.12.117-generic-arm64"][0]
removed = sorted(c["field"] for c in arm["changes"] if c["kind"] == "field_removed")
assert removed == ["dtor_ctx", "dtor_ctx_free", "objcg", "percpu"], removed
assert any(c["kind"] == "size_changed" and (c["old_size"], c["new_size"]) == (80, 48)
           for c in arm["changes"]), arm["changes"]
same = [l for l in d["lineages"] if l["status"] == "same"]
assert all(l["changes"] == [] for l in same)
' "$T/st.json"

# ---- report: markdown ----
ks report bpf_mem_alloc > "$T/r.md"; rc=$?
check "report exits 0" test $rc = 0
python3 "$PARSE" "$T/r.md" > "$T/r.json"
check "report: title, Status then Differences" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
d = json.load(open(sys.argv[1]))
assert d["title"] == {"kind": "Struct", "name": "bpf_mem_alloc"}, d["title"]
assert list(d["sections"]) == ["Status", "Differences"], list(d["sections"])
assert [g["group"] for g in d["sections"]["Status"]] == ["Regular", "Arch", "Flavor"]
assert [g["group"] for g in d["sections"]["Differences"]] == ["Regular", L("aarch64/generic"), L("x86_64/cloud")]
' "$T/r.json"
check "report: every regular release, with its definition" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
d = json.load(open(sys.argv[1]))
reg = d["sections"]["Status"][0]["entries"]
assert [(e["where"], e["state"]) for e in reg] == [(["6.1.0-47-generic-amd64"], "present"),
    (["6.12.117-generic-amd64"], "present"), (["6.12.118-generic-amd64"], "present")], reg
assert all(e["definition"].startswith("struct bpf_mem_alloc {") for e in reg)
' "$T/r.json"
# the newest definition against show --format json: members, offsets, sizes
ks show bpf_mem_alloc@6.12.118-generic-amd64 --format json > "$T/show.json"
check "report: members, offsets and sizes as show reads them" py '
import json, re, sys
d = json.load(open(sys.argv[1])); show = json.load(open(sys.argv[2]))
text = d["sections"]["Status"][0]["entries"][2]["definition"]
rows = re.findall(r"^    (.*);\s+/\* offset (\d+)(?::(\d+))?, size (\d+); since (\S+) \*/$", text, re.M)
assert [(r[0], int(r[1]) * 8 + int(r[2] or 0), int(r[3]) * 8) for r in rows] == \
    [(m["decl"], m["offset_bits"], m["size_bits"]) for m in show["members"]], rows
assert text.splitlines()[-1] == "};  /* size %d */" % show["size"]
' "$T/r.json" "$T/show.json"
check "report: blame of each member (since which release)" py '
import json, re, sys
d = json.load(open(sys.argv[1]))
text = d["sections"]["Status"][0]["entries"][2]["definition"]
since = dict(re.findall(r"^    .*?(\w+)(?:\)\(.*\))?;.*since (\S+) \*/$", text, re.M))
assert since["caches"] == "6.1.0-47-generic-amd64", since
assert since["objcg"] == "6.12.117-generic-amd64", since
assert since["dtor_ctx"] == "6.12.117-generic-amd64", since
' "$T/r.json"
check "report: arch and flavor entries" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
d = json.load(open(sys.argv[1]))
st = {g["group"]: [(e["where"], e["state"]) for e in g["entries"]] for g in d["sections"]["Status"]}
assert st["Arch"] == [([L("aarch64/generic"), "6.1.0-47-arm64"], "differs"),
                      ([L("aarch64/generic"), "6.12.117-generic-arm64"], "differs")], st["Arch"]
assert st["Flavor"] == [([L("x86_64/cloud"), "6.1.0-47-cloud-amd64"], "same"),
                        ([L("x86_64/cloud"), "6.12.117-cloud-amd64"], "same")], st["Flavor"]
' "$T/r.json"
check "report: differences of consecutive regular releases" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
d = json.load(open(sys.argv[1]))
reg = d["sections"]["Differences"][0]["entries"]
assert [(e["kind"], e["from"], e["to"]) for e in reg] == [
    ("Changed", "6.1.0-47-generic-amd64", "6.12.117-generic-amd64"),
    ("No changes", "6.12.117-generic-amd64", "6.12.118-generic-amd64")], reg
ch = reg[0]["changes"]
assert ["Field added.", "struct obj_cgroup *objcg"] in ch, ch
assert ["Field added.", "bool percpu"] in ch, ch
assert ["Size changed (layout).", "48"] in ch, ch
' "$T/r.json"
if [ -r "$REF" ]; then
	python3 "$PARSE" "$REF" > "$T/ref.json"
	check "report: the DepSurf page's structure (headings, groups, entry shapes)" py '
import json, os, sys
L = lambda s: os.environ["DIST"] + "/" + s
ref, ours = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert ref["title"]["name"] == ours["title"]["name"] == "bpf_mem_alloc"
assert list(ref["sections"]) == list(ours["sections"]), (list(ref["sections"]), list(ours["sections"]))
for sec in ref["sections"]:
    rg = [g["group"] for g in ref["sections"][sec]]
    og = [g["group"] for g in ours["sections"][sec]]
    assert all(g in og for g in rg if g in ("Regular", "Arch", "Flavor") and (sec == "Status" or g == "Regular")), (sec, rg, og)
    for g in ref["sections"][sec]:
        for e in g["entries"]:
            keys = sorted(e)
            mine = [x for og_ in ours["sections"][sec] for x in og_["entries"]]
            assert any(sorted(x) == keys for x in mine), (sec, keys)
# the reference states and change labels all occur in ours
states = {e["state"] for g in ref["sections"]["Status"] for e in g["entries"]}
assert states <= {e["state"] for g in ours["sections"]["Status"] for e in g["entries"]} | {"absent"}
labels = {c[0] for g in ref["sections"]["Differences"] for e in g["entries"] for c in e["changes"]}
assert labels <= {c[0] for g in ours["sections"]["Differences"] for e in g["entries"] for c in e["changes"]}, labels
' "$T/ref.json" "$T/r.json"
else
	echo "skip the comparison with the DepSurf page: no $REF (../shared is not part of a clone)"
fi

# ---- report: HTML ----
ks report bpf_mem_alloc --format html > "$T/r.html"; rc=$?
check "report --format html exits 0" test $rc = 0
check "report html: a well-formed page with the markdown's entries" py '
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.stack = []; s.count = {}; s.bad = []
    def handle_starttag(s, t, a):
        s.count[t] = s.count.get(t, 0) + 1
        if t not in ("meta",): s.stack.append(t)
    def handle_endtag(s, t):
        if not s.stack or s.stack.pop() != t: s.bad.append(t)
p = P(); p.feed(open(sys.argv[1]).read())
assert not p.bad and not p.stack, (p.bad, p.stack)
md = open(sys.argv[2]).read()
assert p.count["details"] == md.count("<details>"), (p.count["details"], md.count("<details>"))
assert p.count["h1"] == 1 and p.count["h2"] == 2 and p.count["pre"] == md.count("```c")
' "$T/r.html" "$T/r.md"

# ---- another regular lineage ----
ks config regular aarch64/generic
out=$(ks status bpf_mem_alloc)
check "config regular aarch64/generic: status compares with it" \
	grep -qE "^  6.12.117-generic-amd64 +⚠️  differs from 6.12.117-generic-arm64$" <<<"$out"
check "... and it is the default lineage of log" grep -qF "($DIST/aarch64/generic)" <<<"$(ks log bpf_mem_alloc)"
ks config regular x86_64/generic

# ---- bad input ----
sum=$(store_sum "$S")
for cmd in status report; do
	out=$(ks $cmd no_such_struct 2>&1); rc=$?
	check "$cmd: unknown struct: exit 1, one line" test $rc = 1 -a "$(wc -l <<<"$out")" = 1
	out=$(ks $cmd bpf_mem_aloc 2>&1)
	check "$cmd: a misspelt struct: suggests the name" grep -q "did you mean bpf_mem_alloc" <<<"$out"
	out=$(ks $cmd 2>&1); rc=$?
	check "$cmd: no name: usage error" test $rc = 2
	out=$("$KSTRUCT" --store "$T/none" $cmd bpf_mem_alloc 2>&1); rc=$?
	check "$cmd: missing store: exit 1, one line" test $rc = 1 -a "$(wc -l <<<"$out")" = 1
done
out=$(ks report bpf_mem_alloc --format pdf 2>&1); rc=$?
check "report: unknown format: usage error" test $rc = 2
check "status and report never change the store" test "$(store_sum "$S")" = "$sum"
"$KSTRUCT" --store "$T/empty" init >/dev/null
out=$("$KSTRUCT" --store "$T/empty" report bpf_mem_alloc 2>&1); rc=$?
check "report: empty store: exit 1, says so" test $rc = 1 -a -n "$(grep empty <<<"$out")"

finish report
