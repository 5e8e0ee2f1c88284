#!/usr/bin/env bash
# Runs the end-to-end tests (ctest's e2e_* tests: tests/e2e/*.sh, *.py)
# with every kstruct they start running under valgrind memcheck, then
# reads every valgrind log and fails on any memory error or definite leak.
#
#   tests/valgrind.sh [OPTIONS] [TEST...]
#
#   TEST...            ctest names or extended regular expressions
#                      (e2e_sync.sh, sync, 'cli|history'): only those tests
#                      (default: every e2e_* test but the SKIP ones below)
#   --build-dir DIR    the non-sanitized build to use; configured
#                      (RelWithDebInfo) when it is not, and built (target
#                      kstruct only) (default: build-valgrind in the source
#                      folder)
#   --quick            the subset CI runs (see QUICK below)
#   --jobs N           tests run N at a time (default: the number of cores;
#                      valgrind runs a program's threads one at a time)
#   --env NAME=VALUE   set for every test, over what tests/CMakeLists.txt sets
#   --logs DIR         keep the valgrind logs and test output there
#                      (default: a temporary folder, removed on success)
#
# Each test runs with the command, environment and folder ctest would give
# it (`ctest --show-only=json-v1` in the build folder), except KSTRUCT,
# which names a wrapper that execs `valgrind ... kstruct "$@"`: kstruct's
# exit status, stdout and stderr are unchanged (valgrind writes to a log
# file per process, never to stderr, and no --error-exitcode is used: the
# logs are judged afterwards). Children kstruct starts (the pager,
# `git credential`) are not traced. Leaks inside system libraries are
# suppressed by tests/valgrind.supp (each one explained there).
#
# Exit status: 0 when every test passed and every log is clean; 1 when a
# test failed, a log shows an error or a definite leak, or a log is
# incomplete (a kstruct killed before valgrind wrote its summary, in a
# test that does not kill kstruct on purpose); 2 a usage error.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUPP=$ROOT/tests/valgrind.supp
BUILD=$ROOT/build-valgrind
QUICK=0
JOBS=$(nproc 2>/dev/null || echo 2)
LOGS=
ENV_OVERRIDES=()
PATTERNS=()

# SKIP: tests not run under valgrind unless named as a TEST, with why.
declare -A SKIP=(
	[e2e_crash.sh]="it kills imports with SIGKILL at moments chosen from their native timing; under valgrind most finish before the kill (KS_KILLS=6: 16 of 18 rounds), failing its count of kills, and a killed run leaves no valgrind summary (name it to run it anyway)"
)
# KILLERS: tests that kill kstruct on purpose; when one runs, its
# incomplete logs are counted as killed, not as failures.
KILLERS=" e2e_crash.sh "
# TIMING: checks that measure time and cannot hold under valgrind (a run
# takes seconds instead of a tenth of one); a test whose only failures
# match its pattern here passes, and says which checks it excused.
#   concurrent.sh holds the store's lock for 3 s and expects an import
#   started meanwhile to wait for it: under valgrind the reader it runs
#   first outlasts the lock, so the import never waits.
declare -A TIMING=(
	[e2e_concurrent.sh]='^FAIL (readers do not wait for a held store|\.\.\. after the holder let go|\.\.\. and said why it waited)'
)

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) BUILD=$2; shift 2;;
	--build-dir=*) BUILD=${1#*=}; shift;;
	--quick) QUICK=1; shift;;
	--jobs|-j) JOBS=$2; shift 2;;
	--jobs=*) JOBS=${1#*=}; shift;;
	--env) ENV_OVERRIDES+=("$2"); shift 2;;
	--env=*) ENV_OVERRIDES+=("${1#*=}"); shift;;
	--logs) LOGS=$2; shift 2;;
	--logs=*) LOGS=${1#*=}; shift;;
	-h|--help) usage 0;;
	-*) echo "valgrind.sh: unknown option $1" >&2; usage;;
	*) PATTERNS+=("$1"); shift;;
	esac
done
case $JOBS in ''|*[!0-9]*|0) echo "valgrind.sh: --jobs takes a positive number" >&2; exit 2;; esac
for e in "${ENV_OVERRIDES[@]}"; do
	case $e in [A-Za-z_]*=*) ;; *) echo "valgrind.sh: --env takes NAME=VALUE, not '$e'" >&2; exit 2;; esac
done
command -v valgrind >/dev/null ||
	{ echo "valgrind.sh: valgrind is not installed (Debian package valgrind)" >&2; exit 1; }

# QUICK: the subset for CI (2 cores, a budget of minutes). Every e2e
# script runs, on the two kernels of tests/data instead of the corpus, and
# history_pahole.py traces a sample of the types that change
# (KS_HISTORY_MAX) instead of all of them, and concurrent.sh runs 8 rounds
# of concurrent imports instead of 12 (KS_ROUNDS; packs still merge).
if [ $QUICK = 1 ]; then
	ENV_OVERRIDES=("KS_CORPUS=" "KS_HISTORY_MAX=40" "KS_ROUNDS=8" "${ENV_OVERRIDES[@]}")
fi

# ---- the non-sanitized build ----
T0=$SECONDS
if [ -f "$BUILD/CMakeCache.txt" ] && grep -q '^KSTRUCT_SANITIZE:BOOL=ON' "$BUILD/CMakeCache.txt"; then
	echo "valgrind.sh: $BUILD is built with sanitizers, which do not run under valgrind; name another --build-dir" >&2
	exit 1
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
	cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKSTRUCT_SANITIZE=OFF >/dev/null
fi
BUILD=$(cd "$BUILD" && pwd)
cmake --build "$BUILD" --target kstruct -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
KS_BIN=$BUILD/kstruct
[ -x "$KS_BIN" ] || { echo "valgrind.sh: no $KS_BIN after the build" >&2; exit 1; }
if nm -D "$KS_BIN" 2>/dev/null | grep '__asan_init\|__ubsan_' >/dev/null; then
	echo "valgrind.sh: $KS_BIN is built with sanitizers; name a non-sanitized --build-dir" >&2
	exit 1
fi
echo "valgrind.sh: $(valgrind --version), kstruct from $BUILD (built in $((SECONDS - T0)) s)"

# The suppressions must load: valgrind reports a bad file on stderr only.
if ! out=$(valgrind --tool=memcheck --suppressions="$SUPP" -q /bin/true 2>&1) || [ -n "$out" ]; then
	echo "valgrind.sh: valgrind cannot use $SUPP:" >&2
	echo "$out" >&2
	exit 1
fi

# ---- the tests, as ctest would run them ----
# one line per test: NAME <TAB> WORKDIR <TAB> JSON(command) <TAB> JSON(environment)
ALL=$(cd "$BUILD" && ctest --show-only=json-v1 -R '^e2e_' | python3 -c '
import json, sys
for t in json.load(sys.stdin)["tests"]:
    props = {p["name"]: p["value"] for p in t.get("properties", [])}
    print("\t".join([t["name"], props.get("WORKING_DIRECTORY", "."),
                     json.dumps(t["command"]), json.dumps(props.get("ENVIRONMENT", []))]))
')
TESTS=
while IFS=$'\t' read -r name rest; do
	[ -n "$name" ] || continue
	if [ ${#PATTERNS[@]} -eq 0 ]; then
		if [ -n "${SKIP[$name]:-}" ]; then
			echo "valgrind.sh: skip $name: ${SKIP[$name]}"
			continue
		fi
	else
		want=0
		for p in "${PATTERNS[@]}"; do
			if [ "$name" = "$p" ] || [ "$name" = "e2e_$p" ] || grep -qE -- "$p" <<<"$name"; then
				want=1
			fi
		done
		[ $want = 1 ] || continue
	fi
	TESTS+="$name"$'\t'"$rest"$'\n'
done <<<"$ALL"
TESTS=${TESTS%$'\n'}
[ -n "$TESTS" ] || { echo "valgrind.sh: no e2e test in $BUILD matches: ${PATTERNS[*]:-(all)}" >&2; exit 1; }

# ---- where the logs go ----
if [ -n "$LOGS" ]; then
	mkdir -p "$LOGS"
	LOGS=$(cd "$LOGS" && pwd)
	KEEP=1
else
	LOGS=$(mktemp -d "${TMPDIR:-/tmp}/kstruct-valgrind.XXXXXX")
	KEEP=0
fi
PIDS=()
on_exit() { # stop the tests still running (each is its own process group)
	local p
	[ ${#PIDS[@]} -gt 0 ] || return 0
	for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	sleep 2	# a Python test's thread pool outlives SIGTERM
	for p in "${PIDS[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# The wrapper the tests get as $KSTRUCT; one per test, so that each test's
# logs land in its own folder.
make_wrapper() { # make_wrapper DIR
	cat > "$1/kstruct" <<-EOF
	#!/bin/sh
	exec valgrind --tool=memcheck --trace-children=no --child-silent-after-fork=yes \\
		--leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
		--track-fds=no --num-callers=40 --suppressions='$SUPP' \\
		--log-file='$1/vg.%p.log' '$KS_BIN' "\$@"
	EOF
	chmod +x "$1/kstruct"
}

# run_test NAME WORKDIR CMDJSON ENVJSON: its output in LOGS/NAME/output,
# exit status in LOGS/NAME/status, wall seconds in LOGS/NAME/seconds,
# CPU seconds (user + system, of what it waited for) in LOGS/NAME/cpu
run_test() {
	local name=$1 wd=$2 cmd=$3 env=$4 dir=$LOGS/$1 start=$SECONDS rc=0 TIMEFORMAT='%U %S'
	local -a argv envv
	mkdir -p "$dir"
	make_wrapper "$dir"
	mapfile -t argv < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$cmd")
	mapfile -t envv < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$env")
	envv+=("${ENV_OVERRIDES[@]}" "KSTRUCT=$dir/kstruct")
	{ time { (cd "$wd" && exec env "${envv[@]}" "${argv[@]}") >"$dir/output" 2>&1 </dev/null ||
		rc=$?; }; } 2>"$dir/times"
	echo "$rc" > "$dir/status"
	echo $((SECONDS - start)) > "$dir/seconds"
	awk '{printf "%.0f\n", $1 + $2}' "$dir/times" > "$dir/cpu"
}

NAMES=()
echo "valgrind.sh: $(wc -l <<<"$TESTS") tests, $JOBS at a time; logs in $LOGS"
T1=$SECONDS
running=0
while IFS=$'\t' read -r name wd cmd env; do
	NAMES+=("$name")
	if [ "$running" -ge "$JOBS" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	set -m	# its own process group, so that an interrupt stops all of it
	run_test "$name" "$wd" "$cmd" "$env" &
	set +m
	PIDS+=($!)
	running=$((running + 1))
	echo "  started $name"
done <<<"$TESTS"
wait || true
PIDS=()
WALL=$((SECONDS - T1))

# ---- judging the logs ----
# A log is clean when valgrind wrote its ERROR SUMMARY with 0 errors
# (definite leaks count as errors with --errors-for-leak-kinds=definite)
# and nothing "definitely lost". Prints one line per test, the offending
# logs with their first error, and a total; exits 1 when anything failed.
fail=0
for n in "${!TIMING[@]}"; do printf '%s\t%s\n' "$n" "${TIMING[$n]}"; done > "$LOGS/timing"
python3 - "$LOGS" "$KILLERS" "$WALL" "${NAMES[@]}" <<'EOF' || fail=1
import glob, os, re, sys

logs, killers, wall, names = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4:]
PFX = re.compile(r"^==\d+== ?")
failed = False
total_runs = total_bad = total_killed = 0
timing = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(logs, "timing")) if "\t" in l)


def read(path, default="?"):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def first_error(lines):
    """The first report after the preamble: its header and first frames."""
    blocks, cur = [], []
    for l in lines:
        if l.strip():
            cur.append(l)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    for b in blocks:
        if len(b) > 1 and re.match(r"\s+(at|by) 0x", b[1]):
            return b[:10]
    return []


for name in names:
    d = os.path.join(logs, name)
    rc, secs = read(os.path.join(d, "status")), read(os.path.join(d, "seconds"))
    secs = "%s s, cpu %s s" % (secs, read(os.path.join(d, "cpu")))
    runs, killed, bad = 0, 0, []
    for log in sorted(glob.glob(os.path.join(d, "vg.*.log")), key=os.path.getmtime):
        with open(log, errors="replace") as f:
            lines = [PFX.sub("", l.rstrip("\n")) for l in f]
        text = "\n".join(lines)
        runs += 1
        cmd = next((l for l in lines if l.startswith("Command:")), "Command: ?")
        m = re.search(r"ERROR SUMMARY: (\d+) errors", text)
        if not m:
            if name in killers:
                killed += 1
                continue
            bad.append((log, "incomplete: kstruct was killed before valgrind's summary", cmd, []))
            continue
        lost = re.search(r"definitely lost: ([\d,]+) bytes", text)
        if int(m.group(1)) or (lost and lost.group(1) != "0"):
            bad.append((log, m.group(0) + (", definitely lost: %s bytes" % lost.group(1) if lost else ""),
                        cmd, first_error(lines)))
    total_runs += runs
    total_bad += len(bad)
    total_killed += killed
    extra = ", %d killed by the test" % killed if killed else ""
    if rc not in ("0", "?") and name in timing:
        fails = [l for l in read(os.path.join(d, "output"), "").split("\n") if l.startswith("FAIL")]
        if fails and all(re.search(timing[name], l) for l in fails):
            rc = "0"
            extra += "; excused %d timing check%s valgrind's slowness breaks (%s)" % (
                len(fails), "s" if len(fails) > 1 else "", "; ".join(l[5:] for l in fails))
    if rc == "0" and not bad:
        print("ok   %s: %d kstruct runs clean%s, test passed (%s)" % (name, runs, extra, secs))
        continue
    failed = True
    print("FAIL %s: test exit status %s, %d kstruct runs%s, %d with errors or definite leaks (%s)" % (
        name, rc, runs, extra, len(bad), secs))
    if rc != "0":
        out = read(os.path.join(d, "output"), "").split("\n")
        shown = [l for l in out if l.startswith("FAIL")][:10] + out[-3:]
        print("     the test says (%s):" % os.path.join(d, "output"))
        for l in shown:
            print("       " + l)
    for log, what, cmd, first in bad[:20]:
        print("   %s: %s" % (log, what))
        print("       " + cmd)
        for l in first:
            print("         " + l)
    if len(bad) > 20:
        print("   ... and %d more logs" % (len(bad) - 20))
cpu = sum(int(c) for c in (read(os.path.join(logs, n, "cpu"), "0") for n in names) if c.isdigit())
print("valgrind.sh: %d tests, %d kstruct runs checked under memcheck%s, %d with errors or definite "
      "leaks; %s s, cpu %d s" % (len(names), total_runs - total_killed,
                                 " (and %d killed on purpose)" % total_killed if total_killed else "",
                                 total_bad, wall, cpu))
sys.exit(1 if failed else 0)
EOF
if [ $fail = 0 ] && [ $KEEP = 0 ]; then
	rm -rf "$LOGS"
elif [ $fail = 1 ]; then
	echo "valgrind.sh: logs kept in $LOGS"
fi
exit $fail
