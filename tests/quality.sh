#!/usr/bin/env bash
# Quality gates, run by `bash tools/dev.sh test` (and so by CI) after the normal build and
# its ctest run. Every gate prints a header, its time, and the script ends with a summary;
# it exits non-zero if any gate failed (all gates run, unless QUALITY_FAIL_FAST=1).
#
#   bash tests/quality.sh                  every gate
#   bash tests/quality.sh format asan      only the named gates, in the order given
#   FUZZ_SECONDS=10 bash tests/quality.sh  shorter fuzzing (default 60 s per fuzzer)
#
# Gates:
#   format   every tracked *.cpp/*.h passes `clang-format --dry-run --Werror` (.clang-format)
#   asan     build-asan/: clang, -DOUTPOST_SANITIZE=ON (ASan+UBSan), UI on; builds and runs every
#            core test (ctest -LE 'ui|bench'): any sanitizer report, leaks included, fails the
#            test that produced it (suppressions only for third-party libraries:
#            tests/lsan.supp); then the widget tests of ASAN_UI_TESTS (the accounts dialog,
#            whose "Show certificate..." once read freed memory), leak checks off there: Qt's
#            widget stack keeps one-time allocations until exit
#   ui-off   core and its tests need no QtWidgets: build-fuzz/ (the fuzz gate's) is configured
#            without the UI (so Widgets is not even looked for); no ELF file there, and no non-UI
#            test (ctest -LE ui) of build/, has libQt6Widgets as a dependency; liboutpost_core.a
#            refers to no Widgets symbol; core/ includes no Widgets header
#   fuzz     tests/fuzz/run.sh: every libFuzzer target for FUZZ_SECONDS in build-fuzz/
#
# Environment: FUZZ_SECONDS (60), QUALITY_JOBS (ninja and ctest -j, 2), ASAN_BUILD_DIR
# (build-asan), FUZZ_BUILD_DIR (build-fuzz), MAIN_BUILD_DIR (build), QUALITY_FAIL_FAST (0).
# Build dirs are reused incrementally.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOBS=${QUALITY_JOBS:-2}
ASAN_DIR=${ASAN_BUILD_DIR:-build-asan}
MAIN_DIR=${MAIN_BUILD_DIR:-build}
export FUZZ_SECONDS=${FUZZ_SECONDS:-60}
export FUZZ_JOBS=${FUZZ_JOBS:-$JOBS}

header() {
    echo
    echo "================================================================================"
    echo "== quality gate: $*"
    echo "================================================================================"
}

# --- format ---------------------------------------------------------------------------------
gate_format() {
    command -v clang-format >/dev/null || { echo "clang-format not found (apt install clang-format)"; return 2; }
    clang-format --version
    local files
    if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        mapfile -t files < <(git -C "$ROOT" ls-files -- '*.cpp' '*.h')
    else
        mapfile -t files < <(find core app ui tests -name '*.cpp' -o -name '*.h' 2>/dev/null | sort)
    fi
    local existing=()
    for f in "${files[@]}"; do [ -f "$f" ] && existing+=("$f"); done
    files=("${existing[@]}")
    echo "checking ${#files[@]} files against .clang-format"
    # One clang-format process for all files; on failure, name each file that differs.
    if clang-format --dry-run --Werror "${files[@]}" >/dev/null 2>&1; then
        echo "all ${#files[@]} files formatted"
        return 0
    fi
    local bad=()
    mapfile -t bad < <(clang-format --dry-run --Werror "${files[@]}" 2>&1 |
        sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' | sort -u)
    if [ ${#bad[@]} -gt 0 ]; then
        echo "not formatted (fix with: clang-format -i FILE):"
        for f in "${bad[@]}"; do
            echo "  $f"
            clang-format --dry-run --Werror "$f" 2>&1 | head -n 12 | sed 's/^/      /'
        done
        return 1
    fi
    clang-format --dry-run --Werror "${files[@]}" 2>&1 | head -n 40
    return 1
}

# --- asan -----------------------------------------------------------------------------------
# The widget tests the asan gate runs too (see the header).
ASAN_UI_TESTS=(tst_accountdialog)
gate_asan() {
    command -v clang++ >/dev/null || { echo "clang++ not found (apt install clang libclang-rt-14-dev)"; return 2; }
    if [ -f "$ASAN_DIR/CMakeCache.txt" ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' "$ASAN_DIR/CMakeCache.txt"; then
        echo "$ASAN_DIR was configured with another compiler; remove it and rerun"
        return 2
    fi
    mkdir -p "$ASAN_DIR"
    CC=clang CXX=clang++ cmake -S . -B "$ASAN_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DOUTPOST_SANITIZE=ON -DOUTPOST_BUILD_UI=ON -DOUTPOST_BUILD_TESTS=ON -DOUTPOST_FUZZ=OFF \
        -DOUTPOST_WERROR=ON \
        >"$ASAN_DIR/quality-configure.log" 2>&1 || { cat "$ASAN_DIR/quality-configure.log"; return 1; }
    # Only what runs here: the core tests, the listed widget tests and the binary they start.
    local targets
    mapfile -t targets < <(cd "$ASAN_DIR" && ctest -N -LE 'ui|bench' | sed -n 's/^ *Test *#[0-9]*: //p')
    cmake --build "$ASAN_DIR" -j "$JOBS" --target outpost "${targets[@]}" "${ASAN_UI_TESTS[@]}" ||
        return 1
    # Any report fails: ASan aborts at the first error, UBSan is built non-recovering
    # (-fno-sanitize-recover) and halts, LeakSanitizer makes the process abort at exit.
    # Child processes (the `outpost` binary run by tests) inherit the same options. Set for
    # this gate only (a subshell), so tests/fuzz/run.sh keeps its own defaults.
    (
        export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:check_initialization_order=1"
        export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
        export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0"
        echo "ASAN_OPTIONS=$ASAN_OPTIONS"
        echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
        echo "LSAN_OPTIONS=$LSAN_OPTIONS"
        cd "$ASAN_DIR" || exit 2
        n=$(ctest -N -LE 'ui|bench' | sed -n 's/^Total Tests: //p')
        if [ -z "$n" ] || [ "$n" -eq 0 ]; then
            echo "no tests found in $ASAN_DIR"
            exit 1
        fi
        echo "running $n core tests under ASan/UBSan/LSan"
        ctest --output-on-failure -j "$JOBS" -LE 'ui|bench' --timeout 1800 || exit 1
        export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=0"
        echo "running ${ASAN_UI_TESTS[*]} under ASan/UBSan (ASAN_OPTIONS=$ASAN_OPTIONS)"
        ctest --output-on-failure -R "^($(IFS='|'; echo "${ASAN_UI_TESTS[*]}"))\$" --timeout 600
    )
}

# --- ui-off ---------------------------------------------------------------------------------
# ELF files in $1 that need libQt6Widgets.
widgets_users() {
    find "$1" -type f \( -perm -u+x -o -name '*.so*' \) ! -path '*/CMakeFiles/*' 2>/dev/null |
        while read -r f; do
            head -c 4 "$f" 2>/dev/null | grep -q 'ELF' || continue
            if readelf -d "$f" 2>/dev/null | grep -q 'NEEDED.*libQt6Widgets'; then
                echo "$f"
            fi
        done
}

gate_ui_off() {
    local failed=0
    local UIOFF_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
    if ! grep -q '^OUTPOST_BUILD_UI:BOOL=OFF' "$UIOFF_DIR/CMakeCache.txt" 2>/dev/null; then
        echo "$UIOFF_DIR is missing or not configured with -DOUTPOST_BUILD_UI=OFF: run the fuzz gate first"
        return 2
    fi
    if grep -q '^Qt6Widgets_DIR:PATH=/' "$UIOFF_DIR/CMakeCache.txt"; then
        echo "FAIL: the UI-off configuration looked up Qt6Widgets"
        failed=1
    fi
    # The command line too builds there without the UI (core, words and the CLI only).
    cmake --build "$UIOFF_DIR" -j "$JOBS" --target outpost >/dev/null || {
        echo "FAIL: the outpost binary does not build without the UI"
        return 1
    }
    echo "UI-off build in $UIOFF_DIR: configured without Qt6Widgets; the fuzzers and the outpost binary built"
    local bins
    bins=$(find "$UIOFF_DIR" -type f -perm -u+x ! -path '*/CMakeFiles/*' | while read -r f; do
        head -c 4 "$f" | grep -q ELF && echo "$f"; done | wc -l)
    echo "checking $bins ELF executables in $UIOFF_DIR for libQt6Widgets"
    local users
    users=$(widgets_users "$UIOFF_DIR")
    if [ -n "$users" ]; then
        echo "FAIL: linked against libQt6Widgets in the UI-off build:"
        echo "$users" | sed 's/^/  /'
        failed=1
    fi
    if [ -f "$MAIN_DIR/CTestTestfile.cmake" ]; then
        # The executables of every test in the main build (UI on) that is not a UI test.
        local cmds
        cmds=$(cd "$MAIN_DIR" && ctest -N -LE ui --show-only=json-v1 2>/dev/null |
            /usr/bin/python3 -c 'import json, sys
for t in json.load(sys.stdin).get("tests", []):
    if t.get("command"):
        print(t["command"][0])' | sort -u)
        echo "checking the $(echo "$cmds" | grep -c .) non-UI test executables of $MAIN_DIR (UI on)"
        users=$(echo "$cmds" | while read -r f; do
            [ -f "$f" ] || continue
            readelf -d "$f" 2>/dev/null | grep -q 'NEEDED.*libQt6Widgets' && echo "$f"
        done)
        if [ -n "$users" ]; then
            echo "FAIL: non-UI tests linked against libQt6Widgets:"
            echo "$users" | sed 's/^/  /'
            failed=1
        fi
    fi
    local lib
    for lib in $(find "$UIOFF_DIR" "$MAIN_DIR" -name 'liboutpost_core.a' 2>/dev/null); do
        if nm -C "$lib" 2>/dev/null | grep -qE ' U (QWidget|QApplication|QMainWindow|QDialog)::'; then
            echo "FAIL: $lib refers to QtWidgets symbols"
            failed=1
        else
            echo "$lib: no QtWidgets symbol referenced"
        fi
    done
    local inc
    inc=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](QtWidgets|QWidget|QApplication|QMainWindow|QDialog|QMessageBox|QSystemTrayIcon|QAction)' core/ || true)
    if [ -n "$inc" ]; then
        echo "FAIL: core/ includes Widgets headers:"
        echo "$inc" | sed 's/^/  /'
        failed=1
    fi
    [ $failed -eq 0 ] && echo "core, the CLI and every core test build and link without QtWidgets"
    return $failed
}

# --- fuzz -----------------------------------------------------------------------------------
gate_fuzz() {
    bash tests/fuzz/run.sh
}

# --- driver ---------------------------------------------------------------------------------
# (a function, so that bash has read all of it before it starts: editing this file while it
# runs does not break the run)
main() {
    ALL=(format asan fuzz ui-off)
    if [ $# -gt 0 ]; then GATES=("$@"); else GATES=("${ALL[@]}"); fi

    declare -A DESC=(
        [format]="clang-format --dry-run --Werror on every tracked *.cpp/*.h"
        [asan]="ASan/UBSan/LSan build ($ASAN_DIR, clang) running every core test and ${ASAN_UI_TESTS[*]}"
        [ui-off]="core and its tests need no QtWidgets"
        [fuzz]="every libFuzzer target for ${FUZZ_SECONDS}s (tests/fuzz/run.sh, ${FUZZ_BUILD_DIR:-build-fuzz})"
    )

    results=()
    status=0
    total_start=$SECONDS
    for g in "${GATES[@]}"; do
        if [ -z "${DESC[$g]:-}" ]; then
            echo "unknown gate: $g (gates: ${ALL[*]})" >&2
            exit 64
        fi
        header "$g — ${DESC[$g]}"
        start=$SECONDS
        "gate_${g//-/_}"
        rc=$?
        took=$((SECONDS - start))
        if [ $rc -eq 0 ]; then
            echo "== $g: PASSED in ${took}s"
            results+=("$(printf '%-8s PASSED %5ss' "$g" "$took")")
        else
            echo "== $g: FAILED (exit $rc) in ${took}s"
            results+=("$(printf '%-8s FAILED %5ss' "$g" "$took")")
            status=1
            [ "${QUALITY_FAIL_FAST:-0}" = 1 ] && break
        fi
    done

    header "summary ($((SECONDS - total_start))s)"
    printf '%s\n' "${results[@]}"
    if [ $status -ne 0 ]; then
        echo "quality gates FAILED"
    else
        echo "all quality gates passed"
    fi
    exit $status
}

main "$@"
