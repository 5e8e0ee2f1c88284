#!/usr/bin/env bash
# Hostile stores: fetched stores are untrusted input. Each case below is a
# copy of a good store (one real release) altered with plain git
# plumbing, then fetched into a local store over file:// and again over
# git:// from a `git daemon`. Every one must be refused with one line
# naming the remote, the ref and the problem, and leave the local store
# unchanged: the same refs, the same files (the downloaded pack is
# removed), git fsck clean.
# Cases: names with HTML or control bytes, "..", a tree 1,000 levels
# deep, an entry in the wrong folder, a symbolic link, a blob larger than
# any text, a meta that lies about its counts, a meta of another release,
# a tag on a blob, a forged commit on a tag that sorts before a good one
# (which is not recorded either). And one that is fine: a remote whose
# lineage branch skips a release gets its branch derived here, whole.
set -u
. "$(dirname "$0")/lib.sh"
TREE=$(dirname "$0")/hostile_tree.py
ks() { "$KSTRUCT" "$@"; }
store_sum() { (cd "$1" && find . -type f ! -name kstruct.lock -print0 | sort -z |
	xargs -0 sha256sum | sha256sum); }
refs() { git --git-dir="$1" for-each-ref refs/heads refs/tags; }

GOOD=$T/good
ks --store "$GOOD" import "$T/$OLD.btf" >/dev/null 2>&1 || { echo "cannot import"; exit 1; }
LIN=$(ks --store "$GOOD" releases --format json |
      python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["lineage"])')
TAG=refs/tags/$LIN/$OLD
COMMIT=$(git --git-dir="$GOOD" rev-parse "$TAG")
ROOT=$(git --git-dir="$GOOD" rev-parse "$COMMIT^{tree}")
LOCAL=$T/local
ks init "$LOCAL" >/dev/null 2>&1 || ks --store "$LOCAL" releases >/dev/null 2>&1

# A copy of the good store as a plain git repository.
copy() { rm -rf "$T/$1"; git clone -q --mirror "$GOOD" "$T/$1" 2>/dev/null; echo "$T/$1"; }
# The release commit kstruct writes, over another tree (the same text).
commit_over() { # GIT_DIR TREE
	git --git-dir="$1" cat-file commit "$COMMIT" | sed "1s/^tree .*/tree $2/" |
		git --git-dir="$1" hash-object -t commit -w --stdin
}
# Puts ID at PATH (MODE TYPE) in the release's tree and retags it.
plant() { # GIT_DIR PATH MODE TYPE ID
	local t
	t=$(python3 "$TREE" "$1" "$ROOT" "$2" "$3" "$4" "$5") || return 1
	git --git-dir="$1" update-ref "$TAG" "$(commit_over "$1" "$t")"
}
blob() { printf '%s' "$2" | git --git-dir="$1" hash-object -w --stdin; }

CASES=()	# "DIR|NAME|REGEX" of every file:// case, run again over git://
refused() { # NAME URL REGEX
	local before_refs before_sum err rc
	case $2 in file://*) CASES+=("${2#file://$T/}|$1|$3") ;; esac
	before_refs=$(refs "$LOCAL")
	before_sum=$(store_sum "$LOCAL")
	err=$(ks --store "$LOCAL" fetch "$2" 2>&1 >/dev/null); rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -qE -- "$3" <<<"$err" &&
	   [ "$(refs "$LOCAL")" = "$before_refs" ] && [ "$(store_sum "$LOCAL")" = "$before_sum" ] &&
	   git --git-dir="$LOCAL" fsck --strict --no-dangling >/dev/null 2>&1; then
		ok "$1: $err"
	else
		bad "$1 (exit $rc): $err"
	fi
}

TEXT=$(git --git-dir="$GOOD" cat-file blob "$ROOT:struct/t/ta/task_struct")
TASK=$(git --git-dir="$GOOD" rev-parse "$ROOT:struct/t/ta/task_struct")

H=$(copy html); plant "$H" 'struct/s/sc/<script>alert(1)' 100644 blob "$(blob "$H" "$TEXT")" &&
	refused "a name with HTML" "file://$H" "file://$H: $LIN/$OLD: struct/s/sc/<script>.*not a definition's name"
H=$(copy ctrl); plant "$H" "struct/a/a/a$(printf '\001')b" 100644 blob "$TASK" &&
	refused "a name with a control byte" "file://$H" "a\?b is not a definition's name"
H=$(copy dotdot)
if plant "$H" "struct/../x" 100644 blob "$TASK" 2>/dev/null; then
	refused "a '..' entry" "file://$H" "struct/\.\. is not a letter folder|not a definition"
else
	ok "a '..' entry: git mktree itself refuses to make one"
fi
H=$(copy deep); plant "$H" "struct/d/de" 040000 tree "$(python3 "$TREE" "$H" deep 1000)" &&
	refused "a tree 1,000 levels deep" "file://$H" "struct/d/de/d is a folder where a definition belongs"
H=$(copy place); plant "$H" "struct/z/zz/task_struct" 100644 blob "$TASK" &&
	refused "an entry in another bucket" "file://$H" "struct/z/zz/task_struct is not where kstruct puts it"
H=$(copy link); plant "$H" "struct/t/ta/task_struct" 120000 blob "$(blob "$H" /etc/passwd)" &&
	refused "a symbolic link" "file://$H" "task_struct is a folder where a definition belongs"
H=$(copy big); BIG=$(head -c 5000000 /dev/zero | tr '\0' x | git --git-dir="$H" hash-object -w --stdin)
plant "$H" "struct/t/ta/task_struct" 100644 blob "$BIG" &&
	refused "a blob larger than any text" "file://$H" "claims 5000000 bytes"
H=$(copy counts)
META=$(git --git-dir="$H" cat-file blob "$ROOT:meta" | awk '/^structs /{ $2 = $2 + 1 } { print }')
plant "$H" meta 100644 blob "$(blob "$H" "$META"$'\n')" &&
	refused "a meta that lies about its counts" "file://$H" "meta counts [0-9]+ structs, its struct folder holds"
H=$(copy other)
META=$(git --git-dir="$H" cat-file blob "$ROOT:meta" | sed 's/^release .*/release 9.9.9/')
plant "$H" meta 100644 blob "$(blob "$H" "$META"$'\n')" &&
	refused "a meta of another release" "file://$H" "meta names another release"
H=$(copy onblob); git --git-dir="$H" update-ref "refs/tags/$LIN/9.9.9-blob" "$TASK"
refused "a tag on a blob" "file://$H" "9.9.9-blob: it names a blob"
H=$(copy before)
FORGED=$(printf 'tree %s\nauthor x <x> 0 +0000\ncommitter x <x> 0 +0000\n\nforged\n' "$ROOT" |
	git --git-dir="$H" hash-object -t commit -w --stdin)
git --git-dir="$H" update-ref "refs/tags/$LIN/0.0.1-forged" "$FORGED"
refused "a forged tag before a good one: the good one is not recorded either" "file://$H" \
	"0.0.1-forged: not a kstruct release commit"

# over git://, from a git daemon
if command -v git >/dev/null && git daemon -h 2>&1 | grep -q -- '--base-path'; then
	PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	git daemon --reuseaddr --base-path="$T" --export-all --listen=127.0.0.1 --port="$PORT" \
		"$T" >/dev/null 2>&1 &
	DPID=$!
	for _ in $(seq 50); do
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" 2>/dev/null && break
		sleep 0.1
	done
	for c in "${CASES[@]}"; do
		IFS='|' read -r dir name re <<<"$c"
		# the message names this remote, not the file:// one
		refused "over git://: $name" "git://127.0.0.1:$PORT/$dir" \
			"git://127.0.0.1:$PORT/$dir: .*${re#*: }"
	done
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
else
	echo "# git daemon missing: the git:// cases are skipped"
fi

# The good store still fetches, and a lineage branch that skips a
# release is not taken: the branch is derived here from the tags.
ks --store "$GOOD" import "$T/$NEW.btf" >/dev/null 2>&1
ks --store "$GOOD" import "$T/$NEW.btf" --release 6.5.0-1-generic-amd64 >/dev/null 2>&1
H=$(copy skip)
BR=refs/heads/$LIN
git --git-dir="$H" update-ref "$BR" "$(git --git-dir="$H" cat-file commit "$BR" |
	awk -v p="$(git --git-dir="$H" rev-parse "$BR~2")" '/^parent /{ print "parent " p; next } { print }' |
	git --git-dir="$H" hash-object -t commit -w --stdin)"
check "the hostile copy's branch skips a release" test "$(git --git-dir="$H" rev-list --count "$BR")" = 2
out=$(ks --store "$LOCAL" fetch "file://$H" 2>&1); rc=$?
check "a store whose branch skips a release: fetched" test $rc -eq 0
same "the branch here has every release" "$(git --git-dir="$LOCAL" rev-list --count "$BR")" 3
check "and git fsck is clean" git --git-dir="$LOCAL" fsck --strict --no-dangling

finish hostile_sync
