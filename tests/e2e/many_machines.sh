#!/usr/bin/env bash
# Many machines, one shared store: three "machines" (three local stores:
# M1 and M3 made with `kstruct init` + `remote add`, M2 with `kstruct
# clone`) each import a disjoint part of a corpus of 14 releases in three
# lineages and push, in an interleaved order, to one bare repository
# served by a real `git daemon` (git://, receive-pack enabled) on
# 127.0.0.1. The end result must equal a one-machine import of the whole
# corpus commit id for commit id: every release tag and every lineage
# branch of every machine and of the shared repository, compared as `git
# for-each-ref` output, and `git fsck --strict` clean on all of them
# after every step.
#
# What makes it demanding:
# - three lineages: debian/x86_64/generic (7 releases), debian/x86_64/cloud
#   (4), kylin/aarch64/generic (3);
# - releases arrive out of version order: a push late in the run brings
#   the oldest release of two lineages (6.1.0-47, 4.19.90-23.8), so every
#   commit of those branches changes, and others sort into the middle of
#   a lineage that already has later releases;
# - a real race: M1's push is held in the server's pre-receive hook
#   (after M1 fetched and derived its branches) while M2 pushes; git's
#   receive-pack then refuses M1's stale branch update (its old value no
#   longer matches), M1's push fails, no release is lost (tags are never
#   forced), and M1 pulls and pushes again;
# - the reference store imports the kylin kernel from its raw BTF while
#   M3 imports the btfhub .tar.xz: commit ids depend on the BTF only.
#
# Corpus: the three kernels of tests/data (6.1.0-47 and 6.12.117 generic
# amd64, the btfhub Kylin 4.19.90 aarch64) plus 11 synthetic releases made
# deterministically by bench/synth_release.py (fixed seeds) from 6.12.117
# and from the Kylin kernel; no /work/shared data is needed.
#
# Notes (refs/notes/kstruct) say where each release was imported from:
# paths of this machine, written with the time of the import, so they
# differ per machine by nature. kstruct never sends nor takes them
# (docs/sync.md, "What travels": push sends release tags and lineage
# branches, fetch takes release tags only). So they are not part of the
# commit-id comparison; instead the test checks that the shared
# repository has no notes ref at all and that each machine's notes
# annotate exactly the releases it imported itself.
#
# Environment: KSTRUCT (binary), KS_TEST_DATA (tests/data), KS_SOURCE (the
# source tree, for bench/synth_release.py; default: two folders up).
# Needs: git (with git daemon: /usr/lib/git-core/git-daemon), python3, xz.
# Each check prints "ok" or "FAIL"; the last line counts them.
set -u

. "$(dirname "$0")/lib.sh"
SRC=${KS_SOURCE:-$(dirname "$0")/../..}
SYNTH=$SRC/bench/synth_release.py
case $KSTRUCT in */*) KSTRUCT=$(realpath "$KSTRUCT");; *) KSTRUCT=$(command -v "$KSTRUCT");; esac
PIDS=()
cleanup() {
	local p
	[ -n "${GATE:-}" ] && touch "$GATE/go" 2>/dev/null	# never leave a push hanging
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
export NO_COLOR=1 GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
unset SSH_AUTH_SOCK KSTRUCT_USERNAME KSTRUCT_PASSWORD
git config --global user.name test
git config --global user.email test@example.invalid
git config --global init.defaultBranch main
git config --global safe.directory '*'

# run ARGS...: kstruct, stdout in OUT, stderr in ERR, status in RC (killed
# after 5 minutes: 124)
run() {
	OUT=$(timeout -k 10 300 "$KSTRUCT" "$@" 2>"$T/stderr"); RC=$?
	ERR=$(cat "$T/stderr")
}
short() { head -4 <<<"$1" | tr '\n' '|'; }
# step NAME ARGS...: a kstruct command that must succeed
step() {
	local name=$1; shift
	run "$@"
	if [ $RC -eq 0 ]; then ok "$name"; else bad "$name (rc=$RC: $(short "$ERR"))"; fi
}
refs() { git --git-dir="$1" for-each-ref refs/tags refs/heads; }
allrefs() { git --git-dir="$1" for-each-ref --format='%(refname)'; }
tags() { git --git-dir="$1" for-each-ref --format='%(refname:strip=2)' refs/tags; }
# same_diff NAME A B: like same, with a diff when not
same_diff() {
	if [ "$2" = "$3" ]; then ok "$1"
	else bad "$1"; diff <(echo "$2") <(echo "$3") | head -12 | sed 's/^/     /'; fi
}
STORES=()
fsck_all() { # fsck_all WHAT: git fsck --strict on every store made so far
	local s out failures=
	for s in "${STORES[@]}"; do
		if ! out=$(git --git-dir="$s" fsck --strict --no-dangling 2>&1) ||
		   grep -qiE '^(error|warning|missing|broken|bad)' <<<"$out"; then
			failures="$failures ${s#"$T"/}: $(head -2 <<<"$out" | tr '\n' ' ')"
		fi
	done
	if [ -z "$failures" ]; then ok "git fsck --strict clean on every store after $1"
	else bad "git fsck --strict after $1:$failures"; fi
}
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() { # wait_for FILE: until it exists (60 s at most)
	local _
	for _ in $(seq 1200); do [ -e "$1" ] && return 0; sleep 0.05; done
	return 1
}
# the releases along a lineage branch, oldest first (from the commits'
# subjects "<lineage> <release>")
chain() { git --git-dir="$1" log --reverse --format=%s "refs/heads/$2" | sed "s|^$2 ||"; }

# ---- the corpus ----
GEN=debian/x86_64/generic
CLOUD=debian/x86_64/cloud
KY=kylin/aarch64/generic
KYREAL=4.19.90-52.22.v2207.ky10.aarch64
C=$T/corpus
mkdir -p "$C"
tar -xJf "$DATA/btfhub/$KYREAL.btf.tar.xz" -C "$C" || { echo "cannot unpack $KYREAL"; exit 1; }
[ -f "$C/$KYREAL.btf" ] || { echo "no $KYREAL.btf in the btfhub file"; exit 1; }
# synth FROM SEED COUNT [--focus NAME]...: COUNT chained releases
# $C/syn-SEED.btf ... (3 changed structs each, one of the focus ones)
synth() {
	python3 "$SYNTH" "$1" "$C/syn-{seed}.btf" --seed "$2" --count "$3" --changes 3 \
		"${@:4}" --focus task_struct --focus sk_buff --keep task_struct.pid --quiet ||
		{ echo "synth_release.py failed"; exit 1; }
}
synth "$T/$NEW.btf" 1 5 --focus bpf_mem_alloc	# generic 6.12.118 .. 6.12.122
synth "$T/$NEW.btf" 11 4 --focus bpf_mem_alloc	# cloud
synth "$C/$KYREAL.btf" 21 2			# kylin (4.19: no bpf_mem_alloc)
# Every release: NAME LINEAGE FILE (FILE relative to $C; "-" for the
# reference's form, below). Version order within each lineage:
#   generic: 6.1.0-47 < 6.12.117 < 6.12.118 < ... < 6.12.122
#   cloud:   6.12.110 < 6.12.115 < 6.12.117 < 6.12.120
#   kylin:   4.19.90-23.8 < 4.19.90-52.22 < 4.19.90-89.11
cp "$T/$OLD.btf" "$T/$NEW.btf" "$C/"
cat > "$T/corpus.txt" <<EOF
$OLD $GEN $OLD.btf
$NEW $GEN $NEW.btf
6.12.118-generic-amd64 $GEN syn-1.btf
6.12.119-generic-amd64 $GEN syn-2.btf
6.12.120-generic-amd64 $GEN syn-3.btf
6.12.121-generic-amd64 $GEN syn-4.btf
6.12.122-generic-amd64 $GEN syn-5.btf
6.12.110-cloud-amd64 $CLOUD syn-11.btf
6.12.115-cloud-amd64 $CLOUD syn-12.btf
6.12.117-cloud-amd64 $CLOUD syn-13.btf
6.12.120-cloud-amd64 $CLOUD syn-14.btf
4.19.90-23.8.v2101.ky10.aarch64 $KY syn-21.btf
$KYREAL $KY $KYREAL.btf
4.19.90-89.11.v2401.ky10.aarch64 $KY syn-22.btf
EOF
# imp STORE RELEASE...: imports these releases into STORE, one command
# each, with the release name, distro, arch and flavor given
IMPORTED_M1='' IMPORTED_M2='' IMPORTED_M3=''
imp() {
	local store=$1 r lin file distro arch flavor; shift
	for r in "$@"; do
		read -r _ lin file < <(awk -v r="$r" '$1 == r' "$T/corpus.txt")
		[ -n "$lin" ] || { bad "no release $r in the corpus"; continue; }
		IFS=/ read -r distro arch flavor <<<"$lin"
		run --store "$store" import "$C/$file" --release "$r" --distro "$distro" \
			--arch "$arch" --flavor "$flavor"
		if [ $RC -ne 0 ]; then bad "import $r into ${store#"$T"/} (rc=$RC: $(short "$ERR"))"; fi
		case $store in
		"$T/M1") IMPORTED_M1="$IMPORTED_M1 $lin/$r";;
		"$T/M2") IMPORTED_M2="$IMPORTED_M2 $lin/$r";;
		"$T/M3") IMPORTED_M3="$IMPORTED_M3 $lin/$r";;
		esac
	done
}

# ---- the reference: one machine imports everything ----
R=$T/R
# the real kernels in one command, release names from the file names
# (the kylin one as raw BTF: the machines import its .tar.xz)
run --store "$R" import "$C/$OLD.btf" "$C/$NEW.btf" "$C/$KYREAL.btf"
check "reference: the three real kernels import in one command" test $RC -eq 0
imp "$R" $(awk -v a="$OLD" -v b="$NEW" -v c="$KYREAL" '$1 != a && $1 != b && $1 != c {print $1}' \
	"$T/corpus.txt" | tac)
STORES+=("$R")
same "reference: 14 releases in 3 lineages" \
	"$(tags "$R" | wc -l) $(git --git-dir="$R" for-each-ref refs/heads | wc -l)" "14 3"
same_diff "reference: the generic branch has its releases in version order" "$(chain "$R" $GEN)" \
	"$(printf '%s\n' $OLD $NEW 6.12.11{8,9}-generic-amd64 6.12.12{0,1,2}-generic-amd64)"
same_diff "reference: the cloud branch has its releases in version order" "$(chain "$R" $CLOUD)" \
	"$(printf '%s\n' 6.12.1{10,15,17,20}-cloud-amd64)"
same_diff "reference: the kylin branch has its releases in version order" "$(chain "$R" $KY)" \
	"$(printf '%s\n' 4.19.90-23.8.v2101.ky10.aarch64 $KYREAL 4.19.90-89.11.v2401.ky10.aarch64)"

# ---- the server ----
DROOT=$T/daemon
mkdir -p "$DROOT"
git init -q --bare "$DROOT/shared.git"
SH=$DROOT/shared.git
STORES+=("$SH")
# The race gate: the first push after `mkdir $GATE/armed` waits in
# pre-receive (its pack received, no ref moved yet) until $GATE/go exists.
GATE=$T/gate
mkdir -p "$GATE"
cat > "$SH/hooks/pre-receive" <<EOF
#!/bin/sh
cat > "$GATE/last-commands"
if rmdir "$GATE/armed" 2>/dev/null; then
	: > "$GATE/waiting"
	i=0
	while [ ! -e "$GATE/go" ] && [ \$i -lt 1200 ]; do sleep 0.05; i=\$((i + 1)); done
fi
exit 0
EOF
chmod +x "$SH/hooks/pre-receive"
DAEMON=/usr/lib/git-core/git-daemon
command -v git-daemon >/dev/null 2>&1 && DAEMON=git-daemon
[ -x "$DAEMON" ] || command -v "$DAEMON" >/dev/null || { echo "FAIL no git daemon ($DAEMON; Debian package git)"; exit 1; }
DPORT=$(free_port)
"$DAEMON" --reuseaddr --base-path="$DROOT" --export-all --enable=receive-pack \
	--informative-errors --listen=127.0.0.1 --port="$DPORT" "$DROOT" 2>"$T/daemon.log" &
PIDS+=($!)
python3 - "$DPORT" <<-'EOF' || { echo "FAIL git daemon did not start: $(head -3 "$T/daemon.log")"; exit 1; }
import socket, sys, time
for _ in range(200):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
EOF
URL=git://127.0.0.1:$DPORT/shared.git

# =====================================================================
# round 1: each machine starts, imports its first part and pushes
# =====================================================================
M1=$T/M1 M2=$T/M2 M3=$T/M3
step "M1: kstruct init" --store "$M1" init
step "M1: remote add origin (git://)" --store "$M1" remote add origin "$URL"
STORES+=("$M1")
imp "$M1" $NEW 6.12.122-generic-amd64 6.12.120-cloud-amd64
step "M1: push into the empty shared repository" --store "$M1" push
same_diff "the shared repository has M1's tags and branches" "$(refs "$SH")" "$(refs "$M1")"
fsck_all "M1's first push"

step "M2: kstruct clone over git://" clone "$URL" "$M2"
STORES+=("$M2")
same_diff "M2's clone has the shared tags and branches" "$(refs "$M2")" "$(refs "$SH")"
imp "$M2" 6.12.121-generic-amd64 6.12.117-cloud-amd64
step "M2: push (its 6.12.117-cloud sorts before M1's 6.12.120-cloud)" --store "$M2" push
check "M2's push sent its releases" test "$(tags "$SH" | wc -l)" -eq 5

step "M3: kstruct init" --store "$M3" init
step "M3: remote add origin" --store "$M3" remote add origin "$URL"
STORES+=("$M3")
imp "$M3" 6.12.119-generic-amd64
# the btfhub file itself, as the machines would get it
run --store "$M3" import "$DATA/btfhub/$KYREAL.btf.tar.xz"
check "M3: import of the btfhub .tar.xz" test $RC -eq 0
IMPORTED_M3="$IMPORTED_M3 $KY/$KYREAL"
step "M3: push (fetches M1's and M2's releases first)" --store "$M3" push
check "M3's push brought the other machines' releases first" \
	grep -qE "5 new releases" <<<"$OUT"
same_diff "M3 and the shared repository agree after M3's push" "$(refs "$M3")" "$(refs "$SH")"
same_diff "6.12.119 (pushed after 6.12.121) sits in the middle of M3's generic branch" \
	"$(chain "$M3" $GEN)" "$(printf '%s\n' $NEW 6.12.119-generic-amd64 6.12.12{1,2}-generic-amd64)"
fsck_all "round 1"

# =====================================================================
# round 2: a race. M1's push waits in the server's pre-receive hook
# while M2 pushes; then M1's stale branch update must be refused.
# =====================================================================
imp "$M1" 6.12.120-generic-amd64 4.19.90-89.11.v2401.ky10.aarch64
imp "$M2" 6.12.118-generic-amd64 6.12.110-cloud-amd64
mkdir "$GATE/armed"
( timeout -k 10 300 "$KSTRUCT" --store "$M1" push > "$T/m1push.out" 2> "$T/m1push.err"
  echo $? > "$T/m1push.rc" ) &
M1PUSH=$!
PIDS+=("$M1PUSH")
if wait_for "$GATE/waiting"; then
	ok "M1's push reached the server's pre-receive and waits there"
else
	bad "M1's push never reached the server's pre-receive: $(head -2 "$T/m1push.err")"
fi
step "M2: push while M1's push is held" --store "$M2" push
touch "$GATE/go"
wait "$M1PUSH"
m1rc=$(cat "$T/m1push.rc" 2>/dev/null || echo none)
m1err=$(cat "$T/m1push.err")
check "M1's push, overtaken by M2's, fails (exit 1)" test "$m1rc" = 1
check "M1's push says the server refused $GEN, in one line" \
	test "$(grep -c . <<<"$m1err")" = 1 -a -n "$(grep -E "refused.*$GEN" <<<"$m1err")"
echo "     (M1's push said: $m1err)"
[ "$m1rc" = 1 ] || echo "     M1 push: rc=$m1rc stdout: $(short "$(cat "$T/m1push.out")") stderr: $(short "$m1err")"
missing=
for t in $IMPORTED_M1 $IMPORTED_M2; do
	git --git-dir="$SH" rev-parse -q --verify "refs/tags/$t" >/dev/null || missing="$missing $t"
done
check "no release lost in the race: every tag of M1 and M2 is on the server${missing:+ (missing:$missing)}" \
	test -z "$missing"
check "the server's generic branch is M2's (without M1's 6.12.120): the race happened" \
	test -z "$(chain "$SH" $GEN | grep -x 6.12.120-generic-amd64)"
fsck_all "the race"
step "M1: pull after the refused push" --store "$M1" pull
check "M1's pull brings the two releases M2 pushed in the race" grep -qE "^pull: 2 new releases" <<<"$OUT"
step "M1: push again" --store "$M1" push
same_diff "M1 and the shared repository agree after M1's second push" "$(refs "$M1")" "$(refs "$SH")"
same_diff "the server's generic branch now has both sides' releases" \
	"$(chain "$SH" $GEN)" "$(printf '%s\n' $NEW 6.12.11{8,9}-generic-amd64 6.12.12{0,1,2}-generic-amd64)"
fsck_all "round 2"

# =====================================================================
# round 3: the oldest releases arrive last, from M3, which is behind
# =====================================================================
imp "$M3" $OLD 6.12.115-cloud-amd64 4.19.90-23.8.v2101.ky10.aarch64
before=$(git --git-dir="$SH" rev-parse "refs/heads/$GEN")
step "M3: push the new roots of two lineages and a middle release" --store "$M3" push
check "every commit of the server's generic branch changed (new root)" \
	test -z "$(git --git-dir="$SH" rev-list "refs/heads/$GEN" | grep -x "$before")"
check "the generic branch's oldest commit is 6.1.0-47's release commit" \
	test "$(git --git-dir="$SH" rev-list --max-parents=0 "refs/heads/$GEN")" = \
	     "$(git --git-dir="$SH" rev-parse "refs/tags/$GEN/$OLD")"
fsck_all "round 3"
step "M2: pull" --store "$M2" pull
step "M2: push with nothing new" --store "$M2" push
step "M1: fetch" --store "$M1" fetch
step "M3: pull" --store "$M3" pull
check "M3's last pull has nothing new" grep -qE "0 new releases" <<<"$OUT"
fsck_all "the last pulls"

# =====================================================================
# the result: identical to the one-machine import
# =====================================================================
WANT=$(refs "$R")
same_diff "M1's tags and branches equal the one-machine import's, commit id for commit id" "$(refs "$M1")" "$WANT"
same_diff "M2's tags and branches equal the one-machine import's" "$(refs "$M2")" "$WANT"
same_diff "M3's tags and branches equal the one-machine import's" "$(refs "$M3")" "$WANT"
same_diff "the shared repository's tags and branches equal the one-machine import's" "$(refs "$SH")" "$WANT"
for s in "$M1" "$M2" "$M3"; do
	same "${s#"$T"/}'s HEAD names the same lineage as the reference's" \
		"$(git --git-dir="$s" symbolic-ref HEAD)" "$(git --git-dir="$R" symbolic-ref HEAD)"
	same_diff "${s#"$T"/} answers releases and log bpf_mem_alloc like the reference" \
		"$("$KSTRUCT" --store "$s" releases 2>&1; "$KSTRUCT" --store "$s" log bpf_mem_alloc 2>&1)" \
		"$("$KSTRUCT" --store "$R" releases 2>&1; "$KSTRUCT" --store "$R" log bpf_mem_alloc 2>&1)"
done
same "blame task_struct.pid agrees (M1, reference)" \
	"$("$KSTRUCT" --store "$M1" blame task_struct.pid 2>&1)" "$("$KSTRUCT" --store "$R" blame task_struct.pid 2>&1)"

# notes: local by design; each machine's annotate what it imported itself
same "the shared repository has only tags and branches (no notes, nothing else)" \
	"$(allrefs "$SH" | grep -vE '^refs/(tags|heads)/')" ""
notes_of() { # the releases whose commits STORE's notes annotate, sorted
	local s=$1 c
	git --git-dir="$s" notes --ref kstruct list | while read -r _ c; do
		git --git-dir="$s" for-each-ref --points-at "$c" --format='%(refname:strip=2)' refs/tags
	done | sort
}
for m in M1 M2 M3; do
	v=IMPORTED_$m
	same_diff "$m's notes annotate exactly the releases it imported itself" \
		"$(notes_of "$T/$m")" "$(tr ' ' '\n' <<<"${!v}" | grep . | sort)"
done
same "the reference's notes annotate all 14 releases" "$(notes_of "$R" | wc -l)" 14
check "the machines' imports were disjoint and cover the corpus" \
	test "$(tr ' ' '\n' <<<"$IMPORTED_M1 $IMPORTED_M2 $IMPORTED_M3" | grep . | sort | uniq | wc -l)" -eq 14 -a \
	     "$(tr ' ' '\n' <<<"$IMPORTED_M1 $IMPORTED_M2 $IMPORTED_M3" | grep -c .)" -eq 14
fsck_all "everything"

finish many_machines
