#!/usr/bin/env bash
# `cmake --install` of the build (issue 18, first part): the binary and the
# man page land where GNUInstallDirs puts them under a prefix, the
# installed binary runs from there, and `man` reads the installed page
# without warnings. Needs the build folder: KS_BUILD_DIR (ctest sets it).
set -u

. "$(dirname "$0")/lib.sh"
BUILD=${KS_BUILD_DIR:?set KS_BUILD_DIR to the build folder}
P=$T/prefix
out=$(cmake --install "$BUILD" --prefix "$P" 2>&1)
check "cmake --install succeeds" test $? = 0
check "the binary is in bin/" test -x "$P/bin/kstruct"
check "the man page is in share/man/man1/" test -f "$P/share/man/man1/kstruct.1"
check "nothing else is installed" test "$(grep -c '^-- Installing' <<<"$out")" = 2
v=$("$P/bin/kstruct" --version 2>&1)
check "the installed binary runs: $v" grep -q '^kstruct [0-9][0-9.]* (store format 2' <<<"$v"
"$P/bin/kstruct" --store "$T/s" import "$T/$OLD.btf" >/dev/null 2>&1
check "the installed binary imports" test "$("$P/bin/kstruct" --store "$T/s" releases --format json |
	py 'import json,sys; print(len(json.load(sys.stdin)))')" = 1
if command -v man >/dev/null; then
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$P/share/man/man1/kstruct.1" 2>&1 >/dev/null)
	check "man --warnings reads the installed page cleanly" test -z "$w"
fi
# DESTDIR, as a package build stages the files
DESTDIR=$T/stage cmake --install "$BUILD" --prefix /usr >/dev/null 2>&1
check "DESTDIR stages under /usr" test -x "$T/stage/usr/bin/kstruct" -a -f "$T/stage/usr/share/man/man1/kstruct.1"
finish install
