#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for kstruct, builds it, imports real
# kernels (this machine's running kernel and the two Debian kernels in
# tests/data) and shows what the store holds.
#   ./quickstart.sh             everything
#   ./quickstart.sh --deps      only install the Debian packages (CI uses this)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake pkg-config git xz-utils python3
	libgit2-dev libbpf-dev libelf-dev zlib1g-dev libdeflate-dev libssl-dev libcmocka-dev
	libarchive-dev dwarves openssh-server openssh-client lz4 binutils bpftool
	clang libclang-rt-14-dev valgrind chromium chromium-driver fonts-noto-color-emoji openssl)

sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
missing=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
	awk '$4 != "installed" {print $1}'; for p in "${PACKAGES[@]}"; do
	dpkg-query -W "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	sudo_ apt-get update -qq
	sudo_ apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
fi
[ "${1:-}" = --deps ] && exit 0

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
K=./build/kstruct
STORE=build/demo-store
rm -rf "$STORE"
mkdir -p build/kernels
for k in tests/data/*.btf.xz; do
	xz -dc "$k" > "build/kernels/$(basename "$k" .xz)"
done
inputs=(build/kernels/*.btf)
if [ -r /sys/kernel/btf/vmlinux ]; then
	inputs+=(/sys/kernel/btf/vmlinux)
else
	echo "(no /sys/kernel/btf/vmlinux on this machine: importing the sample kernels only)"
fi
set -x
$K --store "$STORE" import "${inputs[@]}"
$K --store "$STORE" releases
$K --store "$STORE" show bpf_mem_alloc
$K --store "$STORE" log bpf_mem_alloc
$K --store "$STORE" blame bpf_mem_alloc
$K --store "$STORE" blame bpf_mem_alloc.objcg
$K --store "$STORE" status bpf_mem_alloc
$K --store "$STORE" site build/demo-site
