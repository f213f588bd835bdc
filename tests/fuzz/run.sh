#!/usr/bin/env bash
# Builds the libFuzzer targets in a separate clang build dir and runs each one for
# FUZZ_SECONDS (default 60) on a copy of its seed corpus. Fails if any fuzzer finds a crash,
# a sanitizer error, a timeout or an out-of-memory input (libFuzzer's exit status).
#
#   bash tests/fuzz/run.sh                     every fuzzer, 60 s each
#   FUZZ_SECONDS=10 bash tests/fuzz/run.sh     shorter
#   bash tests/fuzz/run.sh fuzz_reply_parser   only the named fuzzer(s)
#
# Environment: FUZZ_SECONDS, FUZZ_BUILD_DIR (default build-fuzz), FUZZ_JOBS (ninja -j,
# default 2). Crashing inputs are kept in $FUZZ_BUILD_DIR/fuzz-work/<name>/ (crash-*,
# leak-*, timeout-*, oom-*); new corpus entries stay in .../<name>/corpus (the seed corpus in
# tests/fuzz/corpus/ is never modified). Reproduce one with: $FUZZ_BUILD_DIR/.../<name> FILE
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-2}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac

command -v clang++ >/dev/null || { echo "run.sh: clang++ not found (apt install clang libclang-rt-14-dev)" >&2; exit 2; }

CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOUTPOST_FUZZ=ON -DOUTPOST_BUILD_UI=OFF -DOUTPOST_BUILD_TESTS=ON >/dev/null
if ! grep -q 'CMAKE_CXX_COMPILER_ID:.*Clang\|CMAKE_CXX_COMPILER:.*clang' "$BUILD/CMakeCache.txt"; then
    echo "run.sh: $BUILD was configured with another compiler; remove it and rerun" >&2
    exit 2
fi
cmake --build "$BUILD" --target outpost_fuzzers -j "$JOBS"

LIST="$BUILD/fuzzers.txt"
[ -s "$LIST" ] || { echo "run.sh: no fuzzers listed in $LIST" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
ran=0
while IFS='|' read -r name exe corpus; do
    [ -n "$name" ] || continue
    if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
        continue
    fi
    if [ ! -x "$exe" ]; then
        echo "run.sh: $name was not built ($exe)" >&2
        failed+=("$name(missing)")
        continue
    fi
    work="$BUILD/fuzz-work/$name"
    rm -rf "$work/corpus" "$work/log.txt"  # earlier crash-* artifacts are kept
    mkdir -p "$work/corpus"
    if [ -d "$corpus" ]; then
        cp -R "$corpus"/. "$work/corpus/"
    else
        echo "run.sh: $name has no seed corpus ($corpus), starting empty"
    fi
    echo "=== $name: ${SECONDS_EACH}s on $(find "$work/corpus" -type f | wc -l) seed inputs"
    ran=$((ran + 1))
    if "$exe" -max_total_time="$SECONDS_EACH" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" >"$work/log.txt" 2>&1; then
        grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$work/log.txt" || true
        echo "=== $name: ok"
    else
        status=$?
        tail -n 60 "$work/log.txt"
        echo "=== $name: FAILED (exit $status); artifacts and full log in $work/" >&2
        failed+=("$name")
    fi
done <"$LIST"

if [ "$ran" -eq 0 ] && [ ${#failed[@]} -eq 0 ]; then
    echo "run.sh: no fuzzer matched: $*" >&2
    exit 2
fi
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzzing found problems in: ${failed[*]}" >&2
    exit 1
fi
echo "all $ran fuzzers ran ${SECONDS_EACH}s without a crash"
