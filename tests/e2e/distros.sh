#!/usr/bin/env bash
# End-to-end tests of distributions as lineages, on real kernels: the two
# Debian kernels of tests/data, the Kylin V10 btfhub-archive file of
# tests/data/btfhub and, when the shared corpus is there ($KS_CORPUS/btfhub),
# its CentOS 8, two more Kylin and a BC-Linux kernel. The btfhub files are
# laid out as btfhub-archive does (<distro>/<version>/<arch>/<release>.btf.tar.xz)
# and imported as one folder. Checked: each distro has its own lineage, in
# its own version order; log stays within one distro; status lines other
# distros up by upstream version and compares with upstream where a store
# has it; --distro overrides detection; a bad --distro changes nothing.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
ks() { "$KSTRUCT" --store "$S" "$@"; }
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
jq_py() { ks "$@" --format json | python3 -c "$PYPROG"; }
S=$T/store
HUB=$T/hub
KY3=4.19.90-52.22.v2207.ky10.aarch64
CORPUS_HUB=${KS_CORPUS:-}/btfhub
KY1=4.19.90-24.4.v2101.ky10.aarch64
KY2=4.19.90-25.41.v2101.ky10.aarch64
EL8=4.18.0-147.5.1.el8_1.aarch64
BCL=4.19.90-2107.6.0.0248.35.oe1.bclinux.x86_64

mkdir -p "$HUB/kylin/v10/arm64"
cp "$DATA/btfhub/$KY3.btf.tar.xz" "$HUB/kylin/v10/arm64/"
full=0
if [ -f "$CORPUS_HUB/$EL8.btf.tar.xz" ] && [ -f "$CORPUS_HUB/$KY1.btf.tar.xz" ] &&
   [ -f "$CORPUS_HUB/$KY2.btf.tar.xz" ] && [ -f "$CORPUS_HUB/$BCL.btf.tar.xz" ]; then
	full=1
	mkdir -p "$HUB/centos/8/arm64" "$HUB/bclinux/21.10/x86_64"
	cp "$CORPUS_HUB/$EL8.btf.tar.xz" "$HUB/centos/8/arm64/"
	cp "$CORPUS_HUB/$KY1.btf.tar.xz" "$CORPUS_HUB/$KY2.btf.tar.xz" "$HUB/kylin/v10/arm64/"
	cp "$CORPUS_HUB/$BCL.btf.tar.xz" "$HUB/bclinux/21.10/x86_64/"
else
	echo "note: no btfhub corpus in '$CORPUS_HUB': CentOS, BC-Linux and two Kylin kernels skipped"
fi

ks init >/dev/null
ks import "$T/$OLD.btf" "$T/$NEW.btf" >/dev/null 2>&1 || { echo "cannot import the Debian kernels"; exit 1; }
out=$(ks import "$HUB" 2>&1); rc=$?
check "import of a btfhub-archive tree exits 0" test $rc = 0
check "... and names no unknown distro" eval '! grep -q "distribution unknown" <<<"$out"'

# ---- lineages ----
PYPROG='
import json, sys
for r in json.load(sys.stdin):
    print(r["lineage"], r["release"], r["upstream"])'
lines=$(jq_py releases)
check "Debian kernels: debian/x86_64/generic" has "debian/x86_64/generic $OLD 6.1.0" "$lines"
check "... both" has "debian/x86_64/generic $NEW 6.12.117" "$lines"
check "Kylin from its btfhub path: kylin/aarch64/generic, upstream 4.19.90" \
	has "kylin/aarch64/generic $KY3 4.19.90" "$lines"
if [ $full = 1 ]; then
	check "CentOS from its btfhub path: centos/aarch64/generic (not rhel, not with Kylin)" \
		has "centos/aarch64/generic $EL8 4.18.0" "$lines"
	check "BC-Linux: bclinux/x86_64/generic (not with Debian)" \
		has "bclinux/x86_64/generic $BCL 4.19.90" "$lines"
	same "Kylin's three, in Kylin's version order" \
		"$(ks releases --lineage kylin | awk 'NF > 1 {print $1}' | tr '\n' ' ')" \
		"$KY1 $KY2 $KY3 "
	same "four lineages, one per distro" "$(ks releases --format json | python3 -c \
		'import json,sys; print(len({r["lineage"] for r in json.load(sys.stdin)}))')" 4
fi

# ---- short lineage names ----
out=$(ks log task_struct --lineage kylin 2>&1); rc=$?
check "log --lineage kylin: exit 0" test $rc = 0
check "... names the full lineage" grep -qF "(kylin/aarch64/generic)" <<<"$out"
check "... shows no Debian release" eval '! grep -qE "6\.1\.0-47|6\.12\.117" <<<"$out"'
if [ $full = 1 ]; then
	check "... and no CentOS one: Kylin's kysec_fop is not a change from 4.18" \
		eval '! grep -q "4\.18\.0" <<<"$out"'
	out=$(ks log task_struct --lineage aarch64 2>&1); rc=$?
	check "--lineage aarch64 names several lineages: exit 2" test $rc = 2
	check "... one line listing them" test "$(wc -l <<<"$out")" = 1
	check "... centos" grep -qF "centos/aarch64/generic" <<<"$out"
	check "... kylin" grep -qF "kylin/aarch64/generic" <<<"$out"
	out=$(ks log task_struct --lineage centos --format json 2>&1)
	same "log --lineage centos: its one release" "$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["lineage"], [r["release"] for r in d["history"]])' "$out")" "centos/aarch64/generic ['$EL8']"
	# a window is by Kylin's order: from 25.41 on is 25.41 and 52.22
	out=$(ks log task_struct --lineage kylin --since "$KY2" --format json)
	same "log --since in Kylin's order" "$(python3 -c '
import json, sys
print(" ".join(r["release"] for r in json.loads(sys.argv[1])["history"]))' "$out")" "$KY2 $KY3"
fi

# ---- status: other distros by upstream version ----
out=$(ks status task_struct); rc=$?
check "status: exit 0" test $rc = 0
check "status: the regular lineage is Debian's (most releases of x86_64/generic)" \
	has "regular: debian/x86_64/generic" "$out"
check "status: Kylin has no upstream lineage to compare with" \
	has "kylin/aarch64/generic  (no upstream/aarch64 lineage to compare with)" "$out"
check "status: Kylin's release with its upstream version" \
	grep -qE "^  $KY3 +upstream 4\.19\.90 +✅ present$" <<<"$out"
check "status: no Kylin release is compared with Debian" \
	eval '! grep -E "ky10" <<<"$out" | grep -q "from 6\."'
if [ $full = 1 ]; then
	check "status: BC-Linux against Debian's x86_64 by upstream version: none at 4.19.90" \
		grep -qE "^  $BCL +upstream 4\.19\.90 +✅ present \(no debian/x86_64/generic release of upstream 4\.19\.90\)$" <<<"$out"
	check "status: CentOS not compared with Kylin" \
		grep -qE "^  $EL8 +upstream 4\.18\.0 +✅ present$" <<<"$out"
fi

# ---- an upstream lineage: other distros are compared with it ----
# The Debian 6.12.117 kernel stands in for a kernel.org build of 6.12.117
# (--distro upstream): Debian's own build of it then has the same
# definitions of what Debian did not patch.
ks import "$T/$NEW.btf" --distro upstream --release 6.12.117 >/dev/null 2>&1
same "--distro upstream: its lineage" "$(ks releases --lineage upstream | awk 'NF > 1 {print $1}')" "6.12.117"
same "an upstream x86_64/generic lineage is the regular one by default" "$(ks config regular)" \
	"upstream/x86_64/generic"
out=$(ks status task_struct)
check "status: Debian compared with upstream" \
	has "debian/x86_64/generic  (against upstream/x86_64/generic, the same upstream version)" "$out"
check "status: Debian 6.12.117 same as upstream 6.12.117" \
	grep -qE "^  $NEW +upstream 6\.12\.117 +✅ same as 6\.12\.117$" <<<"$out"
check "status: Debian 6.1.0-47: no upstream 6.1 to compare with" \
	grep -qE "^  $OLD +upstream 6\.1\.0 +✅ present \(no upstream/x86_64/generic release of upstream 6\.1\.0\)$" <<<"$out"
ks status task_struct --format json > "$T/st.json"
check "status json: upstream, basis and what each release is compared with" py '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["regular_lineage"] == "upstream/x86_64/generic", d["regular_lineage"]
assert d["regular"] == [{"release": "6.12.117", "upstream": "6.12.117", "present": True}], d["regular"]
row = {(l["lineage"], l["release"]): l for l in d["lineages"]}
deb = row[("debian/x86_64/generic", sys.argv[2])]
assert (deb["basis"], deb["compared_lineage"], deb["compared_with"], deb["status"],
        deb["present_in_compared"], deb["upstream"]) == (
        "upstream", "upstream/x86_64/generic", "6.12.117", "same", True, "6.12.117"), deb
old = row[("debian/x86_64/generic", sys.argv[3])]
assert (old["compared_with"], old["status"], old["present_in_compared"]) == (None, "present", None), old
ky = row[("kylin/aarch64/generic", sys.argv[4])]
assert (ky["basis"], ky["compared_lineage"], ky["status"]) == ("none", None, "present"), ky
' "$T/st.json" "$NEW" "$OLD" "$KY3"
# with an upstream 6.1.0 (the 6.1 kernel standing in), Debian's 6.1.0-47
# has a release of its series to be compared with
ks import "$T/$OLD.btf" --distro upstream --release 6.1.0 >/dev/null 2>&1
out=$(ks status bpf_mem_alloc)
check "status: Debian 6.1.0-47 now compared with upstream 6.1.0" \
	grep -qE "^  $OLD +upstream 6\.1\.0 +✅ same as 6\.1\.0$" <<<"$out"
ks config regular debian >/dev/null
out=$(ks status bpf_mem_alloc)
check "config regular debian: upstream is compared with Debian by upstream version" \
	grep -qE "^  6\.12\.117 +upstream 6\.12\.117 +✅ same as $NEW$" <<<"$out"

# ---- --distro ----
sum=$(store_sum "$S")
out=$(ks import "$T/$OLD.btf" --distro 'Bad/Name' --release 6.1.0-99 2>&1); rc=$?
check "import --distro with a bad name: exit 2" test $rc = 2
check "... one line naming it" test "$(wc -l <<<"$out")" = 1 -a -n "$(grep -F "Bad/Name" <<<"$out")"
same "... the store unchanged" "$(store_sum "$S")" "$sum"
if [ $full = 1 ]; then
	# the flat file says only .el8: the RHEL family, unless told
	out=$(ks import "$CORPUS_HUB/$EL8.btf.tar.xz" 2>&1)
	check "a flat .el8 file is rhel" grep -qF "rhel/aarch64/generic" <<<"$out"
	out=$(ks import "$CORPUS_HUB/$EL8.btf.tar.xz" --distro alma 2>&1)
	check "--distro alma overrides" grep -qF "alma/aarch64/generic" <<<"$out"
fi

finish distros
