# Sourced by the end-to-end scripts: the binary and data, a temporary
# folder removed at exit, an environment without the user's store or
# pager, the check helpers and the two real kernels of tests/data as
# $T/$OLD.btf and $T/$NEW.btf.
KSTRUCT=${KSTRUCT:-$(dirname "$0")/../../build/kstruct}
DATA=${KS_TEST_DATA:-$(dirname "$0")/../data}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export HOME=$T/home
unset KSTRUCT_STORE XDG_DATA_HOME KSTRUCT_PAGER PAGER
# writers roll packs up in a detached process; tests that compare a store
# file for file need them done when the command returns
export KSTRUCT_AUTO_GC=${KSTRUCT_AUTO_GC:-wait}
mkdir -p "$HOME"

pass=0
failed=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { # check NAME COMMAND... : passes when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# same NAME GOT EXPECTED: passes when the strings are equal, else shows both
same() {
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1"; echo "     got:      $2"; echo "     expected: $3"; fi
}
has() { grep -qxF -- "$1" <<<"$2"; }	# has LINE TEXT: TEXT has the exact line
py() { python3 -c "$1" "${@:2}"; }
# prints "NAME: N passed, M failed" and fails when any did
finish() { echo "$1: $pass passed, $failed failed"; [ "$failed" = 0 ]; }

OLD=6.1.0-47-generic-amd64
NEW=6.12.117-generic-amd64
for k in $OLD $NEW; do
	xz -dc "$DATA/$k.btf.xz" > "$T/$k.btf" || { echo "cannot decompress $k"; exit 1; }
done
