#!/usr/bin/env bash
# End-to-end: kernels in the shapes people have them. A real Debian kernel
# package fetched with `apt-get download` is imported as the .deb and as
# the /boot/vmlinuz inside it; both must give the very release commit that
# the same kernel's raw BTF (tests/data) gives. An arm64 package, fetched
# with a private arm64 apt state, is imported as the .deb and as the raw
# Image inside it; both must give the commit of the BTF found in the Image
# by scanning (and of the corpus's BTF of that kernel, when ../shared is
# there), and a few of its structs must read as bpftool reads that BTF.
# Without a reachable package archive, package checks are skipped. A
# btfhub-style .btf.tar.xz is built here from a real kernel. Damaged
# archives and images fail with one line and leave the store byte-identical.
set -u

KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
CACHE=${KS_DEB_CACHE:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# writers roll packs up in a detached process: done before a command returns
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}

pass=0
failed=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
ks() { "$KSTRUCT" "$@"; }
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }
commit_of() { # STORE RELEASE -> the release's commit id
	ks --store "$1" releases --format json |
		python3 -c "import json,sys; print([r['commit'] for r in json.load(sys.stdin) if r['release']=='$2'][0])"
}

REL=6.1.0-47-amd64
PKG=linux-image-$REL
xz -dc "$DATA/6.1.0-47-generic-amd64.btf.xz" > "$T/raw.btf"
ks --store "$T/raw" import "$T/raw.btf" --release "$REL" >/dev/null 2>&1
want=$(commit_of "$T/raw" "$REL")

# ---- a btfhub-style archive made here ----
mkdir -p "$T/hub" && cp "$T/raw.btf" "$T/hub/$REL.btf"
tar -C "$T/hub" -cJf "$T/$REL.btf.tar.xz" "$REL.btf"
out=$(ks --store "$T/hub-store" import "$T/$REL.btf.tar.xz" 2>&1)
check "btfhub .btf.tar.xz: release from the member's name" grep -q "^$REL debian/x86_64/generic: imported" <<<"$out"
check "btfhub .btf.tar.xz: the same commit as the raw BTF" test "$(commit_of "$T/hub-store" "$REL")" = "$want"
gzip -c "$T/raw.btf" > "$T/vmlinux.btf.gz"
ks --store "$T/gz-store" import "$T/vmlinux.btf.gz" --release "$REL" >/dev/null 2>&1
check "gzip-compressed BTF: the same commit" test "$(commit_of "$T/gz-store" "$REL")" = "$want"

# ---- a real Debian package ----
deb=""
if [ -n "$CACHE" ] && ls "$CACHE/${PKG}_"*.deb >/dev/null 2>&1; then
	deb=$(ls "$CACHE/${PKG}_"*.deb | head -1)
else
	dir=${CACHE:-$T}
	mkdir -p "$dir"
	if (cd "$dir" && apt-get download "$PKG" >/dev/null 2>&1); then
		deb=$(ls "$dir/${PKG}_"*.deb | head -1)
	fi
fi
if [ -z "$deb" ]; then
	echo "skip Debian package checks: 'apt-get download $PKG' failed (no package archive reachable?)"
else
	out=$(ks --store "$T/deb-store" import "$deb" 2>&1); rc=$?
	check "the .deb imports (release, arch and flavor from the package)" \
		test $rc -eq 0 -a -n "$(grep "^$REL debian/x86_64/generic: imported" <<<"$out")"
	check ".deb: the same commit as the raw BTF" test "$(commit_of "$T/deb-store" "$REL")" = "$want"
	dpkg-deb -x "$deb" "$T/pkg"
	vmlinuz=$(ls "$T/pkg/boot/vmlinuz-"*)
	out=$(ks --store "$T/vmlinuz-store" import "$vmlinuz" 2>&1); rc=$?
	check "the vmlinuz inside (bzImage, xz) imports" test $rc -eq 0
	check "vmlinuz: the same commit as the raw BTF" test "$(commit_of "$T/vmlinuz-store" "$REL")" = "$want"
	check "vmlinuz: release from its Linux version banner" grep -q "^$REL " <<<"$out"

	# a module of the package: split BTF over the vmlinuz it came with
	mod=$(find "$T/pkg/lib/modules" -name nf_conntrack.ko | head -1)
	if [ -n "$mod" ]; then
		out=$(ks --store "$T/mod-store" import "$mod" --base "$vmlinuz" 2>&1); rc=$?
		check "a module imports over its vmlinuz (release from vermagic)" \
			test $rc -eq 0 -a -n "$(grep "^$REL debian/x86_64/generic: imported" <<<"$out")"
		check "the module's own types are in the snapshot" \
			grep -q "struct nf_conn {" < <(ks --store "$T/mod-store" show nf_conn)
		check "and the vmlinux's too" grep -q "struct task_struct {" \
			< <(ks --store "$T/mod-store" show task_struct)
		xz -c "$mod" > "$T/nf_conntrack.ko.xz"
		ks --store "$T/modxz-store" import "$T/nf_conntrack.ko.xz" --base "$vmlinuz" >/dev/null 2>&1
		check "a compressed module (.ko.xz) gives the same commit" \
			test "$(commit_of "$T/modxz-store" "$REL")" = "$(commit_of "$T/mod-store" "$REL")"
		out=$(ks --store "$T/x" import "$mod" 2>&1); rc=$?
		check "a module without --base says to name it" \
			test $rc -ne 0 -a -n "$(grep -- "--base" <<<"$out")" -a ! -e "$T/x"
	else
		bad "no nf_conntrack.ko in $PKG"
	fi

	# damaged packages and images
	S=$T/deb-store
	bad_input() { # NAME FILE
		local before after out rc
		before=$(store_sum "$S")
		out=$(ks --store "$S" import "$2" --release 9.9.9 2>&1); rc=$?
		after=$(store_sum "$S")
		if [ $rc -ne 0 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qF "$2" <<<"$out" &&
		   [ "$before" = "$after" ]; then
			ok "bad input: $1 ($out)"
		else
			bad "bad input: $1 (rc=$rc, out=$out)"
		fi
	}
	head -c 5000000 "$deb" > "$T/truncated.deb"
	bad_input "truncated .deb" "$T/truncated.deb"
	head -c 3000000 "$vmlinuz" > "$T/vmlinuz-truncated"
	bad_input "truncated vmlinuz" "$T/vmlinuz-truncated"
	python3 - "$vmlinuz" "$T/vmlinuz-garbled" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
# the compressed payload starts after the setup sectors; spoil its middle
mid = len(b) // 2
b[mid:mid + 4096] = bytes(4096)
open(sys.argv[2], 'wb').write(b)
EOF
	bad_input "vmlinuz with a spoilt payload" "$T/vmlinuz-garbled"
fi
# ---- the cloud kernel: an lz4 (legacy format) bzImage, against lz4(1) ----
CPKG=linux-image-6.1.0-47-cloud-amd64
cdeb=""
if [ -n "$CACHE" ] && ls "$CACHE/${CPKG}_"*.deb >/dev/null 2>&1; then
	cdeb=$(ls "$CACHE/${CPKG}_"*.deb | head -1)
elif (cd "${CACHE:-$T}" && apt-get download "$CPKG" >/dev/null 2>&1); then
	cdeb=$(ls "${CACHE:-$T}/${CPKG}_"*.deb | head -1)
fi
if [ -z "$cdeb" ] || ! command -v lz4 >/dev/null || ! command -v objcopy >/dev/null; then
	echo "skip the cloud package: no package, lz4 or objcopy"
else
	mkdir -p "$T/cpkg"
	dpkg-deb -x "$cdeb" "$T/cpkg"
	cz=$(ls "$T/cpkg/boot/vmlinuz-"*)
	# by other means: the payload after lz4's legacy magic, lz4 -d, objcopy
	off=$(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$cz" | head -1 | cut -d: -f1)
	tail -c +$((off + 1)) "$cz" | lz4 -dc 2>/dev/null > "$T/cpkg/vmlinux" || true
	objcopy -O binary --only-section=.BTF "$T/cpkg/vmlinux" "$T/cpkg/btf"
	ks --store "$T/c-raw" import "$T/cpkg/btf" --release 6.1.0-47-cloud-amd64 >/dev/null 2>&1
	out=$(ks --store "$T/c-deb" import "$cdeb" 2>&1); rc=$?
	check "the cloud .deb imports into x86_64/cloud" \
		test $rc -eq 0 -a -n "$(grep "^6.1.0-47-cloud-amd64 debian/x86_64/cloud: imported" <<<"$out")"
	check "cloud .deb: the same commit as BTF extracted with lz4 and objcopy" \
		test "$(commit_of "$T/c-deb" 6.1.0-47-cloud-amd64)" = "$(commit_of "$T/c-raw" 6.1.0-47-cloud-amd64)"
fi

# ---- an arm64 package: its raw Image, fetched with a private apt state ----
# The arm64 package index is read into a private apt state below $T; the
# system's apt configuration, lists and hooks are neither used for it nor
# changed. APT_CONFIG is read first and only points apt's main file at ours,
# which is read after apt.conf.d and so can #clear what the parts set
# (foreign architectures, update hooks); sources and proxies stay the
# system's. Sandbox::User root: as root, apt would fetch as _apt, which
# cannot enter $T (mode 0700). The .deb is cached in $KS_DEB_CACHE.
AREL=6.12.117+deb12-arm64
APKG=linux-image-$AREL
adeb=""
if [ -n "$CACHE" ] && ls "$CACHE/${APKG}_"*_arm64.deb >/dev/null 2>&1; then
	adeb=$(ls "$CACHE/${APKG}_"*_arm64.deb | head -1)
else
	A=$T/apt
	mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/dl" && : > "$A/status"
	sys_main=/etc/apt/apt.conf
	eval "$(apt-config shell sys_main Dir::Etc::main/f 2>/dev/null)"
	echo "Dir::Etc::main \"$A/main.conf\";" > "$A/apt.conf"
	{
		[ ! -f "$sys_main" ] || echo "#include \"$sys_main\";"
		cat <<-EOF
		#clear APT::Architectures;
		APT::Architecture "arm64";
		APT::Architectures { "arm64"; };
		#clear APT::Update::Pre-Invoke;
		#clear APT::Update::Post-Invoke;
		#clear APT::Update::Post-Invoke-Success;
		APT::Sandbox::User "root";
		Acquire::Languages "none";
		Dir::State::Lists "$A/lists";
		Dir::State::status "$A/status";
		Dir::Cache "$A/cache";
		EOF
	} > "$A/main.conf"
	apt_() { APT_CONFIG=$A/apt.conf apt-get -q "$@"; }
	# update fails as a whole when any one source does; the download says
	# whether the Debian archive answered
	apt_ update >"$A/update.log" 2>&1
	if (cd "$A/dl" && apt_ download "$APKG:arm64" >"$A/download.log" 2>&1) &&
	   ls "$A/dl/${APKG}_"*_arm64.deb >/dev/null 2>&1; then
		dir=${CACHE:-$T}
		mkdir -p "$dir"
		mv "$A/dl/${APKG}_"*_arm64.deb "$dir/"
		adeb=$(ls "$dir/${APKG}_"*_arm64.deb | head -1)
	else
		why=$(grep -h '^[EW]:' "$A/update.log" "$A/download.log" | head -2 | tr '\n' ' ')
		echo "skip the arm64 package: 'apt-get download $APKG:arm64' with a private arm64 apt state failed: ${why:-no reason given}"
	fi
fi
if [ -n "$adeb" ]; then
	echo "arm64 package: $(basename "$adeb")"
	out=$(ks --store "$T/a-deb" import "$adeb" 2>&1); rc=$?
	check "the arm64 .deb imports into aarch64/generic" \
		test $rc -eq 0 -a -n "$(grep "^$AREL debian/aarch64/generic: imported" <<<"$out")"
	ajson=$(ks --store "$T/a-deb" releases --format json)
	check "arm64 .deb: release, arch and flavor recorded" python3 -c '
import json, sys
r = json.loads(sys.argv[1])
sys.exit(not (len(r) == 1 and r[0]["release"] == sys.argv[2] and r[0]["arch"] == "aarch64"
              and r[0]["flavor"] == "generic"
              and r[0]["lineage"] == r[0]["distro"] + "/aarch64/generic"))' "$ajson" "$AREL"
	acommit=$(commit_of "$T/a-deb" "$AREL")
	echo "arm64 .deb: commit $acommit"

	mkdir -p "$T/apkg"
	dpkg-deb -x "$adeb" "$T/apkg"
	image=$(ls "$T/apkg/boot/vmlinuz-"*)
	out=$(ks --store "$T/a-image" import "$image" 2>&1); rc=$?
	check "the Image inside the arm64 .deb imports (release from its banner)" \
		test $rc -eq 0 -a -n "$(grep "^$AREL debian/aarch64/generic: imported" <<<"$out")"
	check "arm64 Image: the same commit as the .deb" test "$(commit_of "$T/a-image" "$AREL")" = "$acommit"
	gzip -1c "$image" > "$T/Image.gz"
	ks --store "$T/a-imagegz" import "$T/Image.gz" --release "$AREL" >/dev/null 2>&1
	check "arm64 Image.gz (made here): the same commit" test "$(commit_of "$T/a-imagegz" "$AREL")" = "$acommit"

	# by other means: the BTF found in the Image by its header (magic 0xEB9F,
	# version 1, hdr_len 24, types then strings) and cut after its strings
	python3 - "$image" "$T/a.btf" <<'EOF'
import gzip, struct, sys
b = open(sys.argv[1], 'rb').read()
if b[:2] == b'\x1f\x8b':
    b = gzip.decompress(b)
found = []
i = b.find(b'\x9f\xeb\x01\x00\x18\x00\x00\x00')
while i >= 0:
    type_off, type_len, str_off, str_len = struct.unpack_from('<4I', b, i + 8)
    end = i + 24 + str_off + str_len
    if type_off == 0 and str_off == type_len and end <= len(b) and b[i + 24 + str_off] == 0 and b[end - 1] == 0:
        found.append(b[i:end])
    i = b.find(b'\x9f\xeb\x01\x00\x18\x00\x00\x00', i + 1)
if len(found) != 1:
    sys.exit('%d BTF blobs in %s' % (len(found), sys.argv[1]))
open(sys.argv[2], 'wb').write(found[0])
EOF
	check "arm64 Image: kstruct read the very BTF bytes found by scanning" \
		test "$(sha256sum < "$T/a.btf" | cut -d' ' -f1)" = \
		"$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["btf_sha256"])' "$ajson")"
	ks --store "$T/a-scan" import "$T/a.btf" --release "$AREL" >/dev/null 2>&1
	check "arm64: the scanned raw BTF gives the same commit" test "$(commit_of "$T/a-scan" "$AREL")" = "$acommit"
	cblob=${KS_CORPUS:-}/6.12.117-generic-arm64.btf.xz
	if [ -n "${KS_CORPUS:-}" ] && [ -r "$cblob" ]; then
		xz -dc "$cblob" > "$T/a-corpus.btf"
		ks --store "$T/a-corpus" import "$T/a-corpus.btf" --release "$AREL" >/dev/null 2>&1
		check "arm64: the corpus's BTF of this kernel gives the same commit" \
			test "$(commit_of "$T/a-corpus" "$AREL")" = "$acommit"
	else
		echo "skip the arm64 corpus comparison: no ${cblob} (KS_CORPUS=${KS_CORPUS:-unset}; ../shared is not part of a clone)"
	fi

	# a few structs, arm64's own among them, against bpftool's dump of the
	# scanned BTF: size and every member's name, bit offset and bitfield
	# width (structs with no anonymous members, each defined once)
	if command -v bpftool >/dev/null; then
		structs="user_pt_regs cpu_context arch_hw_breakpoint_ctrl bpf_mem_alloc"
		bpftool -j btf dump file "$T/a.btf" | python3 -c '
import json, sys
names = sys.argv[1].split()
json.dump([t for t in json.load(sys.stdin)["types"]
           if t["kind"] == "STRUCT" and t.get("name") in names], sys.stdout)' "$structs" > "$T/a-bpftool.json"
		for st in $structs; do
			ks --store "$T/a-deb" show "$st" --lineage aarch64/generic --format json > "$T/a-$st.json"
			check "arm64 struct $st: layout as bpftool reads the BTF" python3 - "$T/a-bpftool.json" "$T/a-$st.json" "$st" <<'EOF'
import json, sys
types = json.load(open(sys.argv[1]))
b = [t for t in types if t['kind'] == 'STRUCT' and t.get('name') == sys.argv[3]]
k = json.load(open(sys.argv[2]))
want = (b[0]['size'], [(m['name'], m['bits_offset'], m.get('bitfield_size', 0)) for m in b[0]['members']]) if len(b) == 1 else None
got = (k['size'], [(m['name'], m['offset_bits'], m['bitfield_size']) for m in k['members']])
if k['variants'] != 1 or got != want or not got[1]:
    sys.exit('bpftool %s\nkstruct %s' % (want, got))
EOF
		done
	else
		echo "skip the arm64 struct layouts against bpftool: no bpftool (Debian package bpftool)"
	fi

	# a module of the package: aarch64 ELF split BTF over the raw Image
	amod=$(find "$T/apkg/lib/modules" -name 'nf_conntrack.ko*' | head -1)
	if [ -n "$amod" ]; then
		out=$(ks --store "$T/a-mod" import "$amod" --base "$image" 2>&1); rc=$?
		check "an arm64 module ($(basename "$amod")) imports over the Image" \
			test $rc -eq 0 -a -n "$(grep "^$AREL debian/aarch64/generic: imported" <<<"$out")"
		check "and its own types are in the snapshot" grep -q "struct nf_conn {" \
			< <(ks --store "$T/a-mod" show nf_conn --lineage aarch64/generic)
	else
		bad "no nf_conntrack.ko* in $APKG"
	fi

	# damaged Images: one line, exit 1, the store unchanged
	boff=$(LC_ALL=C grep -obUaP '\x9f\xeb\x01\x00\x18\x00\x00\x00' "$image" | head -1 | cut -d: -f1)
	head -c $((boff + 1000000)) "$image" > "$T/Image-truncated"
	python3 - "$image" "$T/Image-garbled" "$boff" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
at = int(sys.argv[3]) + 24 + 100000   # inside the BTF's types
b[at:at + 4096] = bytes(4096)
open(sys.argv[2], 'wb').write(b)
EOF
	for f in Image-truncated Image-garbled; do
		before=$(store_sum "$T/a-deb")
		out=$(ks --store "$T/a-deb" import "$T/$f" --release 9.9.9 2>&1); rc=$?
		check "bad input: $f ($out)" test $rc -eq 1 -a "$(wc -l <<<"$out")" -eq 1 \
			-a -n "$(grep -F "$T/$f" <<<"$out")" -a "$(store_sum "$T/a-deb")" = "$before"
	done
fi

printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate' > "$T/broken.btf.gz"
S=$T/hub-store
before=$(store_sum "$S")
out=$(ks --store "$S" import "$T/broken.btf.gz" --release 9.9.9 2>&1); rc=$?
check "wrong compression: one line, exit 1, store unchanged" \
	test $rc -eq 1 -a "$(wc -l <<<"$out")" -eq 1 -a "$(store_sum "$S")" = "$before"
mkdir -p "$T/nobtf" && echo hello > "$T/nobtf/README"
tar -C "$T/nobtf" -cJf "$T/nobtf.btf.tar.xz" README
out=$(ks --store "$S" import "$T/nobtf.btf.tar.xz" --release 9.9.9 2>&1); rc=$?
check "an archive with no BTF inside: one line, exit 1, store unchanged" \
	test $rc -eq 1 -a "$(wc -l <<<"$out")" -eq 1 -a "$(store_sum "$S")" = "$before"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
