#!/usr/bin/env bash
# Debian benchmark: every Debian kernel this machine's package archive
# offers, imported into one store; how big is it and how fast are the
# history commands, against pahole on the same BTF?
#
# 1. Lists the kernel image packages (`apt-cache search --names-only
#    '^linux-image-'`, every version `apt-cache madison` gives): every
#    version, architecture and flavor the archive offers (on an amd64
#    Debian 12 machine: amd64 generic, cloud and rt). Meta-packages, -dbg
#    and -signed-template packages are left out. A signed package
#    (linux-image-R) and its -unsigned twin are the same build (the signed
#    one's vmlinuz only carries an appended Secure Boot signature), so one
#    is taken per kernel: the signed one, else the unsigned one.
# 2. For each kernel not in the cache yet: `apt-get download` into a
#    temporary folder, boot/vmlinuz-R out of the .deb (dpkg-deb), its
#    payload decompressed to the ELF vmlinux (x86 bzImage: xz, zstd, lz4
#    or gzip; a raw arm64 Image is scanned for the BTF header instead),
#    the .BTF section cut out (objcopy --dump-section) and stored
#    xz-compressed in the cache as R.btf.xz (with R.source: package and
#    version); then the package is deleted, so at most one package is on
#    disk at a time and a second run downloads nothing. For the first
#    kernel downloaded in a run, kstruct also imports the .deb itself and
#    the commit must be the one of the extracted BTF (a check of the
#    extraction).
# 3. Imports every cached kernel into a fresh store, one `kstruct import
#    --release R --distro debian --arch A` per kernel (lineage
#    debian/ARCH/FLAVOR, flavor from R's suffix), and prints: releases,
#    wall time, time per release, the store's size (du) against the sum
#    of the cached .btf.xz files (and of the raw BTF).
# 4. Times, RUNS times each (median, after an untimed warm-up):
#    kstruct log and kstruct blame of bpf_mem_alloc, task_struct, sk_buff,
#    and blame of task_struct.pid, in the default lineage
#    (debian/x86_64/generic here); and the same questions asked of pahole:
#    `pahole -C NAME` over the raw BTF of every release of that lineage
#    (decompressed to a temporary folder beforehand, so xz is not timed),
#    PAHOLE_RUNS times (median); and the ratios. pahole only prints each
#    release's layout: comparing them is still left to the reader, so the
#    ratio flatters pahole. Also `pahole -C task_struct` over every cached
#    kernel (all lineages), once.
# 5. For comparison, the store's size after `kstruct gc` (one pack), after
#    `git repack -a -d -f` and after `git gc --aggressive`.
#
# Environment:
#   KSTRUCT          kstruct binary (default: build/kstruct in the repository)
#   KS_DEBIAN_CACHE  the cache folder (default ~/.cache/kstruct-bench/debian)
#   KS_DEBIAN_MATCH  only kernels whose package name matches this
#                    extended regex (default: all)
#   NO_DOWNLOAD      if set, download nothing: use the cache as it is
#   RUNS             timed runs per kstruct query (default 7)
#   PAHOLE_RUNS      timed runs per pahole question (default 3)
#   KEEP_STORE       build the store in this folder (which must not exist)
#                    and keep it; default: a temporary folder, removed
#   TMPDIR           where the packages, the raw BTF and the store go
# Needs: apt-get, apt-cache, dpkg-deb, python3, xz (xz-utils), objcopy
# (binutils), pahole (dwarves), zstd and lz4 (payloads), gzip, du, git; the
# missing ones are installed with apt-get (as root, else with sudo),
# saying so. Disk: about 200 MB free in TMPDIR for one package and its
# vmlinux, plus 6 MB of raw BTF per kernel; the cache holds about 1.5 MB
# per kernel. The full Debian 12 archive (57 kernels, 3.8 GB of packages)
# took 9 minutes the first time (downloads 100 s at about 40 MB/s, the
# extraction about 5 s per kernel on 2 cores) and 1 minute after that
# (imports 25 s).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
kstruct=${KSTRUCT:-$repo/build/kstruct}
cache=${KS_DEBIAN_CACHE:-$HOME/.cache/kstruct-bench/debian}
match=${KS_DEBIAN_MATCH:-}
runs=${RUNS:-7}
pahole_runs=${PAHOLE_RUNS:-3}

die() { echo "bench/debian.sh: $*" >&2; exit 1; }
say() { echo "bench/debian.sh: $*" >&2; }

[[ -x $kstruct ]] || die "no kstruct binary at $kstruct (build it, or set KSTRUCT)"
kstruct=$(cd "$(dirname "$kstruct")" && pwd)/$(basename "$kstruct")
for v in runs pahole_runs; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a number >= 1 (got '${!v}')"
done

# --- tools ---------------------------------------------------------------

need=()
for pair in apt-get:apt apt-cache:apt dpkg-deb:dpkg python3:python3 xz:xz-utils \
	objcopy:binutils pahole:dwarves zstd:zstd lz4:lz4 gzip:gzip du:coreutils git:git; do
	command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if ((${#need[@]})); then
	command -v apt-get >/dev/null || die "missing: ${need[*]} (and no apt-get to install them)"
	sudo=
	if ((EUID != 0)); then
		command -v sudo >/dev/null || die "missing: ${need[*]}; run as root or install them"
		sudo=sudo
	fi
	say "installing missing packages: ${need[*]}"
	$sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		die "apt-get install ${need[*]} failed"
fi

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ks-bench-debian.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
store=$tmp/store
if [[ -n ${KEEP_STORE:-} ]]; then
	[[ ! -e $KEEP_STORE ]] || die "KEEP_STORE $KEEP_STORE already exists"
	store=$KEEP_STORE
fi
ks() { "$kstruct" --store "$store" "$@"; }
now_ns() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }	# ms T0 T1

# vmlinuz -> raw BTF (argv: VMLINUZ OUT.btf WORKDIR)
cat >"$tmp/btf_of_vmlinuz.py" <<'EOF'
import os, struct, subprocess, sys

src, out, work = sys.argv[1:4]
data = open(src, "rb").read()

def btf_scan(b):
    """A raw BTF blob inside b: little-endian magic 0xEB9F, version 1,
    hdr_len 24; cut at hdr_len + str_off + str_len."""
    pos = 0
    while True:
        pos = b.find(b"\x9f\xeb\x01\x00\x18\x00\x00\x00", pos)
        if pos < 0:
            return None
        _, _, _, hl, toff, tlen, soff, slen = struct.unpack_from("<HBBIIIII", b, pos)
        end = pos + hl + max(toff + tlen, soff + slen)
        if toff + tlen <= soff and end <= len(b) and b[pos + hl + soff] == 0:
            return b[pos:end]
        pos += 1

def from_elf(path):
    o = os.path.join(work, "section.btf")
    r = subprocess.run(["objcopy", "--dump-section", ".BTF=" + o, path], capture_output=True)
    if r.returncode != 0 or not os.path.exists(o):
        sys.exit("no .BTF section in the vmlinux: " + r.stderr.decode(errors="replace").strip())
    return open(o, "rb").read()

DECOMP = [  # magic, tool
    (b"\xfd7zXZ\x00", ["xz", "-dc", "--single-stream"]),
    (b"\x28\xb5\x2f\xfd", ["zstd", "-dcq"]),
    (b"\x02\x21\x4c\x18", ["lz4", "-dcq"]),
    (b"\x1f\x8b", ["gzip", "-dc"]),
]

def decompress(b):
    for magic, tool in DECOMP:
        if b.startswith(magic):
            r = subprocess.run(tool, input=b, capture_output=True)
            # gzip warns of trailing bytes (exit 2) after a complete stream
            if r.returncode == 0 or (tool[0] == "gzip" and r.returncode == 2 and r.stdout):
                return r.stdout, tool[0]
            sys.exit("%s failed: %s" % (tool[0], r.stderr.decode(errors="replace").strip()))
    return None, None

how = None
if data[0x202:0x206] == b"HdrS":            # x86 bzImage
    setup = data[0x1f1] or 4
    poff, plen = struct.unpack_from("<II", data, 0x248)
    start = (setup + 1) * 512 + poff
    payload = data[start:start + plen - 4]   # the last 4 bytes: the size trailer
    vmlinux, tool = decompress(payload)
    if vmlinux is None:
        sys.exit("unknown bzImage payload compression (%s)" % payload[:6].hex())
    how = "bzImage, %s payload" % tool
else:
    vmlinux, tool = decompress(data)         # a compressed Image (vmlinuz.gz ...)
    if vmlinux is None:
        vmlinux, tool = data, None
    how = ("%s-compressed " % tool if tool else "") + "kernel image"
if vmlinux[:4] == b"\x7fELF":
    p = os.path.join(work, "vmlinux")
    open(p, "wb").write(vmlinux)
    btf = from_elf(p)
    os.unlink(p)
    how += ", ELF .BTF section"
else:
    btf = btf_scan(vmlinux)
    if btf is None:
        sys.exit("no BTF in the kernel image")
    how += ", BTF found by scanning"
open(out, "wb").write(btf)
print(how)
EOF

# --- 1. the packages ---------------------------------------------------

deb_arch() { # the kernel's arch (uname -m) for a Debian arch
	case $1 in
	amd64) echo x86_64;; arm64) echo aarch64;; i386) echo i686;; armhf) echo armv7l;;
	armel) echo armv5tel;; ppc64el) echo ppc64le;; s390x) echo s390x;;
	mips64el) echo mips64;; mipsel) echo mips;; riscv64) echo riscv64;; *) echo "$1";;
	esac
}

# kernels.txt: RELEASE PACKAGE VERSION ARCH, one per kernel
list_kernels() {
	apt-cache search --names-only '^linux-image-' |
		grep -v 'meta-package' | awk '{print $1}' |
		grep -Ev -- '-(dbg|signed-template)$' | sort -u >"$tmp/names"
	[[ -s $tmp/names ]] || die "apt-cache knows no linux-image- package (apt-get update?)"
	# every version and arch of each, as madison lists them (a version in
	# two suites is one package)
	xargs -a "$tmp/names" apt-cache madison |
		awk -F'|' '{gsub(/ /, "", $1); gsub(/ /, "", $2); split($3, a, " ");
			print $1, $2, a[length(a) - 1]}' | sort -u >"$tmp/madison"
	python3 - "$tmp/madison" "$match" <<-'EOF' >"$tmp/kernels.txt"
	import re, sys
	rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
	match = sys.argv[2]
	have = {(n, v, a) for n, v, a in rows}
	kernels = {}
	for n, v, a in rows:
	    rel = n[len("linux-image-"):]
	    signed = not rel.endswith("-unsigned")
	    if not signed:
	        rel = rel[: -len("-unsigned")]
	        if ("linux-image-" + rel, v, a) in have:
	            continue      # the signed twin is taken
	    if match and not re.search(match, n):
	        continue
	    key = (rel, a)
	    kernels.setdefault(key, []).append((n, v))
	for (rel, a), pv in sorted(kernels.items()):
	    for i, (n, v) in enumerate(sorted(pv)):
	        # one ABI name in two versions would be two builds under one
	        # release name: the later ones get the version appended
	        name = rel if i == 0 else rel + "-" + re.sub(r"[^A-Za-z0-9.+~-]", "_", v)
	        print(name, n, v, a)
	EOF
}
list_kernels
nkernels=$(wc -l <"$tmp/kernels.txt")
((nkernels > 0)) || die "no kernel package matches${match:+ '$match'}"
nsigned=$(awk '$2 !~ /-unsigned$/' "$tmp/kernels.txt" | wc -l)
echo "== $nkernels kernels in the package archive ($nsigned signed packages," \
	"$((nkernels - nsigned)) unsigned ones without a signed twin)"
awk '{print $4}' "$tmp/kernels.txt" | sort | uniq -c | awk '{printf "   %s: %d\n", $2, $1}'

# --- 2. download and extract what the cache lacks ----------------------

free_mb() { df -Pm "$1" | awk 'NR == 2 {print $4}'; }
echo "== cache $cache (free: $(free_mb "$cache") MB; temporary: $(free_mb "$tmp") MB free)"
downloaded=0 dl_bytes=0 dl_ns=0 ex_ns=0 failed=0 checked=0
while read -r rel pkg ver arch; do
	[[ -f $cache/$rel.btf.xz ]] && continue
	if [[ -n ${NO_DOWNLOAD:-} ]]; then
		say "$rel: not in the cache (NO_DOWNLOAD set: skipped)"
		continue
	fi
	(($(free_mb "$tmp") >= 400)) || die "less than 400 MB free in $tmp"
	(($(free_mb "$cache") >= 50)) || die "less than 50 MB free in $cache"
	d=$tmp/dl
	rm -rf "$d" && mkdir -p "$d"
	t0=$(now_ns)
	if ! (cd "$d" && apt-get download -q -o APT::Sandbox::User="$(id -un)" \
		"$pkg:$arch=$ver" >"$d/../apt.log" 2>&1); then
		say "$rel: apt-get download $pkg=$ver failed: $(tail -1 "$tmp/apt.log")"
		failed=$((failed + 1))
		continue
	fi
	t1=$(now_ns)
	deb=$(ls "$d"/*.deb)
	size=$(stat -c %s "$deb")
	dl_ns=$((dl_ns + t1 - t0)) dl_bytes=$((dl_bytes + size))
	mkdir -p "$d/x"
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d/x" --wildcards './boot/vmlinu*' 2>"$tmp/tar.log"; then
		say "$rel: no boot/vmlinu* in $pkg=$ver: $(head -1 "$tmp/tar.log")"
		failed=$((failed + 1))
		rm -rf "$d"
		continue
	fi
	img=$(ls "$d"/x/boot/vmlinu* | head -1)
	if ! how=$(python3 "$tmp/btf_of_vmlinuz.py" "$img" "$d/raw.btf" "$d" 2>"$tmp/x.log"); then
		say "$rel: cannot extract the BTF of $pkg=$ver: $(tail -1 "$tmp/x.log")"
		failed=$((failed + 1))
		rm -rf "$d"
		continue
	fi
	if ((checked == 0)); then
		# the extraction against kstruct's own reading of the .deb
		"$kstruct" --store "$d/check-deb" import "$deb" >/dev/null 2>&1 ||
			die "$rel: kstruct cannot import $deb"
		"$kstruct" --store "$d/check-raw" import "$d/raw.btf" --release "$rel" \
			--distro debian --arch "$(deb_arch "$arch")" >/dev/null 2>&1 ||
			die "$rel: kstruct cannot import the extracted BTF"
		a=$(git --git-dir="$d/check-deb" for-each-ref --format='%(refname) %(objectname)' refs/tags)
		b=$(git --git-dir="$d/check-raw" for-each-ref --format='%(refname) %(objectname)' refs/tags)
		[[ -n $a && $a == "$b" ]] ||
			die "$rel: the extracted BTF gives another release than the .deb: '$a' / '$b'"
		echo "   check: the extracted BTF and the .deb give the same release commit (${a#* })"
		checked=1
	fi
	xz -9 -c "$d/raw.btf" >"$cache/.$rel.btf.xz.tmp"
	printf '%s %s %s %s\n' "$pkg" "$ver" "$arch" "$how" >"$cache/$rel.source"
	mv "$cache/.$rel.btf.xz.tmp" "$cache/$rel.btf.xz"
	t2=$(now_ns)
	ex_ns=$((ex_ns + t2 - t1))
	downloaded=$((downloaded + 1))
	printf '   %-32s %s=%s: %d MB in %d ms, %s\n' "$rel" "$pkg" "$ver" \
		$((size / 1000000)) "$(ms "$t0" "$t1")" "$how"
	rm -rf "$d"
done <"$tmp/kernels.txt"
if ((downloaded)); then
	echo "   downloaded $downloaded packages, $((dl_bytes / 1000000)) MB in $((dl_ns / 1000000000)) s;" \
		"extraction $((ex_ns / downloaded / 1000000)) ms per kernel"
else
	echo "   nothing to download: every kernel is in the cache"
fi
((failed == 0)) || say "$failed kernels could not be downloaded or extracted (left out)"

# --- 3. import ---------------------------------------------------------

# the kernels that are cached, in kernels.txt order
: >"$tmp/cached"
while read -r rel pkg ver arch; do
	[[ -f $cache/$rel.btf.xz ]] && echo "$rel $arch" >>"$tmp/cached"
done <"$tmp/kernels.txt"
n=$(wc -l <"$tmp/cached")
((n > 0)) || die "no kernel in the cache"
mkdir -p "$tmp/raw"
xz_bytes=0 raw_bytes=0
while read -r rel arch; do
	xz -dc "$cache/$rel.btf.xz" >"$tmp/raw/$rel.btf"
	xz_bytes=$((xz_bytes + $(stat -c %s "$cache/$rel.btf.xz")))
	raw_bytes=$((raw_bytes + $(stat -c %s "$tmp/raw/$rel.btf")))
done <"$tmp/cached"

echo "== import of $n kernels into a fresh store"
t0=$(now_ns)
while read -r rel arch; do
	ks import "$tmp/raw/$rel.btf" --release "$rel" --distro debian \
		--arch "$(deb_arch "$arch")" >/dev/null 2>"$tmp/import.err" ||
		die "import of $rel failed: $(head -2 "$tmp/import.err")"
done <"$tmp/cached"
t1=$(now_ns)
# the roll-ups the imports started run detached: waited for (and timed
# apart), so that the size is that of a settled store
ks gc --auto --quiet
t2=$(now_ns)
store_kb=$(du -sk "$store" | cut -f1)
nrel=$(git --git-dir="$store" for-each-ref refs/tags | wc -l)
((nrel == n)) || die "the store has $nrel releases, not $n"
echo "   releases:          $nrel"
ks releases --format json | python3 -c '
import json, sys, collections
c = collections.Counter(r["lineage"] for r in json.load(sys.stdin))
for l, k in sorted(c.items()):
    print("     %-28s %d" % (l, k))'
echo "   wall time:         $(ms "$t0" "$t1") ms ($((($(ms "$t0" "$t1")) / n)) ms per release)"
echo "   roll-ups after:    $(ms "$t1" "$t2") ms (waited for; the imports did not)"
echo "   store size (du):   $((store_kb / 1024)) MiB ($store_kb KiB)"
echo "   cached BTF (.xz):  $((xz_bytes / 1048576)) MiB ($((xz_bytes / 1024)) KiB)," \
	"store / cache = $(python3 -c "print('%.2f' % ($store_kb * 1024 / $xz_bytes))")"
echo "   raw BTF:           $((raw_bytes / 1048576)) MiB," \
	"store / raw = $(python3 -c "print('%.3f' % ($store_kb * 1024 / $raw_bytes))")"

# --- 4. queries ----------------------------------------------------------

# the default lineage, the one commands use: HEAD's (docs/format.md)
lineage=$(git --git-dir="$store" symbolic-ref HEAD)
lineage=${lineage#refs/heads/}
git --git-dir="$store" for-each-ref --format='%(refname:strip=2)' "refs/tags/$lineage/" |
	sed "s|^$lineage/||" >"$tmp/lineage-releases"
nlin=$(wc -l <"$tmp/lineage-releases")

cat >"$tmp/timer.py" <<'EOF'
# argv: RUNS PAHOLE_RUNS KSTRUCT STORE RAWDIR RELEASES-FILE ALL-FILE
# stdin: one question a line: "log NAME" or "blame NAME[.FIELD]".
# kstruct: one warm-up, then RUNS timed runs, median; pahole: `pahole -C
# STRUCT FILE` for every release of the lineage, one warm-up, then
# PAHOLE_RUNS timed passes, median of the pass times.
import os, statistics, subprocess, sys, time

runs, pruns, ks, store, raw, relfile, allfile = sys.argv[1:8]
runs, pruns = int(runs), int(pruns)
rels = [l.strip() for l in open(relfile) if l.strip()]
allrels = [l.split()[0] for l in open(allfile) if l.strip()]

def once(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("failed: %s: %s" % (" ".join(cmd), r.stderr.decode(errors="replace").strip()))
    return dt, r.stdout

def pahole_pass(struct, files):
    t = time.perf_counter()
    lines = 0
    for f in files:
        r = subprocess.run(["pahole", "-C", struct, f], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        lines += r.stdout.count(b"\n")
    return time.perf_counter() - t, lines

ptimes = {}
print("   %-28s %10s %8s %12s %8s" % ("question", "kstruct", "lines", "pahole", "ratio"))
for q in sys.stdin:
    q = q.split()
    if not q:
        continue
    cmd = [ks, "--store", store] + q
    once(cmd)
    ts = []
    for _ in range(runs):
        dt, out = once(cmd)
        ts.append(dt)
    k = statistics.median(ts) * 1000
    struct = q[1].split(".")[0]
    if struct not in ptimes:
        files = [os.path.join(raw, r + ".btf") for r in rels]
        pahole_pass(struct, files[:1])
        ps = [pahole_pass(struct, files)[0] for _ in range(pruns)]
        ptimes[struct] = statistics.median(ps) * 1000
    p = ptimes[struct]
    print("   %-28s %8.1f ms %8d %9.0f ms %7.0fx" % (" ".join(q), k, out.count(b"\n"), p, p / k))
    sys.stdout.flush()
# every cached kernel, all lineages: pahole -C task_struct, one pass
dt, lines = pahole_pass("task_struct", [os.path.join(raw, r + ".btf") for r in allrels])
print("   pahole -C task_struct over all %d kernels: %.0f ms (%d lines)" % (len(allrels), dt * 1000, lines))
EOF
echo "== queries in $lineage ($nlin releases): kstruct median of $runs runs;" \
	"pahole -C over the lineage's $nlin raw BTF files, median of $pahole_runs passes"
python3 "$tmp/timer.py" "$runs" "$pahole_runs" "$kstruct" "$store" "$tmp/raw" \
	"$tmp/lineage-releases" "$tmp/cached" <<EOF
log bpf_mem_alloc
blame bpf_mem_alloc
log task_struct
blame task_struct
blame task_struct.pid
log sk_buff
blame sk_buff
EOF
echo "   (pahole prints each release's layout; kstruct log/blame also compare them)"

# for comparison: the same store after kstruct's own full gc, and as git
# packs it (the derived files in kstruct-history/ are in all of them)
sizes() { # FOLDER: KiB and the ratio to the settled store
	local kb
	kb=$(du -sk "$1" | cut -f1)
	echo "$((kb / 1024)) MiB ($kb KiB; the settled store is $(python3 -c "print('%.2f' % ($store_kb / $kb))")x this)"
}
for how in kstruct-gc repack aggressive; do
	cp -a "$store" "$tmp/$how"
	t0=$(now_ns)
	case $how in
	kstruct-gc) "$kstruct" --store "$tmp/$how" gc --quiet ;;
	repack) git --git-dir="$tmp/$how" -c pack.threads=2 repack -a -d -f -q ;;
	aggressive) git --git-dir="$tmp/$how" gc --aggressive --prune=now -q ;;
	esac
	t1=$(now_ns)
	case $how in
	kstruct-gc) label="'kstruct gc'" ;;
	repack) label="'git repack -a -d -f'" ;;
	aggressive) label="'git gc --aggressive'" ;;
	esac
	echo "== after $label ($(ms "$t0" "$t1") ms): store $(sizes "$tmp/$how")"
	rm -rf "${tmp:?}/$how"
done
