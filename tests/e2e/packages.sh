#!/usr/bin/env bash
# End-to-end: kernels in the shapes people have them. A real Debian kernel
# package fetched with `apt-get download` is imported as the .deb and as
# the /boot/vmlinuz inside it; both must give the very release commit that
# the same kernel's raw BTF (tests/data) gives. A btfhub-style .btf.tar.xz
# is built here from a real kernel. Damaged archives and images fail with
# one line and leave the store byte-identical.
set -u

KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
CACHE=${KS_DEB_CACHE:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

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
check "btfhub .btf.tar.xz: release from the member's name" grep -q "^$REL x86_64/generic: imported" <<<"$out"
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
		test $rc -eq 0 -a -n "$(grep "^$REL x86_64/generic: imported" <<<"$out")"
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
			test $rc -eq 0 -a -n "$(grep "^$REL x86_64/generic: imported" <<<"$out")"
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
		test $rc -eq 0 -a -n "$(grep "^6.1.0-47-cloud-amd64 x86_64/cloud: imported" <<<"$out")"
	check "cloud .deb: the same commit as BTF extracted with lz4 and objcopy" \
		test "$(commit_of "$T/c-deb" 6.1.0-47-cloud-amd64)" = "$(commit_of "$T/c-raw" 6.1.0-47-cloud-amd64)"
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
