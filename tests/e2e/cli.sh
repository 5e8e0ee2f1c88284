#!/usr/bin/env bash
# End-to-end tests of the kstruct command line on real kernel BTF
# (tests/data holds two Debian kernels). Each check prints "ok" or
# "FAIL"; the last line counts them.
set -u

KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
T=$(mktemp -d)
trap 'chmod -R u+rwX "$T" 2>/dev/null; rm -rf "$T"' EXIT
export HOME=$T/home XDG_DATA_HOME= KSTRUCT_STORE=
# writers roll packs up in a detached process: done before a command returns
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}
unset KSTRUCT_STORE XDG_DATA_HOME
mkdir -p "$HOME"

pass=0
failed=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # check NAME COMMAND... : passes when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
ks() { "$KSTRUCT" "$@"; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# A digest of every file in a store, to prove a command changed nothing.
store_sum() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }

OLD=6.1.0-47-generic-amd64
NEW=6.12.117-generic-amd64
for k in $OLD $NEW; do
	xz -dc "$DATA/$k.btf.xz" > "$T/$k.btf" || { echo "cannot decompress $k"; exit 1; }
done
S=$T/store

# ---- import, releases, show ----
out=$(ks --store "$S" import "$T/$NEW.btf" "$T/$OLD.btf" 2>&1)
check "import two kernels" test $? -eq 0
check "import reports each release" grep -q "$OLD debian/x86_64/generic: imported" <<<"$out"
check "git fsck --strict is clean" git --git-dir="$S" fsck --strict --no-dangling
rel=$(ks --store "$S" releases --format json)
check "releases lists both in version order" \
	test "$(json '" ".join(r["release"] for r in d)' <<<"$rel")" = "$OLD $NEW"
check "releases counts structs" test "$(json 'd[0]["structs"]' <<<"$rel")" -gt 7000
# the distro is whatever detection says: read the lineage, do not spell it
LIN=$(json 'd[0]["lineage"]' <<<"$rel")
check "the lineage is DISTRO/x86_64/generic" grep -qE '^[a-z0-9][a-z0-9_.-]*/x86_64/generic$' <<<"$LIN"
check "releases JSON has distro and upstream" \
	test "$(json 'd[0]["distro"] + "/" + d[0]["arch"] + "/" + d[0]["flavor"]' <<<"$rel")" = "$LIN" \
	-a -n "$(json 'd[0]["upstream"]' <<<"$rel")"
check "releases text" grep -qxF "$LIN" < <(ks --store "$S" releases)
check "--lineage takes a part that names one" \
	test "$(ks --store "$S" releases --lineage x86_64 --format json | json 'len(d)')" = 2

js=$(ks --store "$S" show "bpf_mem_alloc@$OLD" --format json)
check "show old bpf_mem_alloc members" \
	test "$(json '",".join(m["name"] for m in d["members"])' <<<"$js")" = "caches,cache,work"
js=$(ks --store "$S" show bpf_mem_alloc --format json)
check "show defaults to the newest release" test "$(json 'd["release"]' <<<"$js")" = "$NEW"
check "show newest bpf_mem_alloc has objcg at 16" \
	test "$(json '[m["offset_bits"] for m in d["members"] if m["name"]=="objcg"][0]' <<<"$js")" = 128
check "show size" test "$(json 'd["size"]' <<<"$js")" = 80
check "show decl of a function pointer" \
	test "$(json '[m["decl"] for m in d["members"] if m["name"]=="dtor_ctx_free"][0]' <<<"$js")" = "void (*dtor_ctx_free)(void *)"
js=$(ks --store "$S" show sk_buff --format json)
check "anonymous union members are flattened" \
	test "$(json '[m["offset_bits"] for m in d["members"] if m["name"]=="dev"][0]' <<<"$js")" = 128
check "bitfields carry their width" \
	test "$(json '[m["bitfield_size"] for m in d["members"] if m["name"]=="fclone"][0]' <<<"$js")" = 2
check "show text output" grep -q "struct sk_buff {" < <(ks --store "$S" show sk_buff)

err=$(ks --store "$S" show sk_buf 2>&1); rc=$?
check "unknown name exits 1" test $rc -eq 1
check "unknown name suggests sk_buff" grep -q "did you mean.*sk_buff" <<<"$err"
err=$(ks --store "$S" show "sk_buff@6.12.118-generic-amd64" 2>&1); rc=$?
check "unknown release exits 1 and suggests" test $rc -eq 1 -a -n "$(grep "did you mean.*$NEW" <<<"$err")"
err=$(ks --store "$S" show sk_buff --lineage aarch64/generic 2>&1); rc=$?
check "unknown lineage names the ones there" test $rc -eq 1 -a -n "$(grep x86_64/generic <<<"$err")"

# ---- determinism: another store, other order, same commits ----
ks --store "$T/s2" import "$T/$OLD.btf" >/dev/null 2>&1
ks --store "$T/s2" import "$T/$NEW.btf" >/dev/null 2>&1
check "same releases in another order give the same refs" \
	test "$(git --git-dir="$S" for-each-ref refs/heads refs/tags)" = \
	     "$(git --git-dir="$T/s2" for-each-ref refs/heads refs/tags)"
check "lineage chain is in version order" \
	test "$(git --git-dir="$S" log --format=%s "$LIN" | tr '\n' ' ')" = \
	     "$LIN $NEW $LIN $OLD "
cp "$T/$OLD.btf" "$T/vmlinux-copy.bin"
sum=$(store_sum "$S")
out=$(ks --store "$S" import "$T/vmlinux-copy.bin" --release "$OLD" 2>&1); rc=$?
check "re-import of identical content is a no-op" test $rc -eq 0 -a -n "$(grep "already present" <<<"$out")"
check "no-op leaves the store unchanged" test "$(store_sum "$S")" = "$sum"

# ---- conflicts ----
out=$(ks --store "$S" import "$T/$NEW.btf" --release "$OLD" 2>&1); rc=$?
check "other content under an existing release is refused" test $rc -eq 1
check "refusal names --force" grep -q -- "--force" <<<"$out"
check "refusal leaves the store unchanged" test "$(store_sum "$S")" = "$sum"
ks --store "$T/s2" import "$T/$NEW.btf" --release "$OLD" --force >/dev/null 2>&1
check "--force replaces" test "$(ks --store "$T/s2" show bpf_mem_alloc@$OLD --format json | json 'len(d["members"])')" = 7

# ---- bad input: one line, non-zero, store byte-identical ----
bad_input() { # NAME FILE [ARGS]
	local name=$1 file=$2; shift 2
	local before after out rc
	before=$(store_sum "$S")
	out=$(ks --store "$S" import "$file" "$@" 2>&1); rc=$?
	after=$(store_sum "$S")
	if [ $rc -ne 0 ] && [ "$(wc -l <<<"$out")" -eq 1 ] && grep -qF "$file" <<<"$out" &&
	   [ "$before" = "$after" ]; then
		ok "bad input: $name ($out)"
	else
		bad "bad input: $name (rc=$rc, out=$out)"
	fi
}
: > "$T/empty.btf"
head -c 65536 /dev/urandom > "$T/random.bin"
head -c 100000 "$T/$OLD.btf" > "$T/truncated.btf"
printf '\x9f\xeb\x01\x00' > "$T/header-only.btf"
mkdir "$T/adir"
bad_input "missing file" "$T/nope.btf"
bad_input "empty file" "$T/empty.btf"
bad_input "random bytes" "$T/random.bin" --release x
bad_input "truncated BTF" "$T/truncated.btf"
bad_input "BTF magic only" "$T/header-only.btf" --release x
bad_input "ELF without .BTF" /bin/true --release x
bad_input "a directory" "$T/adir" --release x
bad_input "no release name" "$T/random.bin"
cp "$T/$OLD.btf" "$T/unnamed-kernel"
bad_input "unknown release" "$T/unnamed-kernel"
if [ "$(id -u)" != 0 ]; then
	cp "$T/$OLD.btf" "$T/unreadable.btf" && chmod 000 "$T/unreadable.btf"
	bad_input "unreadable file" "$T/unreadable.btf"
else
	# root reads any file, but not this one: read() fails with EIO
	bad_input "unreadable file" /proc/self/mem --release x
fi
out=$(ks --store "$S" import "$T/$OLD.btf" "$T/random.bin" 2>&1); rc=$?
check "a bad file next to an already present one changes nothing" test $rc -eq 1 -a "$(store_sum "$S")" = "$sum"
out=$(ks --store "$T/s3" import "$T/random.bin" "$T/$OLD.btf" "$T/truncated.btf" 2>&1); rc=$?
check "one bad file does not stop the others" test $rc -eq 1 -a -n "$(grep "$OLD debian/x86_64/generic: imported" <<<"$out")"
check "each failure is named" test "$(grep -c "random.bin\|truncated.btf" <<<"$out")" -eq 2
check "a summary counts them" grep -q "summary: 1 imported, 0 already present, 0 replaced, 2 failed" <<<"$out"
mkdir -p "$T/kdir/sub" && cp "$T/$OLD.btf" "$T/kdir/sub/" && cp "$T/$NEW.btf" "$T/kdir/" && echo notes > "$T/kdir/README"
out=$(ks --store "$T/s4" import "$T/kdir" 2>&1); rc=$?
check "a folder imports every kernel below it and skips other files" \
	test $rc -eq 0 -a -n "$(grep "2 imported.*1 skipped" <<<"$out")"
out=$(ks --store "$T/s5" import "$T/kdir" --jobs 1 2>&1)
check "one thread and all cores give the same store" \
	test "$(git --git-dir="$T/s4" for-each-ref refs/tags refs/heads)" = "$(git --git-dir="$T/s5" for-each-ref refs/tags refs/heads)"

# a link farm (btfhub-archive checkouts, package caches): links to files
# and folders are followed, a link back up does not loop, two links to one
# kernel import it once, a dangling link is reported and the rest goes in
mkdir -p "$T/farm/x86" "$T/farm/again"
ln -s "$T/kdir/$NEW.btf" "$T/farm/x86/$NEW.btf"
ln -s "$T/kdir/sub" "$T/farm/old"
ln -s "$T/kdir/$NEW.btf" "$T/farm/again/$NEW.btf"
ln -s "$T/farm" "$T/farm/x86/loop"
ln -s "$T/nothing-here.btf" "$T/farm/dangling.btf"
out=$(timeout 60 "$KSTRUCT" --store "$T/s6" import "$T/farm" 2>&1); rc=$?
check "a folder of links imports the kernels they lead to, each once" \
	test "$(grep -c ": imported" <<<"$out")" -eq 2 -a -n "$(grep "$OLD debian/x86_64/generic: imported" <<<"$out")"
check "a dangling link is named and fails the run" \
	test $rc -eq 1 -a -n "$(grep "dangling.btf" <<<"$out")" -a -n "$(grep "2 imported.*1 failed" <<<"$out")"
check "the link farm gives the store the folder gives" \
	test "$(git --git-dir="$T/s4" for-each-ref --format='%(refname) %(objectname)' refs/heads)" = \
	"$(git --git-dir="$T/s6" for-each-ref --format='%(refname) %(objectname)' refs/heads)"
rm "$T/farm/dangling.btf"
out=$(timeout 60 "$KSTRUCT" --store "$T/s7" import "$T/farm/x86" 2>&1); rc=$?
check "a link loop alone ends" test $rc -eq 0 -a "$(grep -c ": imported" <<<"$out")" -eq 2

# the progress bar, on a terminal only: done / total, rate, ETA; a line
# never as wide as the terminal (it could not be redrawn), the bar left
# out where there is no room for it
PTY=$(dirname "$0")/progress_pty.py
out=$(python3 "$PTY" 100 "$KSTRUCT" --store "$T/sp1" import "$T/kdir" | tr '\r' '\n' | sed 's/\x1b\[K//g')
check "on a terminal, import draws a progress bar with done/total, rate and ETA" \
	grep -qE '^importing \[#+\.*\] 1/3 files, [0-9.]+/s, (ETA [0-9]+ s|ETA \?)$' <<<"$out"
check "the bar ends full, done" grep -qE '^importing \[#{40}\] 3/3 files, [0-9.]+/s, done$' <<<"$out"
check "the bar never fills the terminal's last column" \
	test "$(grep '^importing' <<<"$out" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')" -lt 100
out=$(python3 "$PTY" 30 "$KSTRUCT" --store "$T/sp2" import "$T/kdir" | tr '\r' '\n' | sed 's/\x1b\[K//g')
check "on a narrow terminal the line is cut, without a bar" \
	test -n "$(grep '^importing 1/3 files' <<<"$out")" -a -z "$(grep -F '[' <<<"$out")" -a \
	"$(grep '^importing' <<<"$out" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')" -lt 30
out=$(ks --store "$T/sp3" import "$T/kdir" 2>&1)
check "without a terminal there is no progress line" test -z "$(grep importing <<<"$out")"

mkdir -p "$T/notastore" && echo hi > "$T/notastore/file"
before=$(store_sum "$T/notastore")
out=$(ks --store "$T/notastore" import "$T/$OLD.btf" 2>&1); rc=$?
check "a folder that is not a store is refused" test $rc -eq 1 -a "$(store_sum "$T/notastore")" = "$before"
git init -q --bare "$T/plaingit"
before=$(store_sum "$T/plaingit")
out=$(ks --store "$T/plaingit" releases 2>&1); rc=$?
check "a plain git repository is not a store" test $rc -eq 1 -a -n "$(grep "not a kstruct store" <<<"$out")"
check "refusing leaves a plain git repository alone" test "$(store_sum "$T/plaingit")" = "$before"
out=$(ks --store "$T/missing" show sk_buff 2>&1); rc=$?
check "a missing store says how to create one" test $rc -eq 1 -a -n "$(grep "kstruct import" <<<"$out")"
check "reading does not create a store" test ! -e "$T/missing"

# ---- store discovery ----
ks init "$T/envstore" >/dev/null
check "init makes a bare repository" test -f "$T/envstore/HEAD" -a -d "$T/envstore/objects"
check "init on a store again is fine" ks init "$T/envstore"
KSTRUCT_STORE=$T/envstore ks import "$T/$OLD.btf" >/dev/null 2>&1
check "\$KSTRUCT_STORE is used" test "$(ks --store "$T/envstore" releases --format json | json 'len(d)')" = 1
mkdir -p "$T/proj/.kstruct" "$T/proj/a/b"
rmdir "$T/proj/.kstruct"
ks init "$T/proj/.kstruct" >/dev/null
(cd "$T/proj/a/b" && ks import "$T/$OLD.btf" >/dev/null 2>&1)
check "the nearest .kstruct upward is used" \
	test "$(ks --store "$T/proj/.kstruct" releases --format json | json 'len(d)')" = 1
(cd "$T" && XDG_DATA_HOME=$T/xdg ks import "$T/$OLD.btf" >/dev/null 2>&1)
check "XDG_DATA_HOME/kstruct is the default" test -f "$T/xdg/kstruct/HEAD"
(cd "$T" && ks import "$T/$OLD.btf" >/dev/null 2>&1)
check "~/.local/share/kstruct without XDG_DATA_HOME" test -f "$HOME/.local/share/kstruct/HEAD"

# ---- the running kernel ----
if [ -r /sys/kernel/btf/vmlinux ]; then
	out=$(ks --store "$T/live" import /sys/kernel/btf/vmlinux 2>&1)
	check "running kernel's BTF is named by uname -r" grep -q "^$(uname -r) " <<<"$out"
else
	echo "skip running kernel: no /sys/kernel/btf/vmlinux"
fi

# ---- command line ----
check "--version" grep -q "^kstruct " < <(ks --version)
# The version is project()'s in CMakeLists.txt, and nowhere else.
src=$(dirname "$0")/../..
ver=$(sed -n 's/^project(kstruct VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
check "--version reports project()'s version ($ver)" \
	grep -q "^kstruct $ver (" < <(ks --version)
check "the version is written down once" \
	test -z "$(grep -rlF "$ver" "$src"/cmd "$src"/common "$src"/store "$src"/btf "$src"/docs/kstruct.1)"
check "help lists commands" grep -q "import" < <(ks help)
for c in init import releases show; do
	check "$c --help" grep -q "usage: kstruct $c" < <(ks $c --help)
	check "help $c" grep -q "usage: kstruct $c" < <(ks help $c)
done
ks frobnicate >/dev/null 2>&1; rc=$?
check "unknown command exits 2" test $rc -eq 2
ks --store "$S" show >/dev/null 2>&1; rc=$?
check "missing argument exits 2" test $rc -eq 2
ks --store "$S" releases --format xml >/dev/null 2>&1; rc=$?
check "bad --format exits 2" test $rc -eq 2
ks --store "$S" rel >/dev/null 2>&1; rc=$?
check "a unique prefix runs the command" test $rc -eq 0
ks --store "$S" import "$T/$OLD.btf" --release "bad name" >/dev/null 2>&1; rc=$?
check "an invalid release name exits 2" test $rc -eq 2

# an error stays one line whatever it quotes: a file or release with a newline
nl=$'\n'
printf 'junk' > "$T/bad${nl}name"
out=$(ks --store "$S" import "$T/bad${nl}name" 2>&1); rc=$?
check "a file name with a newline: one error line, exit 1" test $rc -eq 1 -a "$(wc -l <<<"$out")" -eq 1
check "... the newline shown as \\x0a" grep -qF 'bad\x0aname' <<<"$out"
out=$(ks --store "$S" import "$T/$OLD.btf" --release "a${nl}b" 2>&1)
check "a release with a newline: one error line" test "$(wc -l <<<"$out")" -eq 1

# ---- options: one parser for every command ----
# An unknown option is a usage error of the command, whatever the command:
# exit 2, one line naming it, nothing on stdout, the store untouched.
sum=$(store_sum "$S")
bogus() { # bogus ARGS...: runs kstruct --store $S ARGS, expects the refusal
	local out err rc
	out=$(ks --store "$S" "$@" 2>"$T/bogus.err"); rc=$?
	err=$(cat "$T/bogus.err")
	if [ $rc -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$T/bogus.err")" -eq 1 ] &&
	   grep -qF -- "'--bogus'" <<<"$err" && [ "$(store_sum "$S")" = "$sum" ]; then
		ok "$* refused ($err)"
	else
		bad "$* refused (rc=$rc, stdout=$out, stderr=$err)"
	fi
}
bogus --bogus releases
bogus init "$T/o-init" --bogus
check "... init made no store" test ! -e "$T/o-init"
bogus import "$T/$OLD.btf" --bogus
bogus import --bogus "$T/$OLD.btf"
bogus releases --bogus
bogus show bpf_mem_alloc --bogus
bogus show --all --bogus
bogus log bpf_mem_alloc --bogus
bogus blame bpf_mem_alloc --bogus
bogus diff $OLD $NEW --bogus
bogus status bpf_mem_alloc --bogus
bogus report bpf_mem_alloc --bogus
bogus site "$T/o-site" --bogus
check "... site wrote nothing" test ! -e "$T/o-site"
bogus config regular x86_64/rt --bogus
bogus config --bogus
bogus clone "$S" "$T/o-clone" --bogus
check "... clone made no store" test ! -e "$T/o-clone"
bogus remote add up "$T/up.git" --bogus
bogus remote remove up --bogus
bogus remote list --bogus
bogus remote --bogus
bogus fetch --bogus
bogus pull --bogus
bogus push --bogus
bogus fetch origin --bogus
bogus help --bogus
bogus help log --bogus

# A malformed value names its option, the same way.
malformed() { # malformed NAME OPTION ARGS...
	local name=$1 opt=$2 out err rc; shift 2
	out=$(ks --store "$S" "$@" 2>"$T/bad.err"); rc=$?
	err=$(cat "$T/bad.err")
	if [ $rc -eq 2 ] && [ -z "$out" ] && [ "$(wc -l <"$T/bad.err")" -eq 1 ] &&
	   grep -qF -- "'$opt'" <<<"$err" && [ "$(store_sum "$S")" = "$sum" ]; then
		ok "$name ($err)"
	else
		bad "$name (rc=$rc, stdout=$out, stderr=$err)"
	fi
}
malformed "import --jobs x" --jobs import "$T/$OLD.btf" --jobs x
malformed "import -j0" -j import "$T/$OLD.btf" -j0
malformed "import --jobs=257" --jobs import "$T/$OLD.btf" --jobs=257
malformed "import --jobs without value" --jobs import "$T/$OLD.btf" --jobs
malformed "log --format yaml" --format log bpf_mem_alloc --format yaml
malformed "releases --format xml" --format releases --format xml
malformed "report --format pdf" --format report bpf_mem_alloc --format pdf
malformed "log --since without value" --since log bpf_mem_alloc --since
malformed "show --all=1 (a flag takes no value)" --all show --all=1
malformed "log --l is ambiguous (--layout, --lineage)" --l log bpf_mem_alloc --l
malformed "--store without value" --store --store
err=$(ks --store "$S" log bpf_mem_alloc --l 2>&1 >/dev/null)
check "... the ambiguity lists both" grep -qF -- "--layout, --lineage" <<<"$err"

# The forms getopt_long took keep working: prefixes, VALUE after = or
# apart, short options with their value, options among arguments, --.
js=$(ks --sto "$S" show bpf_mem_alloc --form=json --lin x86_64/generic)
check "prefixes of long options" test "$(json 'd["release"]' <<<"$js")" = "$NEW"
js=$(ks --store="$S" log --format json bpf_mem_alloc -p)
check "options before and after the argument, -p" test "$(json 'd["name"]' <<<"$js")" = bpf_mem_alloc
out=$(ks --store "$S" log -- bpf_mem_alloc)
check "-- ends the options" grep -q "^$OLD  added" <<<"$out"
out=$(ks --store "$T/s6" import -j1 "$T/$OLD.btf" 2>&1); rc=$?
check "-j1 imports on one thread" test $rc -eq 0
out=$(ks --store "$T/s6" import --jobs 1 "$T/$NEW.btf" 2>&1); rc=$?
check "--jobs 1 too" test $rc -eq 0

# --help comes from each command's table; a letter means one thing in all.
letters=
for c in help init import releases show log blame diff status report site config \
	 clone remote fetch pull push; do
	h=$(ks $c --help); rc=$?
	check "$c --help exits 0 with its usage" test $rc -eq 0 -a -n "$(grep -E "^(usage:|      ) kstruct $c " <<<"$h")"
	letters+=$(grep -oE '^  -[a-zA-Z], --[a-z-]+' <<<"$h")$'\n'
done
check "short letters: -p is --patch, -j is --jobs, and no other" \
	test "$(sed 's/^ *//' <<<"$letters" | grep . | sort -u | tr '\n' ' ')" = "-j, --jobs -p, --patch "
check "an option's help line is in --help" \
	grep -qxF -- "  -j, --jobs N      worker threads (default: one per core)" < <(ks import --help)
check "-h is --help" test "$(ks log -h)" = "$(ks log --help)"
check "help CMD is CMD --help" test "$(ks help status)" = "$(ks status --help)"
check "kstruct -h" grep -q "^usage: kstruct \[--store DIR\]" < <(ks -h)
check "options checks left the store unchanged" test "$(store_sum "$S")" = "$sum"

echo "$pass passed, $failed failed"
[ "$failed" -eq 0 ]
