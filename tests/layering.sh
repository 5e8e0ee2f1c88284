#!/usr/bin/env bash
# The module boundaries of docs/architecture.md, checked against the code:
# every #include "..." of a module's sources names a header of a module
# its row allows, and the suites of modules that must not reach a
# library (test_store: libbpf, libelf; test_canon: libgit2) do not link it.
# Usage: layering.sh SOURCE_DIR [BUILD_DIR]
set -u
SRC=${1:?source dir}
BUILD=${2:-}
DOC=$SRC/docs/architecture.md
pass=0 failed=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# "| kscommon | common | common | libcrypto | ..." -> "common:common"
rows=$(sed -n '/<!-- layering/,/^$/p' "$DOC" | awk -F'|' 'NR > 3 && NF > 5 {
	gsub(/^ +| +$/, "", $3); gsub(/^ +| +$/, "", $4); gsub(/^ +| +$/, "", $5)
	print $3 ":" $4 ":" $5 }')
[ -n "$rows" ] || { echo "FAIL no layering table in $DOC"; exit 1; }

declare -A allowed folder_of links_of
while IFS=: read -r dir deps libs; do
	allowed[$dir]=$deps
	links_of[$dir]=$libs
done <<<"$rows"
# Which folder each project header lives in.
for dir in "${!allowed[@]}"; do
	[ -d "$SRC/$dir" ] || { bad "folder $dir/ of the table does not exist"; continue; }
	for h in "$SRC/$dir"/*.h; do
		[ -e "$h" ] && folder_of[$(basename "$h")]=$dir
	done
done
# Every source folder with C files is in the table.
for d in "$SRC"/*/; do
	d=$(basename "$d")
	case $d in tests|bench|docs|build*) continue ;; esac
	ls "$SRC/$d"/*.[ch] >/dev/null 2>&1 || continue
	[ -n "${allowed[$d]+x}" ] && ok || bad "folder $d/ has C sources but no row in docs/architecture.md"
done

for dir in "${!allowed[@]}"; do
	for f in "$SRC/$dir"/*.[ch]; do
		[ -e "$f" ] || continue
		while read -r inc; do
			home=${folder_of[$inc]:-}
			if [ -z "$home" ]; then
				bad "$dir/$(basename "$f") includes \"$inc\", a header of no module"
			elif [[ " ${allowed[$dir]} " == *" $home "* ]]; then
				ok
			else
				bad "$dir/$(basename "$f") includes \"$inc\" of $home/ (allowed: ${allowed[$dir]})"
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done
done

# System headers of the libraries: only where the module, or a module it
# may include, links the library.
for dir in "${!allowed[@]}"; do
	reach=""
	for d in ${allowed[$dir]}; do reach="$reach ${links_of[$d]:-}"; done
	for f in "$SRC/$dir"/*.[ch]; do
		[ -e "$f" ] || continue
		while read -r inc; do
			case $inc in
			git2.h|git2/*) lib=libgit2 ;;
			bpf/*) lib=libbpf ;;
			libelf.h|gelf.h) lib=libelf ;;
			archive.h|archive_entry.h) lib=libarchive ;;
			zlib.h) lib=zlib ;;
			libdeflate.h) lib=libdeflate ;;
			*) continue ;;
			esac
			if [[ " $reach " == *" $lib "* ]]; then ok
			else bad "$dir/$(basename "$f") includes <$inc> but $dir/ may not use $lib"; fi
		done < <(sed -n 's/^#include <\([^>]*\)>.*/\1/p' "$f")
	done
done

# The links: a suite is linked with its module alone (tests/CMakeLists.txt).
if [ -n "$BUILD" ]; then
	# a library shows as a shared object (ldd) or, linked statically as
	# libgit2 is, by one of its functions in the symbol table
	links() { # SUITE LIB SYMBOL
		ldd "$BUILD/tests/$1" 2>/dev/null | grep -q "$2" ||
			nm "$BUILD/tests/$1" 2>/dev/null | grep -q " [TtU] $3\$"
	}
	if links test_store libbpf btf__new; then bad "test_store links libbpf"; else ok; fi
	if links test_store libelf elf_begin; then bad "test_store links libelf"; else ok; fi
	for t in test_canon test_unpack test_snapshot test_escape; do
		if links "$t" libgit2 git_libgit2_init; then bad "$t links libgit2"; else ok; fi
	done
	if links test_store libgit2 git_libgit2_init; then ok; else bad "cannot tell what test_store links"; fi
fi
echo "layering: $pass passed, $failed failed"
[ "$failed" = 0 ]
