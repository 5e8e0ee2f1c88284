#!/usr/bin/env bash
# End-to-end tests of the kept steps of long histories (history/ks_steps.c):
# log and blame read them instead of parsing every version, and must say
# exactly what they say without them. One lineage alternates the two real
# kernels of tests/data (6.0.0 = 6.12.117, 6.1.0 = 6.1.0-47, 6.2.0 =
# 6.12.117, ...: every struct that differs between them changes back and
# forth, the ones 6.1 lacks go absent and come back), then 12 synthetic
# releases (bench/synth_release.py: members renamed, retyped, added).
# KSTRUCT_STEPS_MIN=1 keeps the steps of every name, and a sample of
# names (log, blame, blame of fields, text and JSON) is compared with a
# copy of the store without the steps file. Also: the answers do come
# from the steps (a step edited in the file shows), a damaged or foreign
# file is ignored, readers never write one, and gc keeps it current.
set -u

. "$(dirname "$0")/lib.sh"
S=$T/store
SYNTH=$(dirname "$0")/../../bench/synth_release.py
ks() { "$KSTRUCT" --store "$1" "${@:2}"; }
imp() { ks "$S" import "$1" --release "$2" --distro debian --arch x86_64 --flavor generic >/dev/null; }
STEPS=kstruct-history/steps

export KSTRUCT_STEPS_MIN=1
# gc by hand, to see what it keeps
export KSTRUCT_AUTO_GC=0
ok=1
for i in 0 1 2 3 4; do
	if [ $((i % 2)) = 0 ]; then f=$T/$NEW.btf; else f=$T/$OLD.btf; fi
	imp "$f" "6.$i.0-1-amd64" || ok=0
done
mkdir -p "$T/syn"
python3 "$SYNTH" "$T/$NEW.btf" "$T/syn/s{seed:02d}.btf" --seed 7 --count 12 --changes 3 \
	--focus task_struct --focus sk_buff --focus bpf_mem_alloc --quiet || ok=0
for f in "$T"/syn/*.btf; do
	n=$(basename "$f" .btf)
	imp "$f" "6.5.${n#s}-1-amd64" || ok=0
done
check "the store is built (17 releases)" test "$ok" = 1
out=$(ks "$S" gc)
check "gc keeps the steps" grep -q '^kept [0-9]* new steps of long histories$' <<<"$out"
nsteps=$(sed -n 's/^kept \([0-9]*\) new steps.*/\1/p' <<<"$out")
echo "# $nsteps steps kept"
check "thousands of steps (every struct that differs between the kernels)" \
	test "${nsteps:-0}" -ge 1000
check "the steps file is there" test -s "$S/$STEPS"

cp -a "$S" "$T/plain"
rm "$T/plain/$STEPS"

# the sample: every 60th struct or union of the newest release (log,
# blame, two fields), and in every form the names the synthetic releases
# change
tag=$(git -C "$S" tag | grep '/6.5.12-1-amd64$')
members() { # the first N named members of the newest definition of $1
	ks "$S" blame "$1" --format json 2>/dev/null |
		py 'import json,sys; print(" ".join([m["name"] for m in json.load(sys.stdin)["members"] if m["name"]][:int(sys.argv[1])]))' "$2"
}
queries=()
for n in $(git -C "$S" ls-tree -r --name-only "$tag" struct union | awk -F/ 'NR % 60 == 1 { print $4 }'); do
	queries+=("log $n" "blame $n")
	for m in $(members "$n" 2); do
		queries+=("blame $n.$m")
	done
done
for n in task_struct sk_buff bpf_mem_alloc sock; do
	queries+=("log $n" "log $n --format json" "log $n --layout" "log $n --no-renames"
		  "blame $n" "blame $n --format json" "blame $n --no-renames")
	for m in $(members "$n" 12); do
		queries+=("blame $n.$m" "blame $n.$m --format json" "blame $n.$m --no-renames")
	done
done
queries+=("blame task_struct.pid" "blame bpf_mem_alloc.objcg" "blame sk_buff.nosuch"
	  "blame task_struct.se.vruntime" "blame task_struct.se.sum_exec_runtime --format json"
	  "blame sock.__sk_common.skc_daddr" "blame sock.__sk_common.skc_family --no-renames"
	  "blame task_struct.se.nosuch" "blame task_struct.pid.deeper")
differ=0
for q in "${queries[@]}"; do
	# shellcheck disable=SC2086 # a query is words
	a=$(ks "$S" $q 2>&1; echo "rc=$?")
	# shellcheck disable=SC2086
	b=$(ks "$T/plain" $q 2>&1; echo "rc=$?")
	if [ "$a" != "$b" ]; then
		differ=$((differ + 1))
		[ "$differ" -le 3 ] && { echo "# differs: $q"; diff <(echo "$b") <(echo "$a") | head -6; }
	fi
done
echo "# ${#queries[@]} queries compared"
check "kept and computed answers are the same (${#queries[@]} queries)" test "$differ" = 0
check "readers write no steps file" test ! -e "$T/plain/$STEPS"

# the answers come from the steps: a decl edited in the file shows
cp -a "$S" "$T/edited"
py 'import sys
p = sys.argv[1]
b = open(p, "rb").read()
old = b"struct obj_cgroup *objcg"
assert old in b
open(p, "wb").write(b.replace(old, b"struct obj_cgroup *objcX"))' "$T/edited/$STEPS"
check "log reads the kept steps" grep -q 'objcX' <<<"$(ks "$T/edited" log bpf_mem_alloc)"
check "blame reads the kept steps" grep -q 'objcX' <<<"$(ks "$T/edited" blame bpf_mem_alloc.objcg)"

# a damaged file, one of another diff version, random bytes: ignored
want=$(ks "$T/plain" log task_struct; ks "$T/plain" blame task_struct.pid)
for how in cut version random; do
	cp -a "$S" "$T/bad-$how"
	f=$T/bad-$how/$STEPS
	case $how in
	cut) head -c $(($(stat -c %s "$f") / 2)) "$S/$STEPS" >"$f" ;;
	version) printf '\x63' | dd of="$f" bs=1 seek=8 conv=notrunc status=none ;;
	random) head -c 100000 /dev/urandom >"$f" ;;
	esac
	got=$(ks "$T/bad-$how" log task_struct; ks "$T/bad-$how" blame task_struct.pid)
	same "a steps file $how is ignored" "$got" "$want"
done
# records that point out of themselves: each record's offsets are checked
cp -a "$S" "$T/scrambled"
py 'import sys, random
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
n = int.from_bytes(b[12:16], "little")
start = 20 + n * 44
rnd = random.Random(3)
for _ in range(2000):
    i = rnd.randrange(start, len(b))
    b[i] = rnd.randrange(256)
open(p, "wb").write(b)' "$T/scrambled/$STEPS"
for q in "log task_struct" "blame task_struct" "blame task_struct.pid" "log sk_buff --format json"; do
	# shellcheck disable=SC2086
	ks "$T/scrambled" $q >/dev/null 2>&1
	rc=$?
	check "scrambled records: $q does not crash (rc $rc)" test "$rc" -le 1
done

# gc brings the file up to a new release, and a second gc has nothing to add
imp "$T/$OLD.btf" 6.6.0-1-amd64
out=$(ks "$S" gc)
check "a new release adds its steps" grep -q '^kept [0-9]* new steps' <<<"$out"
out=$(ks "$S" gc)
check "a second gc adds none" test -z "$(grep 'new steps' <<<"$out")"
finish steps
