#!/usr/bin/env bash
# The whole test suite: dependencies, release and ASan+UBSan builds, unit
# tests in both, the libFuzzer targets for a bounded time, then every
# integration test in its own network namespaces. Ends with one line
# "tests: N passed, N failed" and exits non-zero when anything failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

bash scripts/install-deps.sh || exit 1
bash scripts/build.sh --asan || exit 1

passed=0
failed=0
failures=()

# meson's summary: "Ok: N" and "Fail: N" (timeouts count as failures).
unit() {   # unit BUILD_DIR
	local out ok fail
	out=$(meson test -C "$1" --suite unit --print-errorlogs 2>&1)
	echo "$out" | grep -E '^ *[0-9]+/[0-9]+ |FAILED|ERROR' || true
	ok=$(echo "$out" | awk '/^Ok:/ { print $2 }')
	fail=$(echo "$out" | awk '/^(Fail|Timeout):/ { s += $2 } END { print s + 0 }')
	passed=$((passed + ${ok:-0}))
	failed=$((failed + fail))
	[ "$fail" -eq 0 ] || failures+=("unit tests in $1")
	[ -n "$ok" ] || { failed=$((failed + 1)); failures+=("meson test in $1 did not run"); }
}

# A script that prints "NAME: N passed, N failed" and exits 0 on success.
script() {   # script PATH [args]
	local out rc p f
	out=$(bash "$@" 2>&1)
	rc=$?
	echo "$out"
	p=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	if [ "$rc" -ne 0 ] || [ -z "$p" ]; then
		[ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
		failures+=("$1")
	fi
}

echo "== unit tests (release build)"
unit build
echo "== unit tests (ASan+UBSan build)"
# Any sanitizer report fails the test, not just a crash.
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 unit build-asan
if [ -x tests/fuzz/run.sh ]; then
	echo "== fuzz targets"
	script tests/fuzz/run.sh
fi
for t in tests/integration/test_*.sh; do
	echo "== $t"
	script "$t"
done

echo
if [ "${#failures[@]}" -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "${#failures[@]}" -eq 0 ]
